"""append_events with ``known`` rows: documents rows the caller already read (and locked) in the same
transaction stand in for the reads the append would make, and the stored result is the same."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from massledger.ids import now_us
from massledger.settings import Settings
from massledger.traceability import service, store
from massledger.traceability.append import append_events
from massledger.traceability.schemas import EventBatch
from massledger.traceability.verify import verify_documents
from tests.conftest import Api, Factory
from tests.traceability.helpers import document_body, event_body

_DOCUMENT_READ = re.compile(r"SELECT .* FROM documents WHERE", re.DOTALL)


@contextmanager
def sent_statements(conn: Connection) -> Iterator[list[str]]:
    """The SQL the driver sends to the database meanwhile: sqlite3's trace callback, libpq's trace."""
    sent: list[str] = []
    dbapi: Any = conn.connection.dbapi_connection
    if conn.dialect.name == "sqlite":
        dbapi.set_trace_callback(sent.append)
        try:
            yield sent
        finally:
            dbapi.set_trace_callback(None)
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "trace"
        with path.open("w") as trace:
            dbapi.pgconn.trace(trace.fileno())
            try:
                yield sent
            finally:
                dbapi.pgconn.untrace()
        sent.extend(line.split("\t", 4)[-1] for line in path.read_text().splitlines() if "\tParse\t" in line)


def _events(reference_id: str, related_id: str) -> list[dict[str, Any]]:
    return [
        event_body("Pick-up"),
        event_body("Sorting", relatedDocument={"documentId": reference_id}),
        event_body("RELATED", label="Partner", relatedDocument={"documentId": related_id}),
    ]


def _shape(view: dict[str, Any]) -> list[dict[str, Any]]:
    """The events of a document view without what differs between two appends (ids, times, hashes)."""
    varying = {"id", "documentId", "createdAt", "hash", "eventId"}
    shaped = []
    for event in view["events"]:
        event = {key: value for key, value in event.items() if key not in varying}
        if isinstance(event.get("relatedDocument"), dict):
            event["relatedDocument"] = {
                key: value for key, value in event["relatedDocument"].items() if key != "documentId"
            }
        event.pop("backLinkOf", None)
        shaped.append(event)
    return shaped


def test_known_rows_replace_the_reads_and_store_the_same_events(
    api: Api, factory: Factory, settings: Settings
) -> None:
    def create() -> str:
        return str(api.post("/documents", json=document_body()).json()["id"])

    reference, plain, plain_related, known, known_related = (create() for _ in range(5))

    def append(conn: Connection) -> tuple[list[str], list[str]]:
        principal = service.system_principal_for(conn, api.creds.organization_id, "TEST")
        ctx = service.WriteContext(principal, now_us(), 5_000_000, settings.max_events_per_document)

        def items(main: str, related: str) -> Any:
            body = {"documentId": main, "events": _events(reference, related)}
            return EventBatch.model_validate(body).events

        with sent_statements(conn) as without:
            append_events(conn, ctx, plain, items(plain, plain_related), lambda i: "")
        rows = store.get_documents(conn, [known, known_related], "TEST", lock=True)
        referenced = store.get_document(conn, reference)
        assert referenced is not None
        rows[reference] = referenced
        with sent_statements(conn) as with_known:
            append_events(conn, ctx, known, items(known, known_related), lambda i: "", rows)
        return without, with_known

    without, with_known = factory.database.run_write(append)
    # Without: the document and its RELATED target locked, the referenced document read; with: neither.
    assert sum(bool(_DOCUMENT_READ.search(sql)) for sql in without) == 2
    assert not any(_DOCUMENT_READ.search(sql) for sql in with_known)
    for first, second in ((plain, known), (plain_related, known_related)):
        a, b = api.get(f"/documents/{first}").json(), api.get(f"/documents/{second}").json()
        assert _shape(a) == _shape(b)
        assert (a["status"], a["currentValue"]) == (b["status"], b["currentValue"])
    _, problems = factory.database.run_read(verify_documents)
    assert problems == []


_UPDATE_DOCUMENT = re.compile(r"UPDATE documents SET (.*) WHERE", re.DOTALL)


def test_the_visibility_flags_are_written_only_when_an_event_changes_them(
    api: Api, factory: Factory, settings: Settings
) -> None:
    """The public-search index's columns stay out of the projection UPDATE of an ordinary append, and an
    UPDATE event that changes them still reaches the row (and the public listing)."""
    document_id = str(api.post("/documents", json=document_body()).json()["id"])

    def append(conn: Connection, event: dict[str, Any]) -> list[str]:
        principal = service.system_principal_for(conn, api.creds.organization_id, "TEST")
        ctx = service.WriteContext(principal, now_us(), 5_000_000, settings.max_events_per_document)
        items = EventBatch.model_validate({"documentId": document_id, "events": [event]}).events
        with sent_statements(conn) as sent:
            append_events(conn, ctx, document_id, items, lambda i: "")
        return [match.group(1) for sql in sent if (match := _UPDATE_DOCUMENT.search(sql))]

    plain = factory.database.run_write(append, event_body("Weighing"))
    assert len(plain) == 1 and "event_count" in plain[0] and "is_public" not in plain[0]
    hidden = factory.database.run_write(append, event_body("UPDATE", updates={"isPubliclySearchable": False}))
    assert len(hidden) == 1 and "is_publicly_searchable" in hidden[0] and "is_public " not in hidden[0]
    row = factory.database.run_read(store.get_document, document_id)
    assert row is not None and row["is_public"] is True and row["is_publicly_searchable"] is False
    again = factory.database.run_write(append, event_body("UPDATE", updates={"isPubliclySearchable": False}))
    assert "is_publicly_searchable" not in again[0]  # no change, not written
    assert api.get(f"/documents/{document_id}").json()["isPubliclySearchable"] is False
