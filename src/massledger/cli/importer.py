"""`massledger import FILE`: documents with their events, through the HTTP API (the SDK), resumable.

The file is NDJSON (one record per line) or one JSON array of records. A record is either
- an **integrator record**: a ``POST /documents`` body plus ``events``, a list of event bodies (exactly the
  API's request shapes); the document is created, then its events are appended in batches of at most 100
  (``POST /documents/events``), or
- an **export record** (``"format": "massledger.document/v1"``, written by ``massledger export``): restored
  verbatim through ``POST /admin/documents/restore`` (scope ``documents:admin``), same ids and hashes.

Resumable: every document and event of an integrator record is sent with a deduplicationId derived from
the import key (the file's name unless ``--key`` says otherwise), the record's position and the event's
position, unless the record carries its own. Re-running after a crash replays what was stored (the server
answers ``Idempotent-Replayed: true``: counted as skipped) and stores the rest; export records are
idempotent by themselves (same head hash: skipped). See docs/cli.md."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from massledger.client import AsyncClient, AuthenticationError, ConnectionFailed, MassledgerError
from massledger.traceability.schemas import ARCHIVE_FORMAT

MAX_BATCH = 100
FIRST_ERRORS = 10


class BadInput(Exception):
    """The file cannot be read as records (exit code 2, before anything is sent)."""


@dataclass(frozen=True)
class Record:
    index: int  # 0-based position in the file
    line: int | None  # 1-based line (NDJSON), None in a JSON array
    body: dict[str, Any]

    @property
    def is_export(self) -> bool:
        return self.body.get("format") == ARCHIVE_FORMAT

    @property
    def events(self) -> list[Any]:
        events = self.body.get("events")
        return events if isinstance(events, list) else []


def _is_array(path: Path) -> bool:
    with path.open("rb") as file:
        while chunk := file.read(4096):
            stripped = chunk.lstrip()
            if stripped:
                return stripped.startswith(b"[")
    return False


def read_records(path: Path) -> Iterator[Record]:
    """The records of the file, in order. Raises BadInput for a file that is not NDJSON/JSON of objects."""
    try:
        if _is_array(path):
            try:
                items = orjson.loads(path.read_bytes())
            except orjson.JSONDecodeError as exc:
                raise BadInput(f"{path}: not a JSON array of records ({exc})") from exc
            if not isinstance(items, list):
                raise BadInput(f"{path}: expected a JSON array of records")
            for index, item in enumerate(items):
                if not isinstance(item, dict):
                    raise BadInput(f"{path}: record {index} is not a JSON object")
                yield Record(index, None, item)
            return
        index = 0
        with path.open("rb") as file:
            for number, line in enumerate(file, start=1):
                if not line.strip():
                    continue
                try:
                    item = orjson.loads(line)
                except orjson.JSONDecodeError as exc:
                    raise BadInput(f"{path}:{number}: not JSON ({exc})") from exc
                if not isinstance(item, dict):
                    raise BadInput(f"{path}:{number}: a record must be a JSON object")
                yield Record(index, number, item)
                index += 1
    except OSError as exc:
        raise BadInput(f"{path}: {exc.strerror or exc}") from exc


def scan(path: Path) -> tuple[int, int]:
    """(documents, events) in the file; checks it all parses before anything is sent."""
    documents = events = 0
    for record in read_records(path):
        documents += 1
        events += len(record.events)
    return documents, events


@dataclass
class Counts:
    created: int = 0
    skipped: int = 0
    failed: int = 0

    def as_json(self) -> dict[str, int]:
        return {"created": self.created, "skipped": self.skipped, "failed": self.failed}


@dataclass
class Summary:
    file: str
    key: str
    documents: Counts = field(default_factory=Counts)
    events: Counts = field(default_factory=Counts)
    errors: list[dict[str, Any]] = field(default_factory=list)
    aborted: str | None = None

    @property
    def ok(self) -> bool:
        return self.aborted is None and self.documents.failed == 0 and self.events.failed == 0

    def fail(self, record: Record, message: str, status: int | None, *, documents: int, events: int) -> None:
        self.documents.failed += documents
        self.events.failed += events
        self.errors.append(
            {"record": record.index, "line": record.line, "status": status, "message": message}
        )

    def as_json(self) -> dict[str, Any]:
        first = sorted(self.errors, key=lambda error: error["record"])[:FIRST_ERRORS]
        return {
            "ok": self.ok,
            "file": self.file,
            "key": self.key,
            "documents": self.documents.as_json(),
            "events": self.events.as_json(),
            "failedRecords": len(self.errors),
            "errors": first,
            "aborted": self.aborted,
        }


class _Abort(Exception):
    """Nothing more can succeed (credentials refused, server unreachable)."""


class Importer:
    def __init__(
        self,
        client: AsyncClient,
        summary: Summary,
        *,
        batch_size: int = MAX_BATCH,
        on_record: Callable[[Record], None] | None = None,
    ) -> None:
        self.client = client
        self.summary = summary
        self.batch_size = max(1, min(MAX_BATCH, batch_size))
        self.on_record = on_record
        # Deduplication ids: stable for this key, record and event positions.
        self.prefix = "imp-" + hashlib.sha256(summary.key.encode()).hexdigest()[:16]

    async def run(self, records: Iterator[Record], concurrency: int) -> Summary:
        async def worker() -> None:
            for record in records:  # one shared iterator: each record goes to exactly one worker
                if self.summary.aborted is not None:
                    return
                try:
                    await self.one(record)
                except _Abort as exc:
                    self.summary.aborted = str(exc)
                    return
                if self.on_record is not None:
                    self.on_record(record)

        await asyncio.gather(*(worker() for _ in range(max(1, concurrency))))
        return self.summary

    async def one(self, record: Record) -> None:
        try:
            if record.is_export:
                await self._restore(record)
            else:
                await self._plain(record)
        except (AuthenticationError, ConnectionFailed) as exc:
            raise _Abort(exc.message) from exc

    async def _restore(self, record: Record) -> None:
        events = len(record.events)
        try:
            result = await self.client.documents.restore(record.body)
        except (AuthenticationError, ConnectionFailed):
            raise
        except MassledgerError as exc:
            self.summary.fail(record, exc.message, exc.status_code, documents=1, events=events)
            return
        counts = self.summary
        if result.restored:
            counts.documents.created += 1
            counts.events.created += events
        else:
            counts.documents.skipped += 1
            counts.events.skipped += events

    async def _plain(self, record: Record) -> None:
        body = {key: value for key, value in record.body.items() if key != "events"}
        events = record.body.get("events", [])
        if not isinstance(events, list) or not all(isinstance(event, dict) for event in events):
            message = "events: must be a list of event objects"
            self.summary.fail(record, message, None, documents=1, events=len(record.events))
            return
        body["deduplicationId"] = body.get("deduplicationId") or f"{self.prefix}-{record.index}"
        try:
            created = await self.client.documents.create(body)
        except (AuthenticationError, ConnectionFailed):
            raise
        except MassledgerError as exc:
            self.summary.fail(record, exc.message, exc.status_code, documents=1, events=len(events))
            return
        if created.replayed:
            self.summary.documents.skipped += 1
        else:
            self.summary.documents.created += 1
        for start in range(0, len(events), self.batch_size):
            chunk = [
                {
                    **event,
                    "deduplicationId": event.get("deduplicationId") or f"{self.prefix}-{record.index}-{at}",
                }
                for at, event in enumerate(events[start : start + self.batch_size], start=start)
            ]
            try:
                appended = await self.client.documents.append_batch(created.id, chunk)
            except (AuthenticationError, ConnectionFailed):
                raise
            except MassledgerError as exc:
                # Later events may depend on these: none of the rest is sent.
                message = f"document {created.id}, events from #{start}: {exc.message}"
                self.summary.fail(record, message, exc.status_code, documents=0, events=len(events) - start)
                return
            if appended.replayed:
                self.summary.events.skipped += len(chunk)
            else:
                self.summary.events.created += len(chunk)


def import_key(path: Path, key: str | None) -> str:
    return key if key else path.name
