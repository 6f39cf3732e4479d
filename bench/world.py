"""A fresh benchmark database per run and what every scenario starts from: one organization, one client,
documents created through massledger's own service functions (so they are exactly what the server makes)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from pydantic import TypeAdapter
from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url

from massledger.auth import service as client_service
from massledger.auth.keys import load_pepper
from massledger.auth.tokens import Principal
from massledger.db import migrate
from massledger.db.engine import Database
from massledger.ids import now_us
from massledger.organizations import service as organization_service
from massledger.organizations.schemas import OrganizationCreate
from massledger.traceability import service
from massledger.traceability.append import append_events
from massledger.traceability.schemas import DocumentCreate, EventIn

BACKENDS = ("sqlite", "postgresql")
DEFAULT_POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
EVENT_TIME = "2024-01-01T00:00:00.000Z"  # in the past and equal for all events: appends are always in order

_EVENT: TypeAdapter[EventIn] = TypeAdapter(EventIn)


def postgres_admin_url() -> str:
    return os.environ.get("MASSLEDGER_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_ADMIN_URL)


def postgres_url(name: str) -> str:
    return make_url(postgres_admin_url()).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(name: str) -> None:
    with psycopg.connect(postgres_admin_url(), autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s"
            " AND pid <> pg_backend_pid()",
            (name,),
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def create_postgres_database(name: str, template: str | None = None) -> str:
    drop_postgres_database(name)
    with psycopg.connect(postgres_admin_url(), autocommit=True) as conn:
        suffix = f' TEMPLATE "{template}"' if template else ""
        conn.execute(f'CREATE DATABASE "{name}"{suffix}')
    return postgres_url(name)


def postgres_database_exists(name: str) -> bool:
    with psycopg.connect(postgres_admin_url(), autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def fresh_database(backend: str, workdir: Path, name: str) -> str:
    """A new, empty, migrated database for one run; returns its URL."""
    if backend == "sqlite":
        path = workdir / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        url = create_postgres_database(name)
    database = Database(url)
    migrate.upgrade(database)
    database.dispose_sync()
    return url


def analyze(database_url: str) -> None:
    """Planner statistics for what a scenario just prepared, on PostgreSQL.

    A default PostgreSQL server analyzes a table on its own once ~10 % of it changed (autovacuum); the
    machines this runs on have autovacuum off (`conf.d/90-ci.conf`), and without statistics the planner
    took the loader's duplicate-candidate search through every MassID of the type instead of the one
    Pick-up at that instant (50-80 ms per audit instead of 0.1 ms at 12 k MassIDs). SQLite has no
    autovacuum to stand in for: it is left as it runs by default."""
    if not database_url.startswith("postgresql"):
        return
    with psycopg.connect(postgres_url(make_url(database_url).database or ""), autocommit=True) as conn:
        conn.execute("ANALYZE")


def sqlite_path(url: str) -> Path:
    return Path(str(make_url(url).database))


def copy_sqlite(source: Path, target: Path) -> None:
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, target)


@dataclass
class World:
    """The benchmark's organization and client, and the ids events refer to."""

    database_url: str
    data_dir: Path
    organization_id: str
    client_id: str
    client_secret: str
    participant_id: str
    address_id: str
    data_set: str = "TEST"

    @property
    def principal(self) -> Principal:
        return Principal(
            client_id=self.client_id,
            organization_id=self.organization_id,
            participant_id=self.participant_id,
            data_set=self.data_set,
            scopes=frozenset({"documents:read", "documents:write"}),
        )

    def context(self, max_events: int = 1_000_000_000) -> service.WriteContext:
        return service.WriteContext(
            principal=self.principal,
            now_us=now_us(),
            clock_skew_us=5_000_000,
            max_events_per_document=max_events,
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "database_url": self.database_url,
            "data_dir": str(self.data_dir),
            "organization_id": self.organization_id,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "participant_id": self.participant_id,
            "address_id": self.address_id,
            "data_set": self.data_set,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> World:
        return cls(**{**data, "data_dir": Path(data["data_dir"])})


ADDRESS = {
    "street": "Rua das Colinas",
    "number": "500",
    "city": "São Paulo",
    "countryState": "São Paulo",
    "countryCode": "BR",
}


def document_payload(world: World | None = None, index: int = 0) -> dict[str, Any]:
    """A MassID creation request; the first one carries the address inline, later ones refer to it."""
    payload: dict[str, Any] = {
        "category": "MassID",
        "type": "Organic",
        "subtype": "Food, Food Waste and Beverages",
        "externalCreatedAt": EVENT_TIME,
        "isPublic": True,
        "isPubliclySearchable": True,
        "externalId": f"bench-{index}",
        "measurementUnit": "kg",
    }
    if world is None:
        payload["address"] = ADDRESS
    else:
        payload["participantId"] = world.participant_id
        payload["addressId"] = world.address_id
    return payload


def event_payload(world: World, index: int = 0) -> dict[str, Any]:
    """One event as integrators send it: references by id, a mass, three metadata attributes."""
    return {
        "name": "Weighing",
        "externalCreatedAt": EVENT_TIME,
        "isPublic": True,
        "participantId": world.participant_id,
        "addressId": world.address_id,
        "value": 1520.5,
        "metadata": {
            "attributes": [
                {"name": "Vehicle License Plate", "value": "ABC1D23", "sensitive": True},
                {"name": "Scale Ticket", "value": f"T-{index:06d}"},
                {"name": "Gross Weight", "value": 18250, "format": "KILOGRAM"},
            ]
        },
    }


def create_world(database_url: str, data_dir: Path) -> World:
    """Organization and client as an operator's CLI creates them; the address through a first document."""
    data_dir.mkdir(parents=True, exist_ok=True)
    database = Database(database_url)
    try:
        row, _participant_ids = database.run_write(
            organization_service.create_organization,
            OrganizationCreate(fullName="Bench Recycler"),
        )
        organization_id = str(row["id"])
        created = database.run_write(
            client_service.create_client, load_pepper(data_dir, None), organization_id, "TEST", None, "bench"
        )
        world = World(
            database_url=database_url,
            data_dir=data_dir,
            organization_id=organization_id,
            client_id=created.client_id,
            client_secret=created.client_secret,
            participant_id=created.participant_id,
            address_id="",
        )
        first = DocumentCreate.model_validate(
            document_payload(None) | {"participantId": world.participant_id}
        )
        result = database.run_write(service.create_document, world.context(), first)
        with database.read_engine.connect() as conn:
            address = conn.execute(
                text("SELECT address_id FROM documents WHERE id = :id"), {"id": result["id"]}
            ).scalar_one()
        world.address_id = str(address)
        return world
    finally:
        database.dispose_sync()


def add_client(world: World) -> World:
    """A new client of the same organization (a cached database gets one per run, with this run's pepper)."""
    database = Database(world.database_url)
    try:
        created = database.run_write(
            client_service.create_client,
            load_pepper(world.data_dir, None),
            world.organization_id,
            "TEST",
            None,
            "bench",
        )
    finally:
        database.dispose_sync()
    world.client_id, world.client_secret = created.client_id, created.client_secret
    return world


def _chunks(count: int, size: int) -> Iterator[range]:
    for start in range(0, count, size):
        yield range(start, min(count, start + size))


def create_documents(world: World, count: int, events_each: int = 0, tag: str = "doc") -> list[str]:
    """``count`` documents with ``events_each`` events each, made by massledger's own service."""
    database = Database(world.database_url)
    ids: list[str] = []
    event = _EVENT.validate_python(event_payload(world))
    per_transaction = max(1, 2000 // (events_each + 1))
    try:
        for chunk in _chunks(count, per_transaction):

            def make(conn: Connection, chunk: range = chunk) -> list[str]:
                ctx = world.context()
                made = []
                for index in chunk:
                    payload = document_payload(world, index) | {"externalId": f"{tag}-{index}"}
                    document_id = service.create_document(conn, ctx, DocumentCreate.model_validate(payload))[
                        "id"
                    ]
                    if events_each:
                        append_events(conn, ctx, document_id, [event] * events_each, lambda _i: "")
                    made.append(document_id)
                return made

            ids.extend(database.run_write(make))
    finally:
        database.dispose_sync()
    return ids


def count_events(database_url: str, document_ids: list[str]) -> int:
    """Events stored on these documents (read back after a write scenario)."""
    database = Database(database_url)
    try:
        with database.read_engine.connect() as conn:
            total = 0
            for start in range(0, len(document_ids), 500):
                chunk = document_ids[start : start + 500]
                params = {f"d{i}": value for i, value in enumerate(chunk)}
                names = ", ".join(f":d{i}" for i in range(len(chunk)))
                total += int(
                    conn.execute(
                        text(f"SELECT count(*) FROM events WHERE document_id IN ({names})"), params
                    ).scalar_one()
                )
            return total
    finally:
        database.dispose_sync()


def timestamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
