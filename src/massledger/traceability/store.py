"""SQL of the documents API. Every function takes the caller's connection: one transaction per command.

The request hot paths (read a document and its events, lock, append, update the projection, claim a
deduplicationId) go through :mod:`massledger.db.raw`; the rest uses SQLAlchemy Core."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import orjson
from sqlalchemy import Connection, Select, and_, or_, select, true, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from massledger.db import raw
from massledger.db.sql import insert_ignore, insert_ignoring_conflicts
from massledger.ids import now_us
from massledger.traceability.tables import (
    deduplications,
    document_participants,
    document_tags,
    documents,
    events,
)

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


def document_from_row(row: tuple[Any, ...]) -> dict[str, Any]:
    """A documents row (the columns of DOCUMENT_COLUMNS, in order) as the dict the service uses."""
    document = _document(row)
    assert document is not None
    return document


def insert_document(conn: Connection, values: dict[str, Any]) -> None:
    raw.execute(conn, _INSERT_DOCUMENT, values)


def get_document(conn: Connection, document_id: str, *, lock: bool = False) -> dict[str, Any] | None:
    # Appends to one document serialise on its row (PostgreSQL); SQLite already holds the write lock.
    statement = _LOCK_DOCUMENT if lock and conn.dialect.name == "postgresql" else _SELECT_DOCUMENT
    return _document(raw.fetch_one(conn, statement, {"id": document_id}))


@cache
def _documents_sql(count: int, lock: bool) -> raw.Sql:
    placeholders = ", ".join(f":id{i}" for i in range(count))
    return raw.Sql(
        f"SELECT {', '.join(DOCUMENT_COLUMNS)} FROM documents WHERE id IN ({placeholders})"
        f" AND data_set = :data_set ORDER BY id{' FOR UPDATE' if lock else ''}"
    )


def get_documents(
    conn: Connection, document_ids: Sequence[str], data_set: str, *, lock: bool = False
) -> dict[str, dict[str, Any]]:
    """Several documents of one data set; with ``lock`` on PostgreSQL their rows are locked in ascending
    id order (the ORDER BY runs before FOR UPDATE), so requests touching the same documents never
    deadlock on each other."""
    ids = sorted(set(document_ids))
    params: dict[str, Any] = {f"id{i}": document_id for i, document_id in enumerate(ids)}
    params["data_set"] = data_set
    statement = _documents_sql(len(ids), lock and conn.dialect.name == "postgresql")
    found = (_document(row) for row in raw.fetch_all(conn, statement, params))
    return {document["id"]: document for document in found if document is not None}


_RELATIONS = raw.Sql(
    "SELECT body FROM events WHERE document_id = :document_id AND name IN ('RELATED', 'LINK') ORDER BY seq"
)


def related_document_ids(conn: Connection, document_id: str) -> list[str]:
    """Documents named by the RELATED/LINK events of this document (back-links included), in order."""
    found: dict[str, None] = {}
    for (body,) in raw.fetch_all(conn, _RELATIONS, {"document_id": document_id}):
        related = orjson.loads(body).get("relatedDocument") or {}
        if related.get("documentId"):
            found[related["documentId"]] = None
    return list(found)


_ACTORS = raw.Sql("SELECT body FROM events WHERE document_id = :document_id AND name = 'ACTOR' ORDER BY seq")


def actor_bodies(conn: Connection, document_id: str) -> list[dict[str, Any]]:
    return [orjson.loads(body) for (body,) in raw.fetch_all(conn, _ACTORS, {"document_id": document_id})]


def update_document(conn: Connection, document_id: str, values: dict[str, Any]) -> None:
    columns = tuple(sorted(values))
    statement = _updates.get(columns)
    if statement is None:
        assignments = ", ".join(f"{column} = :{column}" for column in columns)
        statement = _updates[columns] = raw.Sql(f"UPDATE documents SET {assignments} WHERE id = :document_id")
    raw.execute(conn, statement, {**values, "document_id": document_id})


def insert_events(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if len(rows) > 1 and conn.dialect.name == "postgresql":
        raw.copy_rows(conn, "events", EVENT_COLUMNS, rows)  # batches: same rows, less CPU
    else:
        raw.execute_many(conn, _INSERT_EVENT, rows)


_appends: dict[tuple[str, ...], raw.Sql] = {}


def append_event(conn: Connection, row: dict[str, Any], document_id: str, values: dict[str, Any]) -> None:
    """Insert one event row and update its document's projection columns to ``values``.

    On PostgreSQL this is one statement (the INSERT in a CTE, the UPDATE after it): one round trip less
    than the two, and no executemany pipeline for a single row. SQLite has no DML in a WITH clause and
    no round trips: the two statements."""
    if conn.dialect.name != "postgresql":
        insert_events(conn, [row])
        update_document(conn, document_id, values)
        return
    columns = tuple(sorted(values))
    statement = _appends.get(columns)
    if statement is None:
        assignments = ", ".join(f"{column} = :{column}" for column in columns)
        statement = _appends[columns] = raw.Sql(
            f"WITH inserted AS ({_INSERT_EVENT.sqlite})"
            f" UPDATE documents SET {assignments} WHERE id = :document_id"
        )
    raw.execute(conn, statement, {**row, **values, "document_id": document_id})


def get_events(conn: Connection, document_id: str) -> list[dict[str, Any]]:
    rows = raw.fetch_all(conn, _SELECT_EVENTS, {"document_id": document_id})
    return [{"seq": seq, "id": event_id, "body": body, "hash": hash_} for seq, event_id, body, hash_ in rows]


def get_events_of(conn: Connection, document_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """The events of several documents in one query: document id → rows (seq, id, external_created_at_us,
    body, hash) in order."""
    found: dict[str, list[dict[str, Any]]] = {document_id: [] for document_id in document_ids}
    if not found:
        return found
    e = events.c
    query = (
        select(e.document_id, e.seq, e.id, e.external_created_at_us, e.body, e.hash)
        .where(e.document_id.in_(list(found)))
        .order_by(e.document_id, e.seq)
    )
    for row in conn.execute(query):
        found[row.document_id].append(
            {
                "seq": row.seq,
                "id": row.id,
                "external_created_at_us": row.external_created_at_us,
                "body": row.body,
                "hash": row.hash,
            }
        )
    return found


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


# -- ACTOR projection and tags -----------------------------------------------------------------------------


@cache
def _access_sql(count: int) -> raw.Sql:
    placeholders = ", ".join(f":id{i}" for i in range(count))
    return raw.Sql(
        "SELECT document_id, permissions FROM document_participants"
        f" WHERE document_id IN ({placeholders}) AND participant_id = :participant_id"
    )


def get_access_rows(
    conn: Connection, document_ids: Sequence[str], participant_id: str
) -> dict[str, str | None]:
    """document id → the participant's stored permission list (JSON text or None) where it has a row."""
    if not document_ids:
        return {}
    params: dict[str, Any] = {f"id{i}": document_id for i, document_id in enumerate(document_ids)}
    params["participant_id"] = participant_id
    rows = raw.fetch_all(conn, _access_sql(len(document_ids)), params)
    return {document_id: permissions for document_id, permissions in rows}


def get_participant_rows(conn: Connection, document_ids: Sequence[str]) -> list[dict[str, Any]]:
    query = select(document_participants).where(document_participants.c.document_id.in_(list(document_ids)))
    return [dict(row) for row in conn.execute(query).mappings()]


def _upsert(conn: Connection) -> Any:
    return (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(document_participants)


def add_participants(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Rows {document_id, participant_id, created_at_us} naming a participant on a document: new ones are
    inserted without access, existing ones keep theirs."""
    if rows:
        conn.execute(
            _upsert(conn).on_conflict_do_nothing(index_elements=["document_id", "participant_id"]),
            [{**row, "permissions": None, "can_read": False} for row in rows],
        )


def set_permissions(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Rows {document_id, participant_id, created_at_us, permissions, can_read}: the latest list replaces."""
    if rows:
        statement = _upsert(conn)
        conn.execute(
            statement.on_conflict_do_update(
                index_elements=["document_id", "participant_id"],
                set_={"permissions": statement.excluded.permissions, "can_read": statement.excluded.can_read},
            ),
            list(rows),
        )


def insert_tags(conn: Connection, document_id: str, tags: Sequence[str]) -> None:
    if tags:
        conn.execute(
            document_tags.insert(), [{"document_id": document_id, "tag": tag} for tag in sorted(set(tags))]
        )


def get_tag_rows(conn: Connection, document_ids: Sequence[str]) -> list[tuple[str, str]]:
    query = select(document_tags.c.document_id, document_tags.c.tag).where(
        document_tags.c.document_id.in_(list(document_ids))
    )
    return [(row.document_id, row.tag) for row in conn.execute(query)]


# -- listings ----------------------------------------------------------------------------------------------

SUMMARY_COLUMNS = (
    "id",
    "data_set",
    "category",
    "type",
    "subtype",
    "status",
    "current_value",
    "measurement_unit",
    "is_public",
    "is_publicly_searchable",
    "external_id",
    "parent_document_id",
    "participant_id",
    "event_count",
    "body",
    "created_at_us",
    "updated_at_us",
)


def _page(
    query: Select[Any], after: tuple[int, str] | None, limit: int, created: Any = None, id_: Any = None
) -> Select[Any]:
    """Order by (created, id) after the cursor; the columns are the documents' unless given (the grants
    query orders by its own copies so it walks its index)."""
    created = documents.c.created_at_us if created is None else created
    id_ = documents.c.id if id_ is None else id_
    if after is not None:
        query = query.where(tuple_(created, id_) > tuple_(*after))
    return query.order_by(created, id_).limit(limit)


def listing_queries(
    *,
    conditions: Sequence[Any],
    readers: tuple[str, str, str] | None,
    data_set: str | None,
    after: tuple[int, str] | None,
    limit: int,
) -> list[Select[Any]]:
    """The statements of one listing page, each ordered by (created_at_us, id) and limited.

    ``readers`` = (data set, organization id, participant id) restricts to what that caller may read: its
    organization's documents (an index scan in order) and those its participant was granted READ on
    (usually few), merged by the caller. ``readers=None`` lists every document matching ``conditions``."""
    columns = [documents.c[name] for name in SUMMARY_COLUMNS]
    if readers is None:
        query = select(*columns).where(*conditions)
        if data_set is not None:
            query = query.where(documents.c.data_set == data_set)
        return [_page(query, after, limit)]
    reader_data_set, organization_id, participant_id = readers
    own = select(*columns).where(
        documents.c.data_set == reader_data_set, documents.c.organization_id == organization_id, *conditions
    )
    grants = document_participants.c
    granted = (
        select(*columns)
        .select_from(document_participants)
        .join(documents, documents.c.id == grants.document_id)
        .where(
            grants.participant_id == participant_id,
            grants.can_read == true(),
            documents.c.data_set == reader_data_set,
            documents.c.organization_id != organization_id,
            *conditions,
        )
    )
    return [_page(own, after, limit), _page(granted, after, limit, grants.created_at_us, grants.document_id)]


def list_documents(conn: Connection, queries: Sequence[Select[Any]], limit: int) -> list[dict[str, Any]]:
    """Run :func:`listing_queries` and merge: the first ``limit`` rows in (created_at_us, id) order."""
    rows = [dict(row) for query in queries for row in conn.execute(query).mappings()]
    rows = sorted(rows, key=lambda row: (row["created_at_us"], row["id"]))[:limit]
    for row in rows:
        row["is_public"] = bool(row["is_public"])
        row["is_publicly_searchable"] = bool(row["is_publicly_searchable"])
    return rows


def filter_conditions(
    *,
    category: str | None,
    type_: str | None,
    subtype: str | None,
    status: str | None,
    tag: str | None,
    participant_id: str | None,
    external_id: str | None,
    created: tuple[int | None, int | None],
    external_created: tuple[int | None, int | None],
    public: bool,
) -> list[Any]:
    """WHERE terms of the listing filters; ranges are [after, before)."""
    c = documents.c
    conditions: list[Any] = []
    for column, value in ((c.category, category), (c.type, type_), (c.subtype, subtype), (c.status, status)):
        if value is not None:
            conditions.append(column == value)
    if external_id is not None:
        conditions.append(c.external_id == external_id)
    if tag is not None:
        conditions.append(c.id.in_(select(document_tags.c.document_id).where(document_tags.c.tag == tag)))
    if participant_id is not None:
        actors = select(document_participants.c.document_id).where(
            document_participants.c.participant_id == participant_id
        )
        conditions.append(or_(c.participant_id == participant_id, c.id.in_(actors)))
    for column, (start, end) in ((c.created_at_us, created), (c.external_created_at_us, external_created)):
        if start is not None:
            conditions.append(column >= start)
        if end is not None:
            conditions.append(column < end)
    if public:
        conditions.append(and_(c.is_publicly_searchable == true(), c.is_public == true()))
    return conditions


# -- restore (verbatim records) and export ------------------------------------------------------------------


def insert_document_if_absent(conn: Connection, values: dict[str, Any]) -> bool:
    """Insert a document row unless its id is taken (a concurrent restore waits for the first, then finds
    it); True when this call inserted it."""
    return insert_ignore(conn, documents, values, ["id"])


def existing_event_ids(conn: Connection, event_ids: Sequence[str]) -> set[str]:
    if not event_ids:
        return set()
    return set(conn.execute(select(events.c.id).where(events.c.id.in_(list(event_ids)))).scalars())


def event_by_id(conn: Connection, event_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(events).where(events.c.id == event_id)).mappings().first()
    return dict(row) if row is not None else None


def insert_access_rows(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """document_participants rows of a restored document (new, so plain inserts)."""
    if rows:
        conn.execute(document_participants.insert(), list(rows))


def insert_claims_if_absent(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Restored deduplication claims; a client's id already claimed here keeps its own claim."""
    insert_ignoring_conflicts(conn, deduplications, rows)


def claims(conn: Connection, keys: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    """Deduplication rows by (client id, deduplication id)."""
    if not keys:
        return []
    c = deduplications.c
    query = select(deduplications).where(tuple_(c.client_id, c.deduplication_id).in_(sorted(set(keys))))
    return [dict(row) for row in conn.execute(query).mappings()]
