"""Event rows exactly as massledger's append path writes them, for the bare-driver baseline and the bulk
loader. The body template is an event the server itself stored (read back from the database), so the
only fields set here are the ones the server sets per event: id, documentId, seq and createdAt. The hash
chain and projection columns follow docs/architecture.md; `massledger verify` checks every such row."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import text

from massledger.db.engine import Database
from massledger.ids import nanoid, us_to_iso
from massledger.traceability.store import DOCUMENT_COLUMNS, EVENT_COLUMNS

__all__ = ["DOCUMENT_COLUMNS", "EVENT_COLUMNS", "EventTemplate", "load_template", "named"]

GENESIS = "massledger:document:v1"


def load_template(database_url: str, document_id: str) -> dict[str, Any]:
    """The body of the first event the server stored on ``document_id``."""
    database = Database(database_url)
    try:
        with database.read_engine.connect() as conn:
            body = conn.execute(
                text("SELECT body FROM events WHERE document_id = :id ORDER BY seq LIMIT 1"),
                {"id": document_id},
            ).scalar_one()
    finally:
        database.dispose_sync()
    template: dict[str, Any] = orjson.loads(body)
    return template


def link(previous: str, encoded: bytes) -> str:
    digest = hashlib.sha256(encoded).hexdigest()
    return hashlib.sha256(previous.encode() + b"\n" + digest.encode()).hexdigest()


def format_decimal(value: str) -> str:
    text_value = format(Decimal(value).normalize(), "f")
    return text_value if text_value != "-0" else "0"


@dataclass(frozen=True)
class EventTemplate:
    body: dict[str, Any]
    external_us: int

    @property
    def name(self) -> str:
        return str(self.body["name"])

    @property
    def current_value(self) -> str:
        return format_decimal(self.body["value"])

    def rows(
        self, document_id: str, head_hash: str, first_seq: int, count: int, recorded_us: int
    ) -> tuple[list[dict[str, Any]], str]:
        """``count`` chained rows after ``head_hash``; returns them and the new head."""
        created_at = us_to_iso(recorded_us)
        rows = []
        for seq in range(first_seq, first_seq + count):
            event_id = nanoid()
            body = {
                **self.body,
                "id": event_id,
                "documentId": document_id,
                "seq": seq,
                "createdAt": created_at,
            }
            encoded = orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
            head_hash = link(head_hash, encoded)
            rows.append(
                {
                    "document_id": document_id,
                    "seq": seq,
                    "id": event_id,
                    "name": self.name,
                    "external_created_at_us": self.external_us,
                    "created_at_us": recorded_us,
                    "body": encoded.decode(),
                    "hash": head_hash,
                }
            )
        return rows, head_hash


def named(sql: str, backend: str) -> str:
    """``:name`` placeholders in the driver's own style."""
    if backend == "sqlite":
        return sql
    import re

    return re.sub(r"(?<!:):([A-Za-z_][A-Za-z0-9_]*)", r"%(\1)s", sql)


# The statements of massledger's hot path (traceability/store.py), written out for the bare drivers.
SELECT_DOCUMENT = f"SELECT {', '.join(DOCUMENT_COLUMNS)} FROM documents WHERE id = :id"
LOCK_DOCUMENT = SELECT_DOCUMENT + " FOR UPDATE"
INSERT_EVENT = (
    f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) VALUES ({', '.join(':' + c for c in EVENT_COLUMNS)})"
)
INSERT_DOCUMENT = (
    f"INSERT INTO documents ({', '.join(DOCUMENT_COLUMNS)})"
    f" VALUES ({', '.join(':' + c for c in DOCUMENT_COLUMNS)})"
)
PROJECTION_COLUMNS = (
    "current_value",
    "event_count",
    "head_hash",
    "is_public",
    "is_publicly_searchable",
    "last_event_at_us",
    "status",
    "updated_at_us",
)
UPDATE_DOCUMENT = (
    f"UPDATE documents SET {', '.join(f'{c} = :{c}' for c in PROJECTION_COLUMNS)} WHERE id = :document_id"
)
SELECT_EVENTS = "SELECT seq, id, body, hash FROM events WHERE document_id = :document_id ORDER BY seq"
