"""SQL of the documents API. Every function takes the caller's connection: one transaction per command.

The request hot paths (read a document and its events, lock, append, update the projection, claim a
deduplicationId) go through :mod:`massledger.db.raw`; the rest uses SQLAlchemy Core."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import Connection

from massledger.db import raw
from massledger.ids import now_us

DOCUMENT_COLUMNS = (
    "id",
    "data_set",
    "organization_id",
    "client_id",
    "category",
    "type",
    "subtype",
    "status",
    "current_value",
    "measurement_unit",
    "is_public",
    "is_publicly_searchable",
    "external_id",
    "external_created_at_us",
    "parent_document_id",
    "participant_id",
    "address_id",
    "event_count",
    "last_event_at_us",
    "head_hash",
    "body",
    "created_at_us",
    "updated_at_us",
)
EVENT_COLUMNS = (
    "document_id",
    "seq",
    "id",
    "name",
    "external_created_at_us",
    "created_at_us",
    "body",
    "hash",
)

_SELECT_DOCUMENT = raw.Sql(f"SELECT {', '.join(DOCUMENT_COLUMNS)} FROM documents WHERE id = :id")
_LOCK_DOCUMENT = raw.Sql(f"SELECT {', '.join(DOCUMENT_COLUMNS)} FROM documents WHERE id = :id FOR UPDATE")


def _insert(table: str, columns: Sequence[str]) -> raw.Sql:
    names = ", ".join(columns)
    return raw.Sql(f"INSERT INTO {table} ({names}) VALUES ({', '.join(':' + c for c in columns)})")


_INSERT_DOCUMENT = _insert("documents", DOCUMENT_COLUMNS)
_SELECT_EVENTS = raw.Sql(
    "SELECT seq, id, body, hash FROM events WHERE document_id = :document_id ORDER BY seq"
)
_INSERT_EVENT = _insert("events", EVENT_COLUMNS)
_CLAIM = raw.Sql(
    "INSERT INTO deduplications (client_id, deduplication_id, kind, request_hash, response, created_at_us)"
    " VALUES (:client_id, :deduplication_id, :kind, :request_hash, :response, :created_at_us)"
    " ON CONFLICT (client_id, deduplication_id) DO NOTHING RETURNING client_id"
)
_CLAIMED = raw.Sql(
    "SELECT kind, request_hash, response FROM deduplications"
    " WHERE client_id = :client_id AND deduplication_id = :deduplication_id"
)
_updates: dict[tuple[str, ...], raw.Sql] = {}


def _document(row: tuple[Any, ...] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    document = dict(zip(DOCUMENT_COLUMNS, row, strict=True))
    # SQLite hands booleans back as integers.
    document["is_public"] = bool(document["is_public"])
    document["is_publicly_searchable"] = bool(document["is_publicly_searchable"])
    return document


def insert_document(conn: Connection, values: dict[str, Any]) -> None:
    raw.execute(conn, _INSERT_DOCUMENT, values)


def get_document(conn: Connection, document_id: str, *, lock: bool = False) -> dict[str, Any] | None:
    # Appends to one document serialise on its row (PostgreSQL); SQLite already holds the write lock.
    statement = _LOCK_DOCUMENT if lock and conn.dialect.name == "postgresql" else _SELECT_DOCUMENT
    return _document(raw.fetch_one(conn, statement, {"id": document_id}))


def update_document(conn: Connection, document_id: str, values: dict[str, Any]) -> None:
    columns = tuple(sorted(values))
    statement = _updates.get(columns)
    if statement is None:
        assignments = ", ".join(f"{column} = :{column}" for column in columns)
        statement = _updates[columns] = raw.Sql(f"UPDATE documents SET {assignments} WHERE id = :document_id")
    raw.execute(conn, statement, {**values, "document_id": document_id})


def insert_events(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    raw.execute_many(conn, _INSERT_EVENT, rows)


def get_events(conn: Connection, document_id: str) -> list[dict[str, Any]]:
    rows = raw.fetch_all(conn, _SELECT_EVENTS, {"document_id": document_id})
    return [{"seq": seq, "id": event_id, "body": body, "hash": hash_} for seq, event_id, body, hash_ in rows]


def claim_deduplication(
    conn: Connection, client_id: str, deduplication_id: str, kind: str, request_hash: str, response: Any
) -> dict[str, Any] | None:
    """Register this request under the client's deduplicationId.

    Returns None when the id is new (the caller goes on, and its transaction makes the claim durable), the
    original response when the same request was already processed, or ``{"__conflict__": True}`` when the
    id was used for a different request. On PostgreSQL a concurrent claim of the same id waits for the
    first transaction and then sees its row."""
    key = {"client_id": client_id, "deduplication_id": deduplication_id}
    claimed = raw.fetch_one(
        conn,
        _CLAIM,
        {
            **key,
            "kind": kind,
            "request_hash": request_hash,
            "response": orjson.dumps(response).decode(),
            "created_at_us": now_us(),
        },
    )
    if claimed is not None:
        return None
    row = raw.fetch_one(conn, _CLAIMED, key)
    assert row is not None
    stored_kind, stored_hash, stored_response = row
    if stored_kind != kind or stored_hash != request_hash:
        return {"__conflict__": True}
    result: dict[str, Any] = orjson.loads(stored_response)
    return result
