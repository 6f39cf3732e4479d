"""SQL of the documents API that the routes' tests do not single out."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Connection, text

from massledger.db.engine import Database
from massledger.traceability import store
from tests.conftest import Api
from tests.traceability.helpers import document_body


def _row(document_id: str, seq: int, event_id: str) -> dict[str, Any]:
    return {
        "document_id": document_id,
        "seq": seq,
        "id": event_id,
        "name": "Weighing",
        "external_created_at_us": 1,
        "created_at_us": 2,
        "body": '{"name": "Weighing"}',
        "hash": "f" * 64,
    }


def _projection(count: int) -> dict[str, Any]:
    return {"status": "OPEN", "event_count": count, "head_hash": f"{count:064d}", "updated_at_us": 3}


def test_append_event_inserts_the_row_and_updates_the_projection_together(api: Api, db: Database) -> None:
    """One event and its document's projection (one statement on PostgreSQL): both land, or neither."""
    document_id = api.post("/documents", json=document_body()).json()["id"]

    db.run_write(store.append_event, _row(document_id, 1, "event-one"), document_id, _projection(1))
    document = db.run_read(store.get_document, document_id)
    assert document is not None
    assert (document["event_count"], document["head_hash"], document["updated_at_us"]) == (1, f"{1:064d}", 3)
    assert [(e["seq"], e["id"]) for e in db.run_read(store.get_events, document_id)] == [(1, "event-one")]

    # A second event with a taken seq fails, and the projection is left as it was.
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        db.run_write(store.append_event, _row(document_id, 1, "event-two"), document_id, _projection(2))
    document = db.run_read(store.get_document, document_id)
    assert document is not None and document["event_count"] == 1

    def count(conn: Connection) -> Any:
        return conn.execute(
            text("SELECT count(*) FROM events WHERE document_id = :d"), {"d": document_id}
        ).scalar()

    assert db.run_read(count) == 1
