"""Recompute every document's hash chain and projection from its stored records."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import Connection, RowMapping, select

from massledger.canonical import chain_hash
from massledger.traceability import permissions, store
from massledger.traceability.projection import DocumentState, apply_event, format_decimal
from massledger.traceability.service import GENESIS, timestamp_us
from massledger.traceability.tables import documents, events

PAGE = 500


@dataclass
class Derived:
    """What one page of documents holds besides the chains: the ACTOR projection, the tag index, and
    the events that created child documents (SPLIT/OUTPUT)."""

    participants: dict[str, dict[str, tuple[Any, bool, int]]] = field(default_factory=dict)
    tags: dict[str, set[str]] = field(default_factory=dict)
    origins: dict[str, RowMapping] = field(default_factory=dict)

    @classmethod
    def load(cls, conn: Connection, page: list[RowMapping]) -> Derived:
        ids = [row["id"] for row in page]
        derived = cls()
        for access in store.get_participant_rows(conn, ids):
            stored = None if access["permissions"] is None else orjson.loads(access["permissions"])
            derived.participants.setdefault(access["document_id"], {})[access["participant_id"]] = (
                stored,
                bool(access["can_read"]),
                access["created_at_us"],
            )
        for document_id, tag in store.get_tag_rows(conn, ids):
            derived.tags.setdefault(document_id, set()).add(tag)
        origin_ids = []
        for document in page:
            body = document["body"]
            origin = orjson.loads(body).get("origin") if '"origin"' in body else None
            if isinstance(origin, dict) and isinstance(origin.get("eventId"), str):
                origin_ids.append(origin["eventId"])
        if origin_ids:
            query = select(events).where(events.c.id.in_(origin_ids))
            derived.origins = {row["id"]: row for row in conn.execute(query).mappings()}
        return derived


@dataclass(frozen=True)
class Problem:
    check: str
    subject: str
    message: str

    def as_json(self) -> dict[str, str]:
        return {"check": self.check, "subject": self.subject, "message": self.message}


def _pages(conn: Connection) -> Iterator[list[RowMapping]]:
    last_id = ""
    while True:
        rows = list(
            conn.execute(
                select(documents).where(documents.c.id > last_id).order_by(documents.c.id).limit(PAGE)
            ).mappings()
        )
        if not rows:
            return
        yield rows
        last_id = rows[-1]["id"]


def count_documents(conn: Connection) -> int:
    from sqlalchemy import func

    return int(conn.execute(select(func.count()).select_from(documents)).scalar_one())


def verify_documents(
    conn: Connection, progress: Callable[[int], None] | None = None
) -> tuple[dict[str, int], list[Problem]]:
    problems: list[Problem] = []
    checked = {"documents": 0, "events": 0}
    for page in _pages(conn):
        ids = [row["id"] for row in page]
        by_document: dict[str, list[RowMapping]] = {doc_id: [] for doc_id in ids}
        query = (
            select(events).where(events.c.document_id.in_(ids)).order_by(events.c.document_id, events.c.seq)
        )
        for row in conn.execute(query).mappings():
            by_document[row["document_id"]].append(row)
        derived = Derived.load(conn, page)
        for document in page:
            rows = by_document[document["id"]]
            problem = check_document(document, rows, derived)
            if problem is not None:
                problems.append(problem)
            checked["documents"] += 1
            checked["events"] += len(rows)
        if progress is not None:
            progress(len(page))
    return checked, problems


def check_document(document: RowMapping, rows: list[RowMapping], derived: Derived) -> Problem | None:
    """The first inconsistency of one document's stream, or None."""
    doc_id = document["id"]
    subject = f"document {doc_id}"
    body_bytes = document["body"].encode()
    try:
        creation: dict[str, Any] = orjson.loads(body_bytes)
    except orjson.JSONDecodeError:
        return Problem("chain", subject, "creation record is not valid JSON")
    expected_columns = {
        "id": creation.get("id"),
        "data_set": creation.get("dataSetName"),
        "category": creation.get("category"),
        "type": creation.get("type"),
        "subtype": creation.get("subtype"),
        "measurement_unit": creation.get("measurementUnit"),
        "external_id": creation.get("externalId"),
        "parent_document_id": creation.get("parentDocumentId"),
        "participant_id": creation.get("participantId"),
        "address_id": creation.get("addressId"),
        "client_id": creation.get("author", {}).get("clientId"),
        "organization_id": creation.get("author", {}).get("organizationId"),
    }
    for column, expected in expected_columns.items():
        if document[column] != expected:
            return Problem("chain", subject, f"column {column} differs from the creation record")
    if document["external_created_at_us"] != timestamp_us(creation["externalCreatedAt"]):
        return Problem("chain", subject, "column external_created_at_us differs from the creation record")
    state = DocumentState.initial(creation, chain_hash(GENESIS, body_bytes))
    bodies: list[dict[str, Any]] = []
    for expected_seq, row in enumerate(rows, start=1):
        event_subject = f"document {doc_id} event {row['id']} (#{row['seq']})"
        if row["seq"] != expected_seq:
            return Problem("chain", event_subject, f"sequence gap: expected #{expected_seq}")
        encoded = row["body"].encode()
        recomputed = chain_hash(state.head_hash, encoded)
        if recomputed != row["hash"]:
            return Problem("chain", event_subject, "hash does not match its content and predecessor (edited)")
        try:
            body: dict[str, Any] = orjson.loads(encoded)
        except orjson.JSONDecodeError:
            return Problem("chain", event_subject, "event record is not valid JSON")
        external_us = timestamp_us(body["externalCreatedAt"])
        if (
            body.get("id") != row["id"]
            or body.get("documentId") != doc_id
            or body.get("seq") != row["seq"]
            or body.get("name") != row["name"]
            or external_us != row["external_created_at_us"]
        ):
            return Problem("chain", event_subject, "indexed columns differ from the hashed record")
        state = apply_event(state, body, external_us, recomputed)
        bodies.append(body)
    stored = {
        "status": document["status"],
        "current_value": Decimal(document["current_value"]),
        "is_public": document["is_public"],
        "is_publicly_searchable": document["is_publicly_searchable"],
        "event_count": document["event_count"],
        "last_event_at_us": document["last_event_at_us"],
        "head_hash": document["head_hash"],
    }
    replayed = {
        "status": state.status,
        "current_value": state.current_value,
        "is_public": state.is_public,
        "is_publicly_searchable": state.is_publicly_searchable,
        "event_count": state.event_count,
        "last_event_at_us": state.last_event_at_us,
        "head_hash": state.head_hash,
    }
    for key, value in replayed.items():
        if stored[key] != value:
            shown = format_decimal(value) if isinstance(value, Decimal) else value
            return Problem("projection", subject, f"{key} is {stored[key]!r} but the events give {shown!r}")
    return _check_origin(document, creation, derived) or _check_indexes(document, creation, bodies, derived)


def _check_origin(document: RowMapping, creation: dict[str, Any], derived: Derived) -> Problem | None:
    """A child document must be named by the SPLIT/OUTPUT event that created it, with the same value."""
    origin = creation.get("origin")
    if origin is None:
        return None
    subject = f"document {document['id']}"
    row = derived.origins.get(str(origin.get("eventId"))) if isinstance(origin, dict) else None
    event: dict[str, Any] = orjson.loads(row["body"]) if row is not None else {}
    if (
        row is None
        or row["document_id"] != origin.get("documentId")
        or event.get("name") != origin.get("name")
        or event.get("targetDocumentId") != document["id"]
        or creation.get("parentDocumentId") != origin.get("documentId")
        or (event.get("target") or {}).get("value") != creation.get("currentValue")
    ):
        return Problem("origin", subject, f"no {origin.get('name')} event created this document as recorded")
    return None


def _check_indexes(
    document: RowMapping, creation: dict[str, Any], bodies: list[dict[str, Any]], derived: Derived
) -> Problem | None:
    """document_participants and document_tags hold what the records say."""
    subject = f"document {document['id']}"
    if derived.tags.get(document["id"], set()) != set(creation.get("tags") or []):
        return Problem("projection", subject, "document_tags differ from the creation record's tags")
    expected = {
        participant_id: (
            None if access.statements is None else list(access.statements),
            access.can_read,
            document["created_at_us"],
        )
        for participant_id, access in permissions.derive_access(bodies).items()
    }
    stored = derived.participants.get(document["id"], {})
    for participant_id in sorted(set(expected) | set(stored)):
        if expected.get(participant_id) != stored.get(participant_id):
            return Problem(
                "projection",
                subject,
                f"document_participants row of participant {participant_id} differs from the ACTOR events",
            )
    return None
