"""Resources hung off the clients. Each call is described once (``_calls``) and run by either client."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx

from massledger.client._call import Call
from massledger.client._errors import Conflict, NotFound
from massledger.client.models import (
    Attachment,
    AttachmentDownload,
    BatchCreated,
    Document,
    DocumentCreated,
    DocumentPage,
    DocumentSummary,
    EventCreated,
    RestoreResult,
    UploadGrant,
)

if TYPE_CHECKING:
    from massledger.client._client import AsyncClient, Client

REPLAYED_HEADER = "idempotent-replayed"


def _with_deduplication_id(body: Mapping[str, Any], deduplication_id: str | None) -> dict[str, Any]:
    """Every write carries a deduplicationId (the caller's, or a fresh one kept across retries)."""
    body = dict(body)
    if deduplication_id is not None:
        body["deduplicationId"] = deduplication_id
    if body.get("deduplicationId") is None:  # absent, or an explicit null
        body["deduplicationId"] = str(uuid.uuid4())
    return body


def _write_result(response: httpx.Response) -> dict[str, Any]:
    return {**response.json(), "replayed": response.headers.get(REPLAYED_HEADER) == "true"}


def _segment(value: str) -> str:
    """One URL path segment: ids and file names are percent-encoded (a name may hold '/', '#', ' ')."""
    return quote(value, safe="")


def _query(filters: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in filters.items() if value is not None}


class _DocumentCalls:
    @staticmethod
    def create(body: Mapping[str, Any], deduplication_id: str | None) -> Call[DocumentCreated]:
        return Call(
            "POST",
            "/documents",
            json=_with_deduplication_id(body, deduplication_id),
            idempotent=True,
            parse=lambda r: DocumentCreated.model_validate(_write_result(r)),
        )

    @staticmethod
    def get(document_id: str) -> Call[Document]:
        return Call(
            "GET", f"/documents/{_segment(document_id)}", parse=lambda r: Document.model_validate(r.json())
        )

    @staticmethod
    def list(filters: Mapping[str, Any]) -> Call[DocumentPage]:
        return Call(
            "GET", "/documents", params=_query(filters), parse=lambda r: DocumentPage.model_validate(r.json())
        )

    @staticmethod
    def append(
        document_id: str, event: Mapping[str, Any], deduplication_id: str | None
    ) -> Call[EventCreated]:
        return Call(
            "POST",
            f"/documents/{_segment(document_id)}/events",
            json=_with_deduplication_id(event, deduplication_id),
            idempotent=True,
            parse=lambda r: EventCreated.model_validate(_write_result(r)),
        )

    @staticmethod
    def append_batch(document_id: str, events: Sequence[Mapping[str, Any]]) -> Call[BatchCreated]:
        return Call(
            "POST",
            "/documents/events",
            json={"documentId": document_id, "events": [_with_deduplication_id(e, None) for e in events]},
            idempotent=True,
            parse=lambda r: BatchCreated.model_validate(_write_result(r)),
        )

    @staticmethod
    def restore(record: Mapping[str, Any]) -> Call[RestoreResult]:
        # Idempotent by design: restoring the same document again changes nothing (restored: false).
        return Call(
            "POST",
            "/admin/documents/restore",
            json=dict(record),
            idempotent=True,
            parse=lambda r: RestoreResult.model_validate(r.json()),
        )


class _AttachmentCalls:
    @staticmethod
    def declare(document_id: str, file_name: str, length: int, content_type: str) -> Call[UploadGrant]:
        # PUT: declaring again issues a new URL for the same pending file, so a retry is harmless.
        return Call(
            "PUT",
            f"/documents/{_segment(document_id)}/attachments/{_segment(file_name)}",
            json={"contentLength": length, "contentType": content_type},
            idempotent=True,
            parse=lambda r: UploadGrant.model_validate(r.json()),
        )

    @staticmethod
    def put_bytes(upload_url: str, content: bytes, content_type: str) -> Call[Attachment]:
        # The signed URL is the credential: no bearer token goes with the bytes.
        return Call(
            "PUT",
            upload_url,
            content=content,
            headers={"Content-Type": content_type},
            idempotent=True,
            authenticated=False,
            parse=lambda r: Attachment.model_validate(r.json()),
        )

    @staticmethod
    def get(document_id: str, file_name: str) -> Call[AttachmentDownload]:
        return Call(
            "GET",
            f"/documents/{_segment(document_id)}/attachments/{_segment(file_name)}",
            parse=lambda r: AttachmentDownload.model_validate(r.json()),
        )

    @staticmethod
    def fetch(download_url: str) -> Call[bytes]:
        return Call("GET", download_url, authenticated=False, parse=lambda r: r.content)


class _PublicCalls:
    @staticmethod
    def get(document_id: str) -> Call[Document]:
        return Call(
            "GET",
            f"/public/documents/{_segment(document_id)}",
            authenticated=False,
            parse=lambda r: Document.model_validate(r.json()),
        )

    @staticmethod
    def list(filters: Mapping[str, Any]) -> Call[DocumentPage]:
        return Call(
            "GET",
            "/public/documents",
            params=_query(filters),
            authenticated=False,
            parse=lambda r: DocumentPage.model_validate(r.json()),
        )


# -- pagination ---------------------------------------------------------------------------------------------


class Pages:
    """The first page of a listing (``documents``, ``nextCursor``); iterating it walks every page."""

    def __init__(self, fetch: Callable[[dict[str, Any]], DocumentPage], filters: dict[str, Any]) -> None:
        self._fetch = fetch
        self._filters = filters
        self.first = fetch(filters)

    @property
    def documents(self) -> list[DocumentSummary]:
        return self.first.documents

    @property
    def nextCursor(self) -> str | None:
        return self.first.nextCursor

    def pages(self) -> Iterator[DocumentPage]:
        page = self.first
        yield page
        while page.nextCursor is not None:
            page = self._fetch({**self._filters, "cursor": page.nextCursor})
            yield page

    def __iter__(self) -> Iterator[DocumentSummary]:
        for page in self.pages():
            yield from page.documents


class AsyncPages:
    """The awaited first page of a listing; ``async for`` walks every page."""

    def __init__(
        self,
        fetch: Callable[[dict[str, Any]], Awaitable[DocumentPage]],
        filters: dict[str, Any],
        first: DocumentPage,
    ) -> None:
        self._fetch = fetch
        self._filters = filters
        self.first = first

    @property
    def documents(self) -> list[DocumentSummary]:
        return self.first.documents

    @property
    def nextCursor(self) -> str | None:
        return self.first.nextCursor

    async def pages(self) -> AsyncIterator[DocumentPage]:
        page = self.first
        yield page
        while page.nextCursor is not None:
            page = await self._fetch({**self._filters, "cursor": page.nextCursor})
            yield page

    async def _items(self) -> AsyncIterator[DocumentSummary]:
        async for page in self.pages():
            for item in page.documents:
                yield item

    def __aiter__(self) -> AsyncIterator[DocumentSummary]:
        return self._items()


# -- blocking resources -------------------------------------------------------------------------------------


class Attachments:
    """``client.documents.attachments``: files of a document (declare, upload, download)."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def upload(self, document_id: str, file_name: str, content: bytes, content_type: str) -> Attachment:
        """Declare the file, then PUT its bytes to the signed URL (without the bearer token). Safe to
        retry: if the file is already uploaded with these exact bytes (an earlier attempt whose answer was
        lost), that attachment is returned; other bytes under the same name are a Conflict."""
        try:
            grant = self._client.execute(
                _AttachmentCalls.declare(document_id, file_name, len(content), content_type)
            )
            return self._client.execute(_AttachmentCalls.put_bytes(grant.uploadUrl, content, content_type))
        except Conflict:
            done = self._uploaded_with(document_id, file_name, hashlib.sha256(content).hexdigest())
            if done is None:
                raise
            return done

    def _uploaded_with(self, document_id: str, file_name: str, sha256: str) -> Attachment | None:
        try:
            found = self.get(document_id, file_name)
        except NotFound:
            return None
        return found if found.sha256 == sha256 else None

    def get(self, document_id: str, file_name: str) -> AttachmentDownload:
        """The uploaded attachment, with a signed download URL (valid for a few minutes)."""
        return self._client.execute(_AttachmentCalls.get(document_id, file_name))

    def download(self, document_id: str, file_name: str) -> bytes:
        return self._client.execute(_AttachmentCalls.fetch(self.get(document_id, file_name).downloadUrl))


class Documents:
    def __init__(self, client: Client) -> None:
        self._client = client
        self.attachments = Attachments(client)

    def create(self, body: Mapping[str, Any], *, deduplication_id: str | None = None) -> DocumentCreated:
        """Create a document; safe to retry (a deduplicationId is set when missing)."""
        return self._client.execute(_DocumentCalls.create(body, deduplication_id))

    def get(self, document_id: str) -> Document:
        return self._client.execute(_DocumentCalls.get(document_id))

    def list(self, **filters: Any) -> Pages:
        """The documents the caller may read (filters as in GET /documents). The answer is the first page
        (``.documents``, ``.nextCursor``); iterating it yields every document, fetching pages as needed."""
        return Pages(lambda query: self._client.execute(_DocumentCalls.list(query)), filters)

    def iterate(self, **filters: Any) -> Iterator[DocumentSummary]:
        """Every readable document matching the filters, page after page."""
        return iter(self.list(**filters))

    def append(
        self, document_id: str, event: Mapping[str, Any], *, deduplication_id: str | None = None
    ) -> EventCreated:
        return self._client.execute(_DocumentCalls.append(document_id, event, deduplication_id))

    def append_batch(self, document_id: str, events: Sequence[Mapping[str, Any]]) -> BatchCreated:
        """Append up to 100 events, all or nothing; each gets a deduplicationId unless it has one."""
        return self._client.execute(_DocumentCalls.append_batch(document_id, events))

    def restore(self, record: Mapping[str, Any]) -> RestoreResult:
        """Store one `massledger export` record verbatim (operators: scope documents:admin)."""
        return self._client.execute(_DocumentCalls.restore(record))


class Public:
    """``client.public``: public documents, private data masked. No token needed."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def get(self, document_id: str) -> Document:
        return self._client.execute(_PublicCalls.get(document_id))

    def search(self, **filters: Any) -> Pages:
        """Documents both isPublic and isPubliclySearchable (filters as in GET /public/documents, plus
        ``dataSetName``); iterating the answer yields every match, page after page."""
        return Pages(lambda query: self._client.execute(_PublicCalls.list(query)), filters)

    list = search


# -- awaitable resources ------------------------------------------------------------------------------------


class AsyncAttachments:
    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def upload(self, document_id: str, file_name: str, content: bytes, content_type: str) -> Attachment:
        try:
            grant = await self._client.execute(
                _AttachmentCalls.declare(document_id, file_name, len(content), content_type)
            )
            return await self._client.execute(
                _AttachmentCalls.put_bytes(grant.uploadUrl, content, content_type)
            )
        except Conflict:
            done = await self._uploaded_with(document_id, file_name, hashlib.sha256(content).hexdigest())
            if done is None:
                raise
            return done

    async def _uploaded_with(self, document_id: str, file_name: str, sha256: str) -> Attachment | None:
        try:
            found = await self.get(document_id, file_name)
        except NotFound:
            return None
        return found if found.sha256 == sha256 else None

    async def get(self, document_id: str, file_name: str) -> AttachmentDownload:
        return await self._client.execute(_AttachmentCalls.get(document_id, file_name))

    async def download(self, document_id: str, file_name: str) -> bytes:
        found = await self.get(document_id, file_name)
        return await self._client.execute(_AttachmentCalls.fetch(found.downloadUrl))


class AsyncDocuments:
    def __init__(self, client: AsyncClient) -> None:
        self._client = client
        self.attachments = AsyncAttachments(client)

    async def create(
        self, body: Mapping[str, Any], *, deduplication_id: str | None = None
    ) -> DocumentCreated:
        return await self._client.execute(_DocumentCalls.create(body, deduplication_id))

    async def get(self, document_id: str) -> Document:
        return await self._client.execute(_DocumentCalls.get(document_id))

    async def _page(self, query: dict[str, Any]) -> DocumentPage:
        return await self._client.execute(_DocumentCalls.list(query))

    async def list(self, **filters: Any) -> AsyncPages:
        return AsyncPages(self._page, filters, await self._page(filters))

    async def iterate(self, **filters: Any) -> AsyncIterator[DocumentSummary]:
        async for summary in await self.list(**filters):
            yield summary

    async def append(
        self, document_id: str, event: Mapping[str, Any], *, deduplication_id: str | None = None
    ) -> EventCreated:
        return await self._client.execute(_DocumentCalls.append(document_id, event, deduplication_id))

    async def append_batch(self, document_id: str, events: Sequence[Mapping[str, Any]]) -> BatchCreated:
        return await self._client.execute(_DocumentCalls.append_batch(document_id, events))

    async def restore(self, record: Mapping[str, Any]) -> RestoreResult:
        return await self._client.execute(_DocumentCalls.restore(record))


class AsyncPublic:
    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def get(self, document_id: str) -> Document:
        return await self._client.execute(_PublicCalls.get(document_id))

    async def _page(self, query: dict[str, Any]) -> DocumentPage:
        return await self._client.execute(_PublicCalls.list(query))

    async def search(self, **filters: Any) -> AsyncPages:
        return AsyncPages(self._page, filters, await self._page(filters))

    list = search
