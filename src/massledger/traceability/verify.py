"""Recompute every document's hash chain and projection from its stored records."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import Connection, RowMapping, select

from massledger.canonical import chain_hash
from massledger.traceability.projection import DocumentState, apply_event, format_decimal
from massledger.traceability.service import GENESIS, timestamp_us
from massledger.traceability.tables import documents, events

PAGE = 500


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
        for document in page:
            rows = by_document[document["id"]]
            problem = check_document(document, rows)
            if problem is not None:
                problems.append(problem)
            checked["documents"] += 1
            checked["events"] += len(rows)
        if progress is not None:
            progress(len(page))
    return checked, problems


def check_document(document: RowMapping, rows: list[RowMapping]) -> Problem | None:
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
    return None
