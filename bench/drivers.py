"""In-process references, each doing one scenario operation at a time in one process (pinned to the
server core by bench/inproc.py, like the server):

- ``raw``: the bare driver (stdlib ``sqlite3`` / ``psycopg``) running the statements of massledger's hot
  path in the same transaction shape: one transaction per request, lock/read the document, insert the
  events, update the projection (appends); read the document and its events and encode JSON (GET);
- ``peer``: the ``eventsourcing`` library (its SQLite / PostgreSQL persistence modules, as shipped, with
  its aggregate cache on) storing the same event bodies in the same database: get the aggregate, trigger
  the events, save;
- ``massledger``: massledger's own service functions in-process (request validation by the same Pydantic
  models, the same transaction), i.e. the server minus HTTP. The peer has no HTTP layer, so this is the
  like-for-like comparison with it."""

from __future__ import annotations

import sqlite3
import uuid
from typing import Any, Protocol

import orjson
import psycopg
from pydantic import TypeAdapter

from bench import rows as sql
from bench.world import World, sqlite_path
from massledger.db.engine import Database, sqlite_pragmas
from massledger.ids import now_us
from massledger.settings import DEFAULT_SQLITE_CACHE_MIB
from massledger.traceability import service
from massledger.traceability.append import append_events
from massledger.traceability.schemas import EventBatch, EventIn

_EVENT: TypeAdapter[EventIn] = TypeAdapter(EventIn)


class Driver(Protocol):
    def op(self, k: int) -> int:
        """Do operation k; returns the units done (events written, documents read)."""
        ...

    def close(self) -> None: ...


def connect(world: World) -> tuple[str, Any]:
    """The bare driver's connection: sqlite3 in autocommit mode (transactions are explicit, with the
    server's pragmas: massledger's own list, with its default settings) or psycopg (a transaction begins
    with the first statement)."""
    if world.database_url.startswith("sqlite"):
        conn = sqlite3.connect(
            sqlite_path(world.database_url), isolation_level=None, timeout=30, check_same_thread=False
        )
        for pragma in sqlite_pragmas("NORMAL", DEFAULT_SQLITE_CACHE_MIB):
            conn.execute(pragma)
        return "sqlite", conn
    return "postgresql", psycopg.connect(world.database_url.replace("postgresql+psycopg", "postgresql"))


class Raw:
    def __init__(
        self,
        world: World,
        operation: str,
        ids: list[str],
        batch: int,
        template: dict[str, Any],
        events_each: int = 0,
    ) -> None:
        self.operation, self.ids, self.batch = operation, ids, batch
        self.template = sql.EventTemplate(template, service.timestamp_us(template["externalCreatedAt"]))
        self.backend, self.conn = connect(world)
        self.select = sql.named(sql.SELECT_DOCUMENT, self.backend)
        self.lock = sql.named(
            sql.LOCK_DOCUMENT if self.backend == "postgresql" else sql.SELECT_DOCUMENT, self.backend
        )
        self.insert = sql.named(sql.INSERT_EVENT, self.backend)
        self.update = sql.named(sql.UPDATE_DOCUMENT, self.backend)
        self.events = sql.named(sql.SELECT_EVENTS, self.backend)

    def _begin(self, immediate: bool) -> Any:
        if self.backend == "sqlite":
            self.conn.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
        return self.conn.cursor()

    def op(self, k: int) -> int:
        document_id = self.ids[k % len(self.ids)]
        return self._append(document_id) if self.operation == "append" else self._get(document_id)

    def _append(self, document_id: str) -> int:
        cursor = self._begin(immediate=True)
        cursor.execute(self.lock, {"id": document_id})
        document = dict(zip(sql.DOCUMENT_COLUMNS, cursor.fetchone(), strict=True))
        recorded = max(now_us(), document["updated_at_us"])
        count = document["event_count"]
        rows, head = self.template.rows(document_id, document["head_hash"], count + 1, self.batch, recorded)
        if self.backend == "postgresql" and len(rows) > 1:  # as store.insert_events: COPY for a batch
            with cursor.copy(f"COPY events ({', '.join(sql.EVENT_COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([row[column] for column in sql.EVENT_COLUMNS])
        else:
            cursor.executemany(self.insert, rows)
        cursor.execute(
            self.update,
            {
                "document_id": document_id,
                "current_value": self.template.current_value,
                "event_count": count + self.batch,
                "head_hash": head,
                "is_public": bool(document["is_public"]),
                "is_publicly_searchable": bool(document["is_publicly_searchable"]),
                "last_event_at_us": self.template.external_us,
                "status": document["status"],
                "updated_at_us": recorded,
            },
        )
        self.conn.execute("COMMIT") if self.backend == "sqlite" else self.conn.commit()
        return self.batch

    def _get(self, document_id: str) -> int:
        cursor = self._begin(immediate=False)
        cursor.execute(self.select, {"id": document_id})
        document = dict(zip(sql.DOCUMENT_COLUMNS, cursor.fetchone(), strict=True))
        cursor.execute(self.events, {"document_id": document_id})
        events = [orjson.loads(body) for _seq, _id, body, _hash in cursor.fetchall()]
        self.conn.execute("COMMIT") if self.backend == "sqlite" else self.conn.commit()
        document["body"] = orjson.loads(document["body"])
        orjson.dumps({**document, "events": events})
        return 1

    def close(self) -> None:
        self.conn.close()


class Massledger:
    def __init__(
        self,
        world: World,
        operation: str,
        ids: list[str],
        batch: int,
        template: dict[str, Any],
        events_each: int = 0,
    ) -> None:
        self.world, self.operation, self.ids, self.batch = world, operation, ids, batch
        self.database = Database(world.database_url)
        from bench.world import event_payload

        event = event_payload(world)
        self.single = orjson.dumps(event)
        self.many = orjson.dumps({"documentId": "{id}", "events": [event] * batch})

    def op(self, k: int) -> int:
        document_id = self.ids[k % len(self.ids)]
        if self.operation == "get":
            view = self.database.run_read(service.get_document, self.world.principal, document_id)
            orjson.dumps(view)
            return 1
        if self.batch == 1:
            events = [_EVENT.validate_json(self.single)]
        else:
            body = EventBatch.model_validate_json(self.many.replace(b"{id}", document_id.encode()))
            events = body.events
        self.database.run_write(append_events, self.world.context(), document_id, events, lambda _index: "")
        return len(events)

    def close(self) -> None:
        self.database.dispose_sync()


def peer_env(world: World) -> dict[str, str]:
    if world.database_url.startswith("sqlite"):
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(sqlite_path(world.database_url)),
        }
    from sqlalchemy.engine import make_url

    url = make_url(world.database_url)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": str(url.database),
        "POSTGRES_HOST": str(url.host or "127.0.0.1"),
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_USER": str(url.username or "postgres"),
        "POSTGRES_PASSWORD": str(url.password or ""),
        # One connection per application: each reference thread has its own application, as each
        # bare-driver thread has its own connection.
        "POSTGRES_POOL_SIZE": "1",
        "POSTGRES_MAX_OVERFLOW": "0",
    }


class Peer:
    """The same events stored by eventsourcing: one aggregate per document, one event per massledger event."""

    def __init__(
        self,
        world: World,
        operation: str,
        ids: list[str],
        batch: int,
        template: dict[str, Any],
        events_each: int = 0,
    ) -> None:
        from bench.peer_model import MassDocument, PeerLedger

        self.operation, self.batch, self.template = operation, batch, template
        env = peer_env(world)
        # Writes use the library's aggregate cache (no replay per append); reads go to the database.
        self.app = PeerLedger(env={**env, "AGGREGATE_CACHE_MAXSIZE": "100000"})
        self.reader = PeerLedger(env=env) if operation == "get" else self.app
        self.ids: list[uuid.UUID] = []
        # Saved 50 aggregates at a time: much larger saves stall in psycopg's pipeline mode on PostgreSQL.
        for start in range(0, len(ids), 50):
            created = [MassDocument(body=template) for _ in range(min(50, len(ids) - start))]
            for document in created:
                for _ in range(events_each):
                    document.append(body=template)
            self.app.save(*created)
            self.ids.extend(document.id for document in created)
        if self.reader is not self.app:  # a reading run needs no writer once its aggregates exist
            self.app.close()

    def op(self, k: int) -> int:
        document_id = self.ids[k % len(self.ids)]
        if self.operation == "get":
            self.reader.repository.get(document_id)
            return 1
        document: Any = self.app.repository.get(document_id)
        for _ in range(self.batch):
            document.append(body=self.template)
        self.app.save(document)
        return self.batch

    def stored_events(self) -> int:
        """Appended events on the aggregates this run used (each aggregate's version counts its events)."""
        return sum(self.reader.repository.get(i).version - 1 for i in self.ids)

    def close(self) -> None:
        self.reader.close()  # the writer is the reader, or was closed after preparing
