"""`massledger demo`: write the demo story into the configured database, embedded (no server), in ONE
transaction, through the same service functions the API routes call (so every document is an ordinary
hash-chained stream, every audit a real audit, every action a real ledger transaction).

Re-running changes nothing: the demo is written all or nothing, and once its marker organization (the
methodology operator) exists the run only reads. On PostgreSQL an advisory lock makes two concurrent runs
queue (the second then finds the demo); SQLite's ``BEGIN IMMEDIATE`` already serialises writers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Connection, text

from massledger.attachments import service as attachments
from massledger.attachments.schemas import UploadRequest
from massledger.attachments.storage import FileStorage
from massledger.auth import service as clients
from massledger.auth.scopes import DEFAULT_CLIENT_SCOPES, METHODOLOGY_RUN
from massledger.auth.tokens import Principal
from massledger.demo import story
from massledger.ids import now_us
from massledger.methodology.samples import DocumentRequest
from massledger.methodology.service import run_audit
from massledger.organizations import service as organizations
from massledger.organizations import store as organization_store
from massledger.organizations.schemas import OrganizationCreate
from massledger.registry import queries
from massledger.registry.schemas import ActionRequest, RetirementData
from massledger.registry.service import Actor, perform_action
from massledger.traceability.append import append_events
from massledger.traceability.schemas import DocumentCreate, EventIn
from massledger.traceability.service import WriteContext, create_document

DATA_SET = "TEST"
_EVENTS = TypeAdapter(list[EventIn])
_ADVISORY_LOCK = 0x6D6C_6465_6D6F  # "mldemo": one demo writer at a time on PostgreSQL
TRANSFER_KEY = "massledger-demo:transfer"
RETIREMENT_KEY = "massledger-demo:retirement"
TRANSFER_TONNES = 1.5
RETIRED_TONNES = 1.0


@dataclass(frozen=True)
class Limits:
    clock_skew_us: int
    max_events_per_document: int


@dataclass
class _Member:
    role: story.Role
    organization_id: str
    participant_id: str
    client_id: str
    client_secret: str
    principal: Principal


def _field(index: int) -> str:
    return f"events[{index}]."


def existing_demo(conn: Connection) -> dict[str, str] | None:
    """The demo's organizations (role key → id) when the demo is in this database: its methodology operator
    organization is the marker (the demo is written in one transaction, so it is all there or not at all)."""
    names = {role.organization: role.key for role in story.ROLES}
    found = {
        names[row["full_name"]]: str(row["id"])
        for row in organization_store.list_organizations(conn)
        if row["full_name"] in names
    }
    return found if "operator" in found else None


class _Writer:
    def __init__(self, conn: Connection, pepper: bytes, storage: FileStorage, limits: Limits) -> None:
        self.conn = conn
        self.pepper = pepper
        self.storage = storage
        self.limits = limits

    def context(self, member: _Member) -> WriteContext:
        # A fresh clock per write: the service refuses events "in the future" relative to it.
        return WriteContext(
            member.principal, now_us(), self.limits.clock_skew_us, self.limits.max_events_per_document
        )

    def member(self, role: story.Role) -> _Member:
        participant = role.participant or {}
        data = OrganizationCreate(
            fullName=role.organization,
            type=role.type,
            countryCode="BR",
            city="São Paulo",
            registrationNumber=participant.get("taxId"),
            taxIdType="CNPJ" if participant else None,
            website="https://demo.massledger.example",
        )
        row, _ = organizations.create_organization(self.conn, data)
        scopes = [*DEFAULT_CLIENT_SCOPES, METHODOLOGY_RUN] if role.key == "operator" else None
        created = clients.create_client(
            self.conn, self.pepper, str(row["id"]), DATA_SET, scopes, f"demo {role.key}"
        )
        principal = Principal(
            created.client_id,
            created.organization_id,
            created.participant_id,
            DATA_SET,
            frozenset(created.scopes),
        )
        return _Member(
            role,
            created.organization_id,
            created.participant_id,
            created.client_id,
            created.client_secret,
            principal,
        )

    def document(self, member: _Member, request: DocumentRequest, files: tuple[str, ...] = ()) -> str:
        """Create the document, upload the files its events name, append its events in one batch."""
        created = create_document(
            self.conn, self.context(member), DocumentCreate.model_validate(request.body)
        )
        document_id = str(created["id"])
        for name in files:
            self.upload(member, document_id, name, story.attachment_bytes(name))
        if request.events:
            append_events(
                self.conn, self.context(member), document_id, _EVENTS.validate_python(request.events), _field
            )
        return document_id

    def upload(self, member: _Member, document_id: str, name: str, content: bytes) -> None:
        grant = attachments.request_upload(
            self.conn,
            member.principal,
            document_id,
            name,
            UploadRequest(contentLength=len(content), contentType="application/pdf"),
            len(content),
        )
        incoming = self.storage.incoming()
        try:
            incoming.write(content)
            sha256 = incoming.commit()
        except BaseException:
            incoming.discard()
            raise
        attachments.complete_upload(self.conn, grant["id"], grant["upload_nonce"], sha256)


def write_demo(conn: Connection, pepper: bytes, storage: FileStorage, limits: Limits) -> dict[str, Any]:
    """The whole demo in the caller's transaction, or (``created: false``) what an earlier run left."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK})
    found = existing_demo(conn)
    if found is not None:
        return {"created": False, **_retirement(conn, found), "organizations": found, "credentials": None}
    writer = _Writer(conn, pepper, storage, limits)
    members = {role.key: writer.member(role) for role in story.ROLES}
    operator, integrator, recycler, buyer = (
        members[k] for k in ("operator", "integrator", "recycler", "buyer")
    )
    years = story.year_shift(story.now())

    # The methodology operator accredits the participants and publishes both methodology Definitions.
    accredited = {}
    for request in story.accreditations(years):
        accredited[request.body["subtype"]] = writer.document(operator, request)
    definitions = {
        request.body["title"]: writer.document(operator, request) for request in story.definitions(years)
    }

    # The integrator records 20 MassIDs with their manifests, each readable by the operator.
    mass_ids: list[tuple[int, str, story.Flaw | None]] = []
    for number in range(1, story.MASS_IDS + 1):
        plan = story.mass_id(number, years, accredited["Recycler"], operator.participant_id)
        document_id = writer.document(integrator, plan.request, plan.attachments)
        mass_ids.append((number, document_id, plan.flaw))

    # The operator audits every MassID under both methodologies; passed audits mint credits for the recycler.
    audits = []
    for number, document_id, _ in mass_ids:
        for slug in story.METHODOLOGIES:
            audit = run_audit(conn, writer.context(operator), slug, document_id, recycler.organization_id)
            failed = [
                f"{rule['slug']}: {rule['message']}" for rule in audit["rules"] if rule["result"] != "PASSED"
            ]
            audits.append(
                {
                    "massId": document_id,
                    "number": number,
                    "methodology": slug,
                    "auditId": audit["auditId"],
                    "result": audit["result"],
                    "certificateDocumentId": audit["certificateDocumentId"],
                    "credits": audit["credits"],
                    "failedRules": failed,
                }
            )

    # The recycler sells carbon credits to the buyer, who retires part of them.
    credit = next(a["credits"] for a in audits if a["methodology"] == "bold-carbon" and a["credits"])
    transfer, _ = perform_action(
        conn,
        Actor(recycler.organization_id, DATA_SET, recycler.client_id),
        "transfer",
        ActionRequest(
            creditId=credit["creditId"], amount=TRANSFER_TONNES, toOrganizationId=buyer.organization_id
        ),
        TRANSFER_KEY,
    )
    retirement, _ = perform_action(
        conn,
        Actor(buyer.organization_id, DATA_SET, buyer.client_id),
        "retire",
        ActionRequest(
            creditId=credit["creditId"],
            amount=RETIRED_TONNES,
            retirementData=RetirementData(beneficiaryName=story.BENEFICIARY, reason=story.RETIREMENT_REASON),
        ),
        RETIREMENT_KEY,
    )
    found = {key: member.organization_id for key, member in members.items()}
    return {
        "created": True,
        "organizations": found,
        "credentials": {
            key: {
                "organizationId": m.organization_id,
                "role": m.role.label,
                "clientId": m.client_id,
                "clientSecret": m.client_secret,
                "scopes": sorted(m.principal.scopes),
            }
            for key, m in members.items()
        },
        "accreditations": accredited,
        "definitions": definitions,
        "massIds": [
            {"number": number, "documentId": document_id, "flaw": flaw.story if flaw else None}
            for number, document_id, flaw in mass_ids
        ],
        "audits": audits,
        "transferTransactionId": str(transfer.row["id"]),
        "retirementTransactionId": str(retirement.row["id"]),
        "creditId": credit["creditId"],
        **_retirement(conn, found),
    }


def _retirement(conn: Connection, organizations_by_role: dict[str, str]) -> dict[str, Any]:
    buyer = organizations_by_role.get("buyer")
    rows, _ = queries.list_retirements(conn, buyer, DATA_SET, 1, 0) if buyer else ([], 0)
    return {"retirementId": str(rows[0]["id"]) if rows else None}


def reset_database(conn: Connection) -> None:
    """Empty every table of the schema (the whole database, not only the demo's rows: a demo's
    organizations, documents and ledger lines are woven into hash chains and journals that cannot be
    cut out). Files under the data directory (keys, attachments) stay."""
    from massledger.db.tables import metadata

    names = [table.name for table in metadata.sorted_tables]
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
    else:
        for name in reversed(names):
            conn.execute(text(f"DELETE FROM {name}"))
