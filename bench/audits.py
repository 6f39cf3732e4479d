"""Scenario 5's data and in-process reference: MassIDs that pass both methodologies, prepared through
massledger's own service functions from the request bodies the methodology tests use
(``massledger.methodology.samples``: the representative MassID of carrot.md §9.2 and its accreditations).

As in ``tests/methodology/world.py``: an operator organization (scope ``methodology:run``) writes the
Participant Accreditations and the two methodology Definitions; an integrator organization writes each
MassID (with its two manifest attachments uploaded) and grants the operator READ with an ``ACTOR``
"Auditor" event. Every date is moved by whole years so the MassID was recycled last year (the rules judge
dates against the audit time). MassID ``i`` has its Pick-up ``i`` milliseconds later than the reference,
so no two prepared MassIDs are duplicate candidates of each other (same type, value and Pick-up instant)."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pydantic import TypeAdapter
from sqlalchemy import Connection, text

from bench.world import World
from massledger.attachments import service as attachment_service
from massledger.attachments.schemas import UploadRequest
from massledger.attachments.storage import FileStorage
from massledger.auth import scopes
from massledger.auth import service as client_service
from massledger.auth.keys import load_pepper
from massledger.auth.service import NewClient
from massledger.auth.tokens import Principal
from massledger.db.engine import Database
from massledger.ids import format_timestamp, now_us
from massledger.methodology import constants as c
from massledger.methodology import samples as b
from massledger.methodology.samples import BUILDER_YEAR, shift_years
from massledger.methodology.service import run_audit
from massledger.organizations import service as organization_service
from massledger.organizations.schemas import OrganizationCreate
from massledger.traceability import service
from massledger.traceability.append import append_events
from massledger.traceability.schemas import DocumentCreate, EventIn

SLUGS = ("bold-recycling", "bold-carbon")
PATH = "/methodologies/{id}/audits"
BODY = '{"documentId": "{2}"}'
OPERATOR_SCOPES = [*scopes.DEFAULT_CLIENT_SCOPES, scopes.METHODOLOGY_RUN]
ATTACHMENTS = ("mtr-4126.pdf", "cdf-2353.pdf")
_EVENTS: TypeAdapter[list[EventIn]] = TypeAdapter(list[EventIn])
MASS_IDS_PER_TRANSACTION = 50


def _years() -> int:
    return (datetime.now(UTC).year - 1) - BUILDER_YEAR


@dataclass(frozen=True)
class Client:
    client_id: str
    client_secret: str
    organization_id: str
    participant_id: str
    scopes: tuple[str, ...]

    @property
    def principal(self) -> Principal:
        return Principal(
            client_id=self.client_id,
            organization_id=self.organization_id,
            participant_id=self.participant_id,
            data_set="TEST",
            scopes=frozenset(self.scopes),
        )

    @classmethod
    def of(cls, created: NewClient) -> Client:
        return cls(
            created.client_id,
            created.client_secret,
            created.organization_id,
            created.participant_id,
            tuple(created.scopes),
        )


def _context(principal: Principal) -> service.WriteContext:
    return service.WriteContext(principal, now_us(), 5_000_000, 1_000_000_000)


def _client(conn: Connection, world: World, name: str, granted: list[str] | None) -> Client:
    row, _ = organization_service.create_organization(conn, OrganizationCreate(fullName=name))
    pepper = load_pepper(world.data_dir, None)
    return Client.of(client_service.create_client(conn, pepper, str(row["id"]), "TEST", granted, "bench"))


def _create(
    conn: Connection,
    principal: Principal,
    request: b.DocumentRequest,
    years: int,
    attachments: tuple[str, ...] = (),
    sha256: str = "",
) -> str:
    """The document, its uploaded attachments, then its events, as the API writes them."""
    ctx = _context(principal)
    created = DocumentCreate.model_validate(shift_years(request.body, years))
    document_id = str(service.create_document(conn, ctx, created)["id"])
    for name in attachments:
        upload = UploadRequest(contentLength=len(_content(name)), contentType="application/pdf")
        row = attachment_service.request_upload(conn, principal, document_id, name, upload, 10**9)
        attachment_service.complete_upload(conn, row["id"], row["upload_nonce"], _sha256(name))
    if request.events:
        events = _EVENTS.validate_python(shift_years(request.events, years))
        append_events(conn, ctx, document_id, events, lambda _index: "")
    return document_id


def _content(name: str) -> bytes:
    return b"%PDF-1.4 " + name.encode()


def _sha256(name: str) -> str:
    return hashlib.sha256(_content(name)).hexdigest()


@dataclass
class AuditSet:
    """The operator that audits and the accreditation the MassIDs' Weighing names."""

    integrator: Client
    recycler_accreditation: str
    years: int


def prepare_world(world: World) -> AuditSet:
    """Accreditations and definitions (written once per run, by a first operator), and the integrator."""
    storage = FileStorage(world.data_dir / "attachments")
    for name in ATTACHMENTS:  # content-addressed: one file serves every MassID's upload
        incoming = storage.incoming()
        incoming.write(_content(name))
        incoming.commit()
    database = Database(world.database_url)
    years = _years()
    try:

        def make(conn: Connection) -> AuditSet:
            author = _client(conn, world, "Bench BOLD accreditor", OPERATOR_SCOPES)
            integrator = _client(conn, world, "Bench integrator", None)
            accreditations = {}
            for request in b.accreditations():
                accreditations[request.body["subtype"]] = _create(conn, author.principal, request, years)
            for slug in SLUGS:
                _create(conn, author.principal, b.definition(slug), years)
            return AuditSet(integrator, accreditations["Recycler"], years)

        prepared: AuditSet = database.run_write(make)
        return prepared
    finally:
        database.dispose_sync()


def new_operator(world: World, name: str) -> Client:
    """An organization with a ``methodology:run`` client: its audits, certificates and credits are counted
    by organization afterwards."""
    database = Database(world.database_url)
    try:
        operator: Client = database.run_write(_client, world, name, OPERATOR_SCOPES)
        return operator
    finally:
        database.dispose_sync()


def _mass_id(prepared: AuditSet, operator: Client, index: int) -> b.DocumentRequest:
    request = b.mass_id(prepared.recycler_accreditation).copy()
    request.body["deduplicationId"] = str(uuid.uuid4())
    request.body["externalId"] = f"bench-{index}"
    pick_up = request.one("Pick-up")
    at = datetime.fromisoformat(pick_up["externalCreatedAt"].replace("Z", "+00:00"))
    pick_up["externalCreatedAt"] = format_timestamp(at + timedelta(milliseconds=index))
    grant = b.event(
        "ACTOR",
        request.events[-1]["externalCreatedAt"],
        label="Auditor",
        participantId=operator.participant_id,
        permissions=[{"effect": "ALLOW", "actions": ["READ"]}],
        isPublic=False,
    )
    request.events.insert(len(request.events) - 1, grant)  # before the CLOSE
    return request


def prepare_mass_ids(
    world: World, prepared: AuditSet, operator: Client, count: int, start: int = 0
) -> list[str]:
    """``count`` MassIDs written by the integrator, readable by ``operator``."""
    database = Database(world.database_url)
    ids: list[str] = []
    try:
        for first in range(start, start + count, MASS_IDS_PER_TRANSACTION):
            last = min(start + count, first + MASS_IDS_PER_TRANSACTION)

            def make(conn: Connection, first: int = first, last: int = last) -> list[str]:
                return [
                    _create(
                        conn,
                        prepared.integrator.principal,
                        _mass_id(prepared, operator, index),
                        prepared.years,
                        ATTACHMENTS,
                    )
                    for index in range(first, last)
                ]

            ids.extend(database.run_write(make))
    finally:
        database.dispose_sync()
    return ids


def rows(operator: Client, mass_ids: list[str]) -> list[str]:
    """Plan rows ``slug \\t MassID \\t client \\t organization \\t participant``: each MassID audited under
    BOLD Recycling, then under BOLD Carbon (consecutive requests)."""
    fields = (operator.client_id, operator.organization_id, operator.participant_id)
    return ["\t".join((slug, mass_id, *fields)) for mass_id in mass_ids for slug in SLUGS]


def count_outcomes(database_url: str, operator: Client) -> dict[str, int]:
    """What the operator's audits stored: audit documents, certificates (RecycledID, GasID) and credit
    batches minted to its organization."""
    database = Database(database_url)
    try:
        with database.read_engine.connect() as conn:
            params = {"organization": operator.organization_id, "category": c.METHODOLOGY}
            counts = {
                str(kind): int(n)
                for kind, n in conn.execute(
                    text(
                        "SELECT type, count(*) FROM documents WHERE organization_id = :organization"
                        " AND category = :category GROUP BY type"
                    ),
                    params,
                )
            }
            batches = conn.execute(
                text(
                    "SELECT count(*) FROM registry_transactions WHERE action = 'issue'"
                    " AND to_organization_id = :organization"
                ),
                params,
            ).scalar_one()
    finally:
        database.dispose_sync()
    return {
        "audits": counts.get(c.MASS_ID_AUDIT, 0),
        "certificates": counts.get(c.RECYCLED_ID, 0) + counts.get(c.GAS_ID, 0),
        "credit_batches": int(batches),
    }


class MassledgerAudits:
    """massledger in-process: ``run_audit`` in one transaction per MassID and methodology, as the route
    calls it (the answer encoded to JSON); no HTTP."""

    def __init__(self, world: World, plan_rows: list[str]) -> None:
        self.rows = [line.split("\t") for line in plan_rows]
        _slug, _mass_id, client_id, organization_id, participant_id = self.rows[0]
        self.principal = Principal(
            client_id=client_id,
            organization_id=organization_id,
            participant_id=participant_id,
            data_set="TEST",
            scopes=frozenset(OPERATOR_SCOPES),
        )
        self.database = Database(world.database_url)

    def op(self, k: int) -> int:
        import orjson

        slug, mass_id = self.rows[k][:2]
        result = self.database.run_write(run_audit, _context(self.principal), slug, mass_id, None)
        orjson.dumps(result)
        return 1

    def close(self) -> None:
        self.database.dispose_sync()
