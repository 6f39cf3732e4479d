"""SQL of the documents API. Every function takes the caller's connection: one transaction per command."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, RowMapping, insert, select, update

from massledger.db.sql import insert_ignore
from massledger.ids import now_us
from massledger.traceability.tables import deduplications, documents, events


def insert_document(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(documents).values(**values))


def get_document(conn: Connection, document_id: str, *, lock: bool = False) -> RowMapping | None:
    query = select(documents).where(documents.c.id == document_id)
    if lock and conn.dialect.name == "postgresql":
        # Appends to one document serialise on its row; SQLite already holds the write lock.
        query = query.with_for_update()
    return conn.execute(query).mappings().first()


def update_document(conn: Connection, document_id: str, values: dict[str, Any]) -> None:
    conn.execute(update(documents).where(documents.c.id == document_id).values(**values))


def insert_events(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(events), list(rows))


def get_events(conn: Connection, document_id: str) -> list[RowMapping]:
    query = (
        select(events.c.seq, events.c.id, events.c.body, events.c.hash)
        .where(events.c.document_id == document_id)
        .order_by(events.c.seq)
    )
    return list(conn.execute(query).mappings())


def claim_deduplication(
    conn: Connection, client_id: str, deduplication_id: str, kind: str, request_hash: str, response: Any
) -> dict[str, Any] | None:
    """Register this request under the client's deduplicationId.

    Returns None when the id is new (the caller goes on and its transaction makes the claim durable),
    or the original response when the same request was already processed. A different request under
    the same id returns the stored row's kind/hash mismatch to the caller as ``{"__conflict__": ...}``."""
    inserted = insert_ignore(
        conn,
        deduplications,
        {
            "client_id": client_id,
            "deduplication_id": deduplication_id,
            "kind": kind,
            "request_hash": request_hash,
            "response": orjson.dumps(response).decode(),
            "created_at_us": now_us(),
        },
        ["client_id", "deduplication_id"],
    )
    if inserted:
        return None
    row = (
        conn.execute(
            select(deduplications.c.kind, deduplications.c.request_hash, deduplications.c.response).where(
                deduplications.c.client_id == client_id,
                deduplications.c.deduplication_id == deduplication_id,
            )
        )
        .mappings()
        .one()
    )
    if row["kind"] != kind or row["request_hash"] != request_hash:
        return {"__conflict__": True}
    stored: dict[str, Any] = orjson.loads(row["response"])
    return stored
