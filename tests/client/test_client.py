"""The SDK against a real server process (and a fault-injecting proxy in front of it)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import func, select

from massledger.client import (
    AsyncClient,
    AuthenticationError,
    Client,
    NotFound,
    PermissionDenied,
    RetryPolicy,
    ServerError,
    ValidationError,
)
from massledger.client._call import Call
from massledger.traceability.tables import documents, events
from tests.client.faults import Fault, faulty_proxy
from tests.conftest import Factory, LiveServer
from tests.traceability.helpers import document_body, event_body

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
            appended = client.documents.append(created.id, event_body("Weighing", value=5))
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
