"""The events' SQL: a batch's rows go in with COPY on PostgreSQL (executemany for one row, and on
SQLite); either way every column comes back exactly as given, and a stored batch verifies. A single
append writes its event and the projection together (one statement on PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, text

from massledger.db.engine import Database
from massledger.ids import nanoid
from massledger.traceability import store
from massledger.traceability.verify import verify_documents
from tests.conftest import Api, Factory
from tests.traceability.helpers import document_body, event_body

# Any text a body can hold (UTF-8, no NUL): backslashes, tabs, newlines, quotes, COPY's \. and \N.
_TEXT = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=40
) | st.sampled_from(["\\", "\\.", "\\N", "\t\n\r", "\"'", "é\u2028😀", ""])


def _rows(document_id: str, first_seq: int, bodies: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "document_id": document_id,
            "seq": first_seq + index,
            "id": nanoid(),
            "name": body[:10] or "x",
            "external_created_at_us": 1_741_593_600_000_000 + index,
            "created_at_us": 2**53 + index,
            "body": body,
            "hash": "f" * 64,
        }
        for index, body in enumerate(bodies)
    ]


def _stored(conn: Connection, document_id: str) -> list[tuple[Any, ...]]:
    columns = ", ".join(store.EVENT_COLUMNS)
    return [
        tuple(row)
        for row in conn.exec_driver_sql(
            f"SELECT {columns} FROM events WHERE document_id = '{document_id}' ORDER BY seq"
        )
    ]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bodies=st.lists(_TEXT, min_size=1, max_size=12))
def test_inserted_event_rows_come_back_exactly(api: Api, db: Database, bodies: list[str]) -> None:
    document_id = api.post("/documents", json=document_body()).json()["id"]
    rows = _rows(document_id, 1, bodies)
    db.run_write(store.insert_events, rows)
    expected = [tuple(row[column] for column in store.EVENT_COLUMNS) for row in rows]
    assert db.run_read(_stored, document_id) == expected


def test_a_batch_of_awkward_text_is_stored_byte_for_byte_and_verifies(api: Api, factory: Factory) -> None:
    document_id = api.post("/documents", json=document_body()).json()["id"]
    awkward = ["back\\slash", "tab\tnew\nline\r", "\\.", "\\N", "quote\"'", "é\u2028😀", "{}[],:"]
    events = [
        event_body(
            f"Step {text}",
            label=text,
            metadata={"attributes": [{"name": text, "value": {"nested": [text, 1.5, None, True]}}]},
        )
        for text in awkward
    ]
    response = api.post("/documents/events", json={"documentId": document_id, "events": events})
    assert response.status_code == 201, response.text
    stored = api.get(f"/documents/{document_id}").json()["events"]
    assert [event["label"] for event in stored] == awkward
    assert [event["metadata"]["attributes"][0]["value"]["nested"][0] for event in stored] == awkward
    checked, problems = factory.database.run_read(verify_documents)
    assert problems == [] and checked["events"] >= len(awkward)


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
