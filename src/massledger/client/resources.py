"""Resources hung off the clients. Each call is described once (``_calls``) and run by either client."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from massledger.client._call import Call
from massledger.client.models import (
    BatchCreated,
    Document,
    DocumentCreated,
    DocumentPage,
    DocumentSummary,
    EventCreated,
)

if TYPE_CHECKING:
    from massledger.client._client import AsyncClient, Client


def _with_deduplication_id(body: dict[str, Any], deduplication_id: str | None) -> dict[str, Any]:
    """Every write carries a deduplicationId (the caller's, or a fresh one kept across retries)."""
    body = dict(body)
    if deduplication_id is not None:
        body["deduplicationId"] = deduplication_id
    body.setdefault("deduplicationId", str(uuid.uuid4()))
    return body


class _DocumentCalls:
    @staticmethod
    def create(body: dict[str, Any], deduplication_id: str | None) -> Call[DocumentCreated]:
        return Call(
            "POST",
            "/documents",
            json=_with_deduplication_id(body, deduplication_id),
            idempotent=True,
            parse=lambda r: DocumentCreated.model_validate(r.json()),
        )

    @staticmethod
    def get(document_id: str) -> Call[Document]:
        return Call("GET", f"/documents/{document_id}", parse=lambda r: Document.model_validate(r.json()))

    @staticmethod
    def list(filters: dict[str, Any]) -> Call[DocumentPage]:
        params = {key: value for key, value in filters.items() if value is not None}
        return Call("GET", "/documents", params=params, parse=lambda r: DocumentPage.model_validate(r.json()))

    @staticmethod
    def append(document_id: str, event: dict[str, Any], deduplication_id: str | None) -> Call[EventCreated]:
        return Call(
            "POST",
            f"/documents/{document_id}/events",
            json=_with_deduplication_id(event, deduplication_id),
            idempotent=True,
            parse=lambda r: EventCreated.model_validate(r.json()),
        )

    @staticmethod
    def append_batch(document_id: str, events: Sequence[dict[str, Any]]) -> Call[BatchCreated]:
        return Call(
            "POST",
            "/documents/events",
            json={"documentId": document_id, "events": [_with_deduplication_id(e, None) for e in events]},
            idempotent=True,
            parse=lambda r: BatchCreated.model_validate(r.json()),
        )


class Documents:
    def __init__(self, client: Client) -> None:
        self._client = client

    def create(self, body: dict[str, Any], *, deduplication_id: str | None = None) -> DocumentCreated:
        """Create a document; safe to retry (a deduplicationId is set when missing)."""
        return self._client.execute(_DocumentCalls.create(body, deduplication_id))

    def get(self, document_id: str) -> Document:
        return self._client.execute(_DocumentCalls.get(document_id))

    def list(self, **filters: Any) -> DocumentPage:
        """One page of the documents the caller may read (filters as in GET /documents, plus cursor)."""
        return self._client.execute(_DocumentCalls.list(filters))

    def iterate(self, **filters: Any) -> Iterator[DocumentSummary]:
        """Every readable document matching the filters, page after page."""
        while True:
            page = self.list(**filters)
            yield from page.documents
            if page.nextCursor is None:
                return
            filters["cursor"] = page.nextCursor

    def append(
        self, document_id: str, event: dict[str, Any], *, deduplication_id: str | None = None
    ) -> EventCreated:
        return self._client.execute(_DocumentCalls.append(document_id, event, deduplication_id))

    def append_batch(self, document_id: str, events: Sequence[dict[str, Any]]) -> BatchCreated:
        """Append events all or nothing; each event gets a deduplicationId unless it has one."""
        return self._client.execute(_DocumentCalls.append_batch(document_id, events))


class AsyncDocuments:
    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def create(self, body: dict[str, Any], *, deduplication_id: str | None = None) -> DocumentCreated:
        return await self._client.execute(_DocumentCalls.create(body, deduplication_id))

    async def get(self, document_id: str) -> Document:
        return await self._client.execute(_DocumentCalls.get(document_id))

    async def list(self, **filters: Any) -> DocumentPage:
        return await self._client.execute(_DocumentCalls.list(filters))

    async def iterate(self, **filters: Any) -> AsyncIterator[DocumentSummary]:
        while True:
            page = await self.list(**filters)
            for summary in page.documents:
                yield summary
            if page.nextCursor is None:
                return
            filters["cursor"] = page.nextCursor

    async def append(
        self, document_id: str, event: dict[str, Any], *, deduplication_id: str | None = None
    ) -> EventCreated:
        return await self._client.execute(_DocumentCalls.append(document_id, event, deduplication_id))

    async def append_batch(self, document_id: str, events: Sequence[dict[str, Any]]) -> BatchCreated:
        return await self._client.execute(_DocumentCalls.append_batch(document_id, events))
