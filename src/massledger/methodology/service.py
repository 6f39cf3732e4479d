"""Audits of MassIDs: load the graph, run the rules, store the audit and certificate documents and mint
the credits, all in the caller's one transaction (docs/methodology.md "Audits").

Writes go through the traceability service as the data set's system principal acting for the caller's
organization, with the caller's client as author, so every audit, certificate and link is an ordinary
hash-chained event stream that records who ran it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import orjson
from pydantic import TypeAdapter
from sqlalchemy import Connection

from massledger.auth.tokens import Principal
from massledger.errors import Conflict, NotFound, ValidationFailed
from massledger.ids import format_timestamp
from massledger.methodology import constants as c
from massledger.methodology.audit import (
    EVALUATION_RESULT,
    METHODOLOGY_SLUG,
    RULE_EXECUTION,
    audit_event_bodies,
)
from massledger.methodology.engine import Outcome, overall, to_json
from massledger.methodology.graph import DocumentGraph
from massledger.methodology.loader import LoadedGraph, load_graph, trusted, trusted_events
from massledger.methodology.methodologies import (
    Evaluation,
    Methodology,
    evaluate,
    get_methodology,
    methodologies,
)
from massledger.methodology.rewards import rewards_distribution
from massledger.organizations import store as organization_store
from massledger.registry.issuance import IssuedBatch, ensure_project_id, issue_credits
from massledger.registry.ledger import kg_to_tonnes
from massledger.traceability import permissions, store
from massledger.traceability.append import append_events
from massledger.traceability.schemas import EventIn
from massledger.traceability.service import WriteContext, access_of

CREDITS_ISSUED = c.CREDITS_ISSUED
REWARDS_DISTRIBUTION = "rewards-distribution"
_EVENTS = TypeAdapter(list[EventIn])
# Room an audit needs on the MassID: the OUTPUT that creates the audit and the certificate's back-link.
EVENTS_ON_THE_MASS_ID = 2


def methodology_or_404(slug: str) -> Methodology:
    methodology = get_methodology(slug)
    if methodology is None:
        known = ", ".join(methodologies())
        raise NotFound(f"Methodology {slug[:80]} was not found (known: {known})")
    return methodology


def list_methodologies() -> dict[str, Any]:
    return {
        "methodologies": [
            {
                "slug": m.slug,
                "name": m.name,
                "certificateType": m.certificate_type,
                "certificateUnit": m.certificate_unit,
                "creditSymbol": m.credit_symbol,
                "rules": [
                    {"order": i, "slug": r.slug, "name": r.name} for i, r in enumerate(m.rules, start=1)
                ],
            }
            for m in methodologies().values()
        ]
    }


def assess(methodology: Methodology, graph: DocumentGraph) -> Evaluation:
    """Every rule of the methodology; when they all pass, the certificate's rewards distribution runs too
    and is listed last: a certificate whose rewards cannot be distributed is not issued (FAILED)."""
    evaluation = evaluate(methodology, graph)
    if evaluation.result != Outcome.PASSED:
        return evaluation
    rules = (*evaluation.rules, rewards_distribution(graph))
    if rules[-1].result == Outcome.PASSED:
        return replace(evaluation, rules=rules)
    return replace(evaluation, rules=rules, result=overall(rules), certificate_value=None, credits=None)


def _readable(conn: Connection, principal: Principal, document_id: str, *, lock: bool) -> dict[str, Any]:
    """The document as the documents API would give it to this caller: 404 in another data set, 403
    without READ. With ``lock`` its row is locked first (PostgreSQL; SQLite holds the write lock)."""
    document = permissions.check_visible(
        store.get_document(conn, document_id, lock=lock), principal, document_id
    )
    permissions.check_readable(document, access_of(conn, document, principal))
    return dict(document)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def instant(us: int) -> datetime:
    """Microseconds since the epoch as an exact aware datetime (no float rounding)."""
    return _EPOCH + timedelta(microseconds=us)


def _rules(evaluation: Evaluation) -> list[dict[str, Any]]:
    return [rule.to_dict() for rule in evaluation.rules]


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def evaluate_document(
    conn: Connection, principal: Principal, slug: str, document_id: str, now_us: int
) -> dict[str, Any]:
    """POST /methodologies/{slug}/evaluate: the rules' verdict now; nothing is stored."""
    methodology = methodology_or_404(slug)
    mass = _readable(conn, principal, document_id, lock=False)
    evaluation = assess(methodology, load_graph(conn, mass, methodology, instant(now_us)).graph)
    return {
        "documentId": document_id,
        "methodology": methodology.slug,
        "result": evaluation.result.value,
        "rules": _rules(evaluation),
        "certificateType": methodology.certificate_type,
        "certificateValue": _number(evaluation.certificate_value),
        "certificateUnit": methodology.certificate_unit,
        "creditAmount": _number(evaluation.credits),
    }


# -- the audit command ------------------------------------------------------------------------------------


def _attribute(name: str, value: Any, *, public: bool = True) -> dict[str, Any]:
    return {"name": name, "value": value, "isPublic": public}


def _reference(name: str, at: str, document_id: str, *attributes: dict[str, Any]) -> dict[str, Any]:
    """A custom event naming another document (a reference: no back-link is written)."""
    body: dict[str, Any] = {
        "name": name,
        "externalCreatedAt": at,
        "isPublic": True,
        "relatedDocument": {"documentId": document_id},
    }
    if attributes:
        body["metadata"] = {"attributes": list(attributes)}
    return body


def _output(label: str, at: str, target: dict[str, Any]) -> dict[str, Any]:
    return {"name": "OUTPUT", "label": label, "externalCreatedAt": at, "isPublic": True, "target": target}


class _Audit:
    """One audit: the writes of :func:`run_audit`, in order."""

    def __init__(
        self, conn: Connection, ctx: WriteContext, methodology: Methodology, mass: dict[str, Any]
    ) -> None:
        self.conn = conn
        self.methodology = methodology
        self.mass = mass
        principal = ctx.principal
        system = permissions.system_principal(
            principal.organization_id,
            principal.participant_id,
            principal.data_set,
            client_id=principal.client_id,
        )
        self.write = WriteContext(system, ctx.now_us, ctx.clock_skew_us, ctx.max_events_per_document)
        # Never before the MassID's latest event (events are ordered), never later than needed.
        self.at_us = max(ctx.now_us, mass["last_event_at_us"] or 0)
        self.at = format_timestamp(instant(self.at_us))

    def append(
        self,
        document_id: str,
        bodies: Sequence[dict[str, Any]],
        known: Mapping[str, dict[str, Any]] | None = None,
    ) -> list[dict[str, Any]]:
        """``known``: rows this transaction already holds (see :func:`append_events`)."""
        events = _EVENTS.validate_python(bodies)
        return append_events(self.conn, self.write, document_id, events, _field, known)

    def _child(
        self, type_: str, value: Decimal, unit: str, title: str, subtype: str | None = None
    ) -> dict[str, Any]:
        target: dict[str, Any] = {
            "category": c.METHODOLOGY,
            "type": type_,
            "value": value,
            "measurementUnit": unit,
            "externalCreatedAt": self.at,
            "isPublic": self.mass["is_public"],
            "isPubliclySearchable": self.mass["is_publicly_searchable"],
            "title": title,
        }
        if subtype is not None:
            target["subtype"] = subtype
        return target

    def create_audit(self) -> str:
        """The MassID Audit document: an OUTPUT of the MassID (parent = MassID), valued as the MassID."""
        target = self._child(
            c.MASS_ID_AUDIT,
            Decimal(self.mass["current_value"]),
            self.mass["measurement_unit"],
            f"{self.methodology.name} audit of MassID {self.mass['id']}",
            subtype="Process",
        )
        # The MassID's row as run_audit locked it: nothing has written to it since.
        known = {self.mass["id"]: self.mass}
        [created] = self.append(self.mass["id"], [_output(c.MASS_ID_AUDIT, self.at, target)], known)
        return str(created["targetDocumentId"])

    def record_audit(self, audit_id: str, evaluation: Evaluation, loaded: LoadedGraph) -> str | None:
        """The rule results, the verdict, the certificate of a passed audit (an OUTPUT: parent = audit),
        then CLOSE. Returns the certificate id."""
        bodies = audit_event_bodies(evaluation, instant(self.at_us))
        known = {}
        if loaded.definition_id is not None:
            bodies[0]["relatedDocument"] = {"documentId": loaded.definition_id}
            if loaded.definition_row is not None:
                known[loaded.definition_id] = loaded.definition_row
        certify = evaluation.result == Outcome.PASSED and evaluation.certificate_value is not None
        if certify:
            assert evaluation.certificate_value is not None
            methodology = self.methodology
            target = self._child(
                methodology.certificate_type,
                evaluation.certificate_value,
                methodology.certificate_unit,
                f"{methodology.certificate_type} of MassID {self.mass['id']}",
            )
            bodies.append(_output(methodology.certificate_type, self.at, target))
        bodies.append({"name": "CLOSE", "externalCreatedAt": self.at, "isPublic": True})
        results = self.append(audit_id, bodies, known)
        return str(results[-2]["targetDocumentId"]) if certify else None

    def lock_certificate(
        self, certificate_id: str, audit_id: str, loaded: LoadedGraph
    ) -> dict[str, dict[str, Any]]:
        """The rows :meth:`record_certificate` writes or refers to, locked now (the MassID already is; the
        audit and the certificate are this transaction's own), so that the certificate's append after
        the minting, which holds the project's and the recipient account's rows until the commit, makes
        no round trip to read them."""
        ids = [certificate_id, self.mass["id"], audit_id]
        known = store.get_documents(self.conn, ids, self.mass["data_set"], lock=True)
        if loaded.definition_id is not None and loaded.definition_row is not None:
            known[loaded.definition_id] = loaded.definition_row
        return known

    def mint(
        self, graph: DocumentGraph, evaluation: Evaluation, recipient: str, ids: Mapping[str, str]
    ) -> IssuedBatch | None:
        """Credits of a passed audit into the recipient's ledger of the MassID's data set, under the project
        of this recycler and methodology. Nothing when the amount rounds down to 0 t."""
        assert evaluation.credits is not None
        amount_kg = int(evaluation.credits * 1000)
        if amount_kg == 0:
            return None
        recycler = graph.mass_id.actor(c.RECYCLER)
        recycled = graph.mass_id.first(c.RECYCLED)
        assert recycler is not None and recycler.participant_id and recycled and recycled.external_created_at
        data_set = self.mass["data_set"]
        name = recycler.participant.name if recycler.participant else None
        country = (recycler.address.country_code if recycler.address else None) or "BR"
        methodology = self.methodology
        project_id = ensure_project_id(
            self.conn,
            external_key=f"massledger:{methodology.slug}:{data_set}:{recycler.participant_id}",
            full_name=f"{name or recycler.participant_id} · {methodology.name}",
            methodology=methodology.name,
            country_code=country,
            data_set=data_set,
            project_type="reduction",
            description=f"Credits minted by {methodology.name} audits of the MassIDs recycled by"
            f" {name or recycler.participant_id} (participant {recycler.participant_id}).",
        )
        return issue_credits(
            self.conn,
            project_id=project_id,
            vintage=recycled.external_created_at.year,
            amount_kg=amount_kg,
            credit_type="exPost",
            to_organization_id=recipient,
            data_set=data_set,
            provenance={"methodology": methodology.slug, "certificates": [dict(ids)]},
            client_id=self.write.principal.client_id,
        )

    def record_certificate(
        self,
        certificate_id: str,
        audit_id: str,
        definition_id: str | None,
        evaluation: Evaluation,
        issued: IssuedBatch | None,
        known: Mapping[str, dict[str, Any]],
    ) -> None:
        """The certificate's events (carrot.md §4): its MassID and audit, the methodology, the rewards
        distribution, the credits minted from it, and a RELATED link with the MassID (both ways)."""
        at, methodology = self.at, self.methodology
        rewards = evaluation.rules[-1]
        bodies = [_reference("MassID", at, self.mass["id"]), _reference("MassID Audit", at, audit_id)]
        if definition_id is not None:
            slug = _attribute(METHODOLOGY_SLUG, methodology.slug)
            bodies.append(_reference(f"{methodology.name} Methodology", at, definition_id, slug))
        bodies.append(
            {
                "name": REWARDS_DISTRIBUTION,
                "externalCreatedAt": at,
                "isPublic": True,
                "metadata": {
                    "attributes": [
                        _attribute("Slug", rewards.slug),
                        # Names the Waste Generator and the Hauler, whose data is private by default.
                        _attribute("Rule Result Details", to_json(rewards.details), public=False),
                    ]
                },
            }
        )
        if issued is not None:
            bodies.append(
                {
                    "name": CREDITS_ISSUED,
                    "externalCreatedAt": at,
                    "isPublic": True,
                    "metadata": {
                        "attributes": [_attribute(k, v) for k, v in credits_attributes(issued).items()]
                    },
                }
            )
        bodies.append(
            {
                "name": "RELATED",
                "label": "MassID",
                "externalCreatedAt": at,
                "isPublic": True,
                "relatedDocument": {"documentId": self.mass["id"]},
            }
        )
        self.append(certificate_id, bodies, known)


def _field(index: int) -> str:
    """Error paths name the field alone: the engine writes these events itself, one request per audit."""
    return ""


def credits_attributes(issued: IssuedBatch) -> dict[str, Any]:
    return {
        c.CREDIT_ID: issued.credit_id,
        "Serialization": issued.batch.serialization,
        "Vintage": str(issued.batch.vintage),
        "Amount": kg_to_tonnes(issued.amount_kg),
        "Transaction Id": issued.transaction_id,
        "Project Id": issued.batch.project_id,
        "Recipient Organization Id": issued.to_organization_id,
    }


def _credits(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """The ``credits`` of an audit answer from the Credits Issued attributes."""
    return {
        "creditId": attributes[c.CREDIT_ID],
        "amount": attributes["Amount"],
        "serialization": attributes["Serialization"],
        "vintage": attributes["Vintage"],
        "transactionId": attributes["Transaction Id"],
        "projectId": attributes["Project Id"],
        "toOrganizationId": attributes["Recipient Organization Id"],
    }


def run_audit(
    conn: Connection, ctx: WriteContext, slug: str, document_id: str, issue_to: str | None
) -> dict[str, Any]:
    """POST /methodologies/{slug}/audits, in one transaction: lock the MassID (so audits of one MassID
    run one after the other and the second sees the first's audit and certificate), load, evaluate, store
    the audit, and for a passed audit the certificate and its credits."""
    methodology = methodology_or_404(slug)
    principal = ctx.principal
    mass = _readable(conn, principal, document_id, lock=True)
    if mass["category"] == c.METHODOLOGY:
        # Auditing an accreditation, a definition, an audit or a certificate means nothing, and the audit
        # would write onto a document that decides eligibility.
        raise ValidationFailed(
            "documentId", f"document {document_id} is a {c.METHODOLOGY} document, not a MassID"
        )
    if mass["status"] == c.CANCELLED:
        raise Conflict(f"documentId: document {document_id} is CANCELLED and cannot be audited")
    if mass["event_count"] + EVENTS_ON_THE_MASS_ID > ctx.max_events_per_document:
        raise ValidationFailed(
            "documentId",
            f"document {document_id} holds {mass['event_count']} events; an audit adds"
            f" {EVENTS_ON_THE_MASS_ID} and a document holds at most {ctx.max_events_per_document}",
        )
    recipient = issue_to or principal.organization_id
    # The caller's own organization exists (its client does, and organizations are never deleted).
    if recipient != principal.organization_id and not organization_store.organization_exists(conn, recipient):
        raise ValidationFailed("issueToOrganizationId", f"organization {recipient} was not found")
    audit = _Audit(conn, ctx, methodology, mass)
    loaded: LoadedGraph = load_graph(conn, mass, methodology, instant(audit.at_us))
    evaluation = assess(methodology, loaded.graph)
    audit_id = audit.create_audit()
    certificate_id = audit.record_audit(audit_id, evaluation, loaded)
    issued = None
    if certificate_id is not None:
        ids = {"certificateId": certificate_id, "auditId": audit_id, "massIdDocumentId": document_id}
        # Minting locks rows every audit of this recycler and recipient needs: only the certificate's
        # events come after it, their documents read beforehand.
        known = audit.lock_certificate(certificate_id, audit_id, loaded)
        issued = audit.mint(loaded.graph, evaluation, recipient, ids)
        audit.record_certificate(certificate_id, audit_id, loaded.definition_id, evaluation, issued, known)
    return {
        "auditId": audit_id,
        "documentId": document_id,
        "methodology": methodology.slug,
        "result": evaluation.result.value,
        "rules": _rules(evaluation),
        "certificateDocumentId": certificate_id,
        "certificateType": methodology.certificate_type,
        "certificateValue": _number(evaluation.certificate_value),
        "certificateUnit": methodology.certificate_unit,
        "credits": None if issued is None else _credits(credits_attributes(issued)),
        "auditedAt": audit.at,
    }


# -- reading an audit back ----------------------------------------------------------------------------------


def _attributes(body: Mapping[str, Any]) -> dict[str, Any]:
    return {a["name"]: a.get("value") for a in (body.get("metadata") or {}).get("attributes") or []}


def _trusted_bodies(conn: Connection, document: Mapping[str, Any]) -> list[dict[str, Any]]:
    bodies = [orjson.loads(row["body"]) for row in store.get_events(conn, document["id"])]
    return trusted_events(document, bodies)


def get_audit(conn: Connection, principal: Principal, slug: str, audit_id: str) -> dict[str, Any]:
    """GET /methodologies/{slug}/audits/{auditId}: the stored audit in the shape the POST answered."""
    methodology = methodology_or_404(slug)
    missing = NotFound(f"Audit {audit_id} of {methodology.slug} was not found")
    document = store.get_document(conn, audit_id)
    if document is None or document["data_set"] != principal.data_set:
        raise missing
    creation = orjson.loads(document["body"])
    if (document["category"], document["type"]) != (c.METHODOLOGY, c.MASS_ID_AUDIT) or not trusted(creation):
        raise missing
    permissions.check_readable(document, access_of(conn, document, principal))
    bodies = _trusted_bodies(conn, document)
    found = [_attributes(b) for b in bodies]
    if next((a[METHODOLOGY_SLUG] for a in found if METHODOLOGY_SLUG in a), None) != methodology.slug:
        raise missing
    rules = sorted(
        (a for b, a in zip(bodies, found, strict=True) if b["name"] == RULE_EXECUTION),
        key=lambda a: a.get("Rule Execution Order") or 0,
    )
    result = next((a[EVALUATION_RESULT] for a in reversed(found) if EVALUATION_RESULT in a), None)
    certificate_id = next((b["targetDocumentId"] for b in bodies if b["name"] == "OUTPUT"), None)
    value, credits = None, None
    if certificate_id is not None:
        certificate = store.get_document(conn, certificate_id)
        if certificate is not None:
            value = float(Decimal(certificate["current_value"]))
            issued = [
                _attributes(b) for b in _trusted_bodies(conn, certificate) if b["name"] == CREDITS_ISSUED
            ]
            credits = _credits(issued[-1]) if issued else None
    return {
        "auditId": audit_id,
        "documentId": document["parent_document_id"],
        "methodology": methodology.slug,
        "result": result or "FAILED",  # an audit is written with its verdict, in one transaction
        "rules": [
            {
                "slug": a.get("Rule Slug"),
                "name": a.get("Rule Name"),
                "result": a.get("Rule Result"),
                "message": a.get("Rule Message"),
                "details": a.get("Rule Result Details"),
            }
            for a in rules
        ],
        "certificateDocumentId": certificate_id,
        "certificateType": methodology.certificate_type,
        "certificateValue": value,
        "certificateUnit": methodology.certificate_unit,
        "credits": credits,
        "auditedAt": creation["externalCreatedAt"],
    }
