"""Bulk-load background events for the growth scenario with the bare driver (executemany on SQLite, COPY
on PostgreSQL), row for row what massledger's append path would have written: creation records and events
from templates the server itself stored, chained hashes, and the projection columns. A sample of the
loaded documents is re-checked with massledger's own verifier before the database is used."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

import orjson
import psycopg
from sqlalchemy import select

from bench import rows as sql
from bench.world import World, sqlite_path
from massledger.db.engine import Database
from massledger.ids import new_uuid, now_us, us_to_iso
from massledger.traceability import service
from massledger.traceability.tables import documents, events
from massledger.traceability.verify import Derived, check_document

LOADER_VERSION = 1  # bump when the rows written here change: cached databases are keyed by it
CHUNK_EVENTS = 20_000


def _template_document(database_url: str, document_id: str) -> dict[str, Any]:
    database = Database(database_url)
    try:
        with database.read_engine.connect() as conn:
            row = conn.execute(select(documents).where(documents.c.id == document_id)).mappings().one()
            return dict(row)
    finally:
        database.dispose_sync()


def load(world: World, template_document_id: str, total_events: int, per_document: int) -> dict[str, Any]:
    """Append ``total_events`` events in documents of ``per_document`` events; returns load statistics."""
    started = time.perf_counter()
    document_template = _template_document(world.database_url, template_document_id)
    creation_template = orjson.loads(document_template["body"])
    event_template = sql.load_template(world.database_url, template_document_id)
    events_template = sql.EventTemplate(
        event_template, service.timestamp_us(event_template["externalCreatedAt"])
    )
    backend = "sqlite" if world.database_url.startswith("sqlite") else "postgresql"
    writer = _SqliteWriter(world) if backend == "sqlite" else _PostgresWriter(world)
    sample: list[str] = []
    loaded = 0
    index = 0
    try:
        while loaded < total_events:
            document_rows: list[dict[str, Any]] = []
            event_rows: list[dict[str, Any]] = []
            while loaded < total_events and len(event_rows) < CHUNK_EVENTS:
                count = min(per_document, total_events - loaded)
                now = now_us()
                document_id = new_uuid()
                creation = {
                    **creation_template,
                    "id": document_id,
                    "externalId": f"growth-{index}",
                    "deduplicationId": None,
                    "createdAt": us_to_iso(now),
                }
                body = orjson.dumps(creation, option=orjson.OPT_SORT_KEYS)
                genesis = sql.link(sql.GENESIS, body)
                rows, head = events_template.rows(document_id, genesis, 1, count, now)
                document_rows.append(
                    {
                        **document_template,
                        "id": document_id,
                        "external_id": creation["externalId"],
                        "body": body.decode(),
                        "current_value": events_template.current_value,
                        "event_count": count,
                        "last_event_at_us": events_template.external_us,
                        "head_hash": head,
                        "created_at_us": now,
                        "updated_at_us": now,
                    }
                )
                event_rows.extend(rows)
                loaded += count
                index += 1
                if index % 997 == 1:
                    sample.append(document_id)
            writer.write(document_rows, event_rows)
    finally:
        writer.close()
    problems = _check_sample(world.database_url, sample)
    if problems:
        raise RuntimeError(f"bulk-loaded rows do not verify: {problems[:3]}")
    return {
        "events": loaded,
        "documents": index,
        "seconds": round(time.perf_counter() - started, 1),
        "sample_verified": len(sample),
    }


def _check_sample(database_url: str, sample: list[str]) -> list[str]:
    database = Database(database_url)
    problems = []
    try:
        with database.read_engine.connect() as conn:
            for document_id in sample:
                document = (
                    conn.execute(select(documents).where(documents.c.id == document_id)).mappings().one()
                )
                rows = list(
                    conn.execute(
                        select(events).where(events.c.document_id == document_id).order_by(events.c.seq)
                    ).mappings()
                )
                problem = check_document(document, rows, Derived.load(conn, [document]))
                if problem is not None:
                    problems.append(f"{problem.subject}: {problem.message}")
    finally:
        database.dispose_sync()
    return problems


class _SqliteWriter:
    def __init__(self, world: World) -> None:
        self.conn = sqlite3.connect(sqlite_path(world.database_url), isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")

    def write(self, document_rows: list[dict[str, Any]], event_rows: list[dict[str, Any]]) -> None:
        self.conn.execute("BEGIN IMMEDIATE")
        self.conn.executemany(sql.INSERT_DOCUMENT, document_rows)
        self.conn.executemany(sql.INSERT_EVENT, event_rows)
        self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.conn.execute("ANALYZE")
        self.conn.close()


class _PostgresWriter:
    def __init__(self, world: World) -> None:
        self.conn = psycopg.connect(world.database_url)

    def write(self, document_rows: list[dict[str, Any]], event_rows: list[dict[str, Any]]) -> None:
        with self.conn.cursor() as cursor:
            with cursor.copy(f"COPY documents ({', '.join(sql.DOCUMENT_COLUMNS)}) FROM STDIN") as copy:
                for row in document_rows:
                    copy.write_row([row[c] for c in sql.DOCUMENT_COLUMNS])
            with cursor.copy(f"COPY events ({', '.join(sql.EVENT_COLUMNS)}) FROM STDIN") as copy:
                for row in event_rows:
                    copy.write_row([row[c] for c in sql.EVENT_COLUMNS])
        self.conn.commit()

    def close(self) -> None:
        self.conn.autocommit = True
        self.conn.execute("VACUUM ANALYZE documents")
        self.conn.execute("VACUUM ANALYZE events")
        self.conn.close()
