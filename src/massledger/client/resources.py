"""Resources hung off the clients. Each call is described once (``_calls``) and run by either client."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from massledger.client._call import Call
from massledger.client.models import BatchCreated, Document, DocumentCreated, EventCreated

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
    def append(document_id: str, event: dict[str, Any], deduplication_id: str | None) -> Call[EventCreated]:
        return Call(
            "POST",
            f"/documents/{document_id}/events",
            json=_with_deduplication_id(event, deduplication_id),
            idempotent=True,
            parse=lambda r: EventCreated.model_validate(r.json()),
        )

    @staticmethod
    def append_batch(document_id: str, events: list[dict[str, Any]]) -> Call[BatchCreated]:
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

    def append(
        self, document_id: str, event: dict[str, Any], *, deduplication_id: str | None = None
    ) -> EventCreated:
        return self._client.execute(_DocumentCalls.append(document_id, event, deduplication_id))

    def append_batch(self, document_id: str, events: list[dict[str, Any]]) -> BatchCreated:
        """Append events all or nothing; each event gets a deduplicationId unless it has one."""
        return self._client.execute(_DocumentCalls.append_batch(document_id, events))


class AsyncDocuments:
    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def create(self, body: dict[str, Any], *, deduplication_id: str | None = None) -> DocumentCreated:
        return await self._client.execute(_DocumentCalls.create(body, deduplication_id))

    async def get(self, document_id: str) -> Document:
        return await self._client.execute(_DocumentCalls.get(document_id))

    async def append(
        self, document_id: str, event: dict[str, Any], *, deduplication_id: str | None = None
    ) -> EventCreated:
        return await self._client.execute(_DocumentCalls.append(document_id, event, deduplication_id))

    async def append_batch(self, document_id: str, events: list[dict[str, Any]]) -> BatchCreated:
        return await self._client.execute(_DocumentCalls.append_batch(document_id, events))
