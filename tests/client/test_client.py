"""The SDK against a real server process (and a fault-injecting proxy in front of it)."""

from __future__ import annotations

import asyncio
import hashlib

import httpx
import pytest
from sqlalchemy import func, select

from massledger.client import (
    AsyncClient,
    AuthenticationError,
    Client,
    Conflict,
    NotFound,
    PermissionDenied,
    RetryPolicy,
    ServerError,
    ValidationError,
)
from massledger.client._call import Call
from massledger.traceability import export
from massledger.traceability.tables import documents, events
from tests.attachments.helpers import count_attachments
from tests.client.faults import Fault, faulty_proxy
from tests.conftest import Factory, LiveServer
from tests.traceability.helpers import PARTICIPANT, document_body, event_body

FAST = RetryPolicy(max_retries=5, initial_delay=0.01, max_delay=0.05)


def _count(factory: Factory, table: object) -> int:
    return int(
        factory.database.run_read(lambda c: c.execute(select(func.count()).select_from(table)).scalar())
    )


def test_quick_start_with_the_sdk(live_server: LiveServer, live: httpx.Client, factory: Factory) -> None:
    creds = factory.client()
    with Client(
        live_server.url, creds.client_id, creds.client_secret, scope="api.carrot.eco/main-scope"
    ) as client:
        created = client.documents.create(document_body())
        batch = client.documents.append_batch(
            created.id, [event_body("Pick-up"), event_body("Weighing", value=10)]
        )
        single = client.documents.append(created.id, event_body("CLOSE"))
        document = client.documents.get(created.id)
    assert [e.id for e in document.events] == [*[e.eventId for e in batch.events], single.eventId]
    assert document.status == "CLOSED" and document.currentValue == 10


def test_listing_pages_with_the_sdk(live_server: LiveServer, live: httpx.Client, factory: Factory) -> None:
    creds = factory.client()
    with Client(live_server.url, creds.client_id, creds.client_secret) as client:
        created = [client.documents.create(document_body(tags=["sdk"])).id for _ in range(5)]
        client.documents.create(document_body())
        assert [d.id for d in client.documents.iterate(tag="sdk", limit=2)] == created
        first = client.documents.list(tag="sdk", limit=3)
        assert len(first.documents) == 3 and first.nextCursor is not None

    async def collect() -> list[str]:
        async with AsyncClient(live_server.url, creds.client_id, creds.client_secret) as client:
            return [d.id async for d in client.documents.iterate(tag="sdk", limit=4)]

    assert asyncio.run(collect()) == created


def test_typed_errors(live_server: LiveServer, live: httpx.Client, factory: Factory) -> None:
    creds = factory.client(scopes=["documents:read"])
    with Client(live_server.url, creds.client_id, creds.client_secret, retry=FAST) as client:
        with pytest.raises(NotFound) as missing:
            client.documents.get("00000000-0000-4000-8000-000000000000")
        assert missing.value.status_code == 404
        assert missing.value.body["errors"][0]["code"] == "objectNotFound"
        with pytest.raises(PermissionDenied):
            client.documents.create(document_body())
    writer = factory.client()
    with Client(live_server.url, writer.client_id, writer.client_secret, retry=FAST) as client:
        with pytest.raises(ValidationError) as invalid:
            client.documents.create({"category": "MassID"})
        assert "type" in invalid.value.message
    with (
        Client(live_server.url, creds.client_id, "wrong", retry=FAST) as client,
        pytest.raises(AuthenticationError),
    ):
        client.documents.get("x")


def test_retries_through_429_and_503_store_exactly_once(
    live_server: LiveServer, live: httpx.Client, factory: Factory
) -> None:
    creds = factory.client()
    faults = [
        Fault("/oauth2/token", 503, times=2),
        Fault("/documents", 429, times=2, retry_after="0"),
        # The server stores the document, then the answer is lost: the retry must replay, not duplicate.
        Fault("/documents", 503, times=2, after_forwarding=True),
    ]
    with faulty_proxy(live_server.url, faults) as proxy:
        with Client(proxy.url, creds.client_id, creds.client_secret, retry=FAST) as client:
            created = client.documents.create(document_body())
            proxy.faults.append(Fault("/events", 503, times=3, after_forwarding=True))
            # An explicit null deduplicationId gets one too: the retries must not store it three times.
            appended = client.documents.append(
                created.id, event_body("Weighing", value=5, deduplicationId=None)
            )
            stored = client.documents.get(created.id)
    assert _count(factory, documents) == 1
    assert _count(factory, events) == 1
    assert [e.id for e in stored.events] == [appended.eventId]
    statuses = [status for method, path, status in proxy.seen if method == "POST" and path == "/documents"]
    assert statuses == [429, 429, 503, 503, 201]


def test_non_idempotent_posts_are_not_retried_on_503(
    live_server: LiveServer, live: httpx.Client, factory: Factory
) -> None:
    creds = factory.client()
    with faulty_proxy(live_server.url, [Fault("/documents", 503, times=1, after_forwarding=True)]) as proxy:
        with Client(proxy.url, creds.client_id, creds.client_secret, retry=FAST) as client:
            raw = Call("POST", "/documents", json=document_body(), parse=lambda r: r.json())
            with pytest.raises(ServerError):
                client.execute(raw)
    assert len([s for m, p, s in proxy.seen if p == "/documents"]) == 1


def test_token_is_cached_and_refreshed_before_expiry(
    live_server: LiveServer, live: httpx.Client, factory: Factory
) -> None:
    creds = factory.client()
    with faulty_proxy(live_server.url, []) as proxy:
        with Client(proxy.url, creds.client_id, creds.client_secret) as client:
            document_id = client.documents.create(document_body()).id
            for _ in range(3):
                client.documents.get(document_id)
            assert sum(1 for _m, p, _s in proxy.seen if p == "/oauth2/token") == 1
            assert client._token is not None
            client._token.expires_at = 0  # as if the refresh margin were reached
            client.documents.get(document_id)
    assert sum(1 for _m, p, _s in proxy.seen if p == "/oauth2/token") == 2


def test_async_client(live_server: LiveServer, live: httpx.Client, factory: Factory) -> None:
    creds = factory.client()

    async def scenario() -> tuple[str, int]:
        async with AsyncClient(live_server.url, creds.client_id, creds.client_secret, retry=FAST) as client:
            created = await client.documents.create(document_body())
            await asyncio.gather(
                *(
                    client.documents.append(created.id, event_body(f"E{i}", at="2025-03-10T09:00:00Z"))
                    for i in range(5)
                )
            )
            document = await client.documents.get(created.id)
            return document.id, len(document.events)

    document_id, count = asyncio.run(scenario())
    assert count == 5 and document_id


PDF = b"%PDF-1.4 weighing ticket " + bytes(range(256)) * 8


def test_attachments_upload_and_download(
    live_server: LiveServer, live: httpx.Client, factory: Factory
) -> None:
    creds = factory.client()
    with Client(live_server.url, creds.client_id, creds.client_secret, retry=FAST) as client:
        document_id = client.documents.create(document_body()).id
        name = "ticket #1 (São Paulo).pdf"  # encoded in the URL path by the SDK
        stored = client.documents.attachments.upload(document_id, name, PDF, "application/pdf")
        assert stored.fileName == name and stored.contentLength == len(PDF)
        assert stored.sha256 == hashlib.sha256(PDF).hexdigest()
        assert client.documents.attachments.download(document_id, name) == PDF
        # Uploading the same bytes again is a no-op; other bytes under the name are a conflict.
        again = client.documents.attachments.upload(document_id, name, PDF, "application/pdf")
        assert again.attachmentId == stored.attachmentId
        with pytest.raises(Conflict) as taken:
            client.documents.attachments.upload(document_id, name, b"other", "application/pdf")
        assert taken.value.body["errors"][0]["code"] == "conflictError"
        event = client.documents.append(
            document_id, event_body("Weighing", value=3, attachments=[{"fileName": name, "label": "Ticket"}])
        )
        recorded = client.documents.get(document_id).events[0]
        assert recorded.id == event.eventId and recorded.attachments[0].sha256 == stored.sha256


def test_attachment_upload_through_429_and_503_stores_it_once(
    live_server: LiveServer, live: httpx.Client, factory: Factory
) -> None:
    creds = factory.client()
    faults = [
        Fault("/attachments/", 429, times=1, retry_after="0"),  # the declaration (PUT …/attachments/…)
        Fault("/attachments/uploads/", 503, times=1),  # the bytes, refused before the server saw them
        # The server stores the bytes, then the answer is lost: the retry meets "already used" (409),
        # and the SDK finds the file stored with its bytes' digest.
        Fault("/attachments/uploads/", 503, times=1, after_forwarding=True),
    ]
    with Client(live_server.url, creds.client_id, creds.client_secret, retry=FAST) as direct:
        document_id = direct.documents.create(document_body()).id
    with faulty_proxy(live_server.url, faults) as proxy:
        with Client(proxy.url, creds.client_id, creds.client_secret, retry=FAST) as client:
            stored = client.documents.attachments.upload(document_id, "mtr.pdf", PDF, "application/pdf")
            assert client.documents.attachments.download(document_id, "mtr.pdf") == PDF
    assert stored.sha256 == hashlib.sha256(PDF).hexdigest()
    assert count_attachments(factory.database, uploaded_only=True) == count_attachments(factory.database) == 1
    uploads = [status for method, path, status in proxy.seen if method == "PUT" and "/uploads/" in path]
    assert uploads == [503, 503, 409]  # the signed URL was used through the proxy, without a token
    assert all(fault.times == 0 for fault in faults)


def test_public_views_need_no_credentials(
    live_server: LiveServer, live: httpx.Client, factory: Factory
) -> None:
    creds = factory.client()
    with Client(live_server.url, creds.client_id, creds.client_secret) as client:
        public = [client.documents.create(document_body(tags=["pub"])).id for _ in range(3)]
        hidden = client.documents.create(document_body(isPubliclySearchable=False)).id
        client.documents.append(
            public[0], event_body("Pick-up", participant={**PARTICIPANT, "taxId": "99988877766"})
        )
    with Client(live_server.url) as anonymous:
        assert [d.id for d in anonymous.public.search(tag="pub", limit=2)] == public
        document = anonymous.public.get(public[0])
        assert document.events[0].participant is not None
        assert document.events[0].participant.taxId != "99988877766"  # masked
        assert anonymous.public.get(hidden).id == hidden  # public, just not searchable
        with pytest.raises(AuthenticationError):
            anonymous.documents.get(hidden)

    async def scenario() -> list[str]:
        async with AsyncClient(live_server.url) as client:
            return [d.id async for d in await client.public.list(tag="pub", limit=2)]

    assert asyncio.run(scenario()) == public


def test_writes_report_replays(live_server: LiveServer, live: httpx.Client, factory: Factory) -> None:
    creds = factory.client()
    with Client(live_server.url, creds.client_id, creds.client_secret) as client:
        first = client.documents.create(document_body(), deduplication_id="sdk-replay")
        again = client.documents.create(document_body(), deduplication_id="sdk-replay")
        assert (first.replayed, again.replayed, again.id) == (False, True, first.id)
        batch = [event_body("A", deduplicationId="sdk-a"), event_body("B", deduplicationId="sdk-b")]
        assert client.documents.append_batch(first.id, batch).replayed is False
        assert client.documents.append_batch(first.id, batch).replayed is True
    assert _count(factory, events) == 2


def test_restore_with_the_sdk(live_server: LiveServer, live: httpx.Client, factory: Factory) -> None:
    creds = factory.client(scopes=["documents:read", "documents:write", "documents:admin"])
    with Client(live_server.url, creds.client_id, creds.client_secret) as client:
        document_id = client.documents.create(document_body()).id
        client.documents.append(document_id, event_body("Weighing", value=4))
        record = factory.database.run_read(lambda conn: next(export.export_documents(conn)))
        result = client.documents.restore(record)
    assert result.documentId == document_id and result.restored is False and result.events == 1
