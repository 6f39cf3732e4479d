"""Documented limits (issue 3 item 9): 100 events per document, 5 req/s per TEST client and 10 req/s per
PROD client (429 tooManyRequests with Retry-After), request bodies over 5 MB → 413.

The rate-limit tests drive the limiter's clock by hand: "within a second" then holds on any machine,
however slow, and nothing here measures time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Table, func, select

from massledger.app import create_app
from massledger.db.engine import Database
from massledger.errors import TooManyRequests
from massledger.ratelimit import RateLimiter
from massledger.settings import Settings
from massledger.traceability.tables import documents, events
from tests.conftest import Api, Factory, LiveServer, server_env, start_server, stop_server
from tests.traceability.helpers import document_body, event_body


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _count(db: Database, table: Table) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _error(response: httpx.Response) -> dict[str, str]:
    return dict(response.json()["errors"][0])


# -- 100 events per document ------------------------------------------------------------------------------


def test_the_101st_event_is_refused_single_and_batch(api: Api, db: Database) -> None:
    document_id = api.post("/documents", json=document_body()).json()["id"]
    full = api.post(
        "/documents/events",
        json={"documentId": document_id, "events": [event_body(f"E{i}") for i in range(100)]},
    )
    assert full.status_code == 201, full.text

    single = api.post(f"/documents/{document_id}/events", json=event_body("One too many"))
    assert single.status_code == 400
    assert _error(single)["code"] == "validationError"
    assert _error(single)["message"] == f"name: document {document_id} holds at most 100 events"
    batch = api.post("/documents/events", json={"documentId": document_id, "events": [event_body("X")]})
    assert batch.status_code == 400
    assert _error(batch)["message"] == f"events[0].name: document {document_id} holds at most 100 events"
    assert len(api.get(f"/documents/{document_id}").json()["events"]) == 100


def test_a_batch_crossing_the_limit_stores_none_of_its_events(api: Api, db: Database) -> None:
    document_id = api.post("/documents", json=document_body()).json()["id"]
    api.post("/documents/events", json={"documentId": document_id, "events": [event_body()] * 98})
    crossing = api.post(
        "/documents/events",
        json={"documentId": document_id, "events": [event_body("A"), event_body("B"), event_body("C")]},
    )
    assert crossing.status_code == 400
    assert _error(crossing)["message"].startswith("events[2].name:")
    assert _count(db, events) == 98


def test_the_limit_is_a_setting(settings: Settings, factory: Factory) -> None:
    with TestClient(create_app(settings.model_copy(update={"max_events_per_document": 2}))) as client:
        api = Api(client, factory.client())
        document_id = api.post("/documents", json=document_body()).json()["id"]
        assert api.post(f"/documents/{document_id}/events", json=event_body()).status_code == 201
        assert api.post(f"/documents/{document_id}/events", json=event_body()).status_code == 201
        third = api.post(f"/documents/{document_id}/events", json=event_body())
        assert _error(third)["message"] == f"name: document {document_id} holds at most 2 events"


# -- rate limits ------------------------------------------------------------------------------------------


@pytest.fixture
def limited(settings: Settings) -> Iterator[tuple[TestClient, FakeClock]]:
    """The app with rate limiting on (the suite's default settings turn it off) and a hand-driven clock."""
    app = create_app(settings.model_copy(update={"rate_limit_enabled": True}))
    clock = FakeClock()
    app.state.rate_limiter.clock = clock
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, clock


def test_the_6th_request_within_a_second_on_a_test_client_is_429(
    limited: tuple[TestClient, FakeClock], factory: Factory, db: Database
) -> None:
    client, clock = limited
    api = Api(client, factory.client(data_set="TEST"))
    other = Api(client, factory.client(data_set="TEST"))
    document_id = api.post("/documents", json=document_body()).json()["id"]  # request 1, at t = 0
    for _ in range(4):  # requests 2-5, at t = 0.125 ... 0.5
        clock.now += 0.125
        assert api.get(f"/documents/{document_id}").status_code == 200
    clock.now = 1000.875
    sixth = api.post("/documents", json=document_body())
    assert sixth.status_code == 429
    assert _error(sixth)["code"] == "tooManyRequests"
    assert "5 requests per second" in _error(sixth)["message"]
    assert sixth.headers["retry-after"] == "1"
    assert _count(db, documents) == 1  # the refused request did nothing
    assert api.get(f"/documents/{document_id}").status_code == 429  # refusals are not counted, still full
    assert other.get(f"/documents/{document_id}").status_code == 403  # per client: the other is not limited
    clock.now = 1001.0  # the first request is now a second old: one slot is free again, and only one
    assert api.get(f"/documents/{document_id}").status_code == 200
    assert api.get(f"/documents/{document_id}").status_code == 429


def test_a_prod_client_gets_10_requests_per_second(
    limited: tuple[TestClient, FakeClock], factory: Factory
) -> None:
    client, _clock = limited
    api = Api(client, factory.client(data_set="PROD"))
    statuses = [api.get("/documents/00000000-0000-4000-8000-000000000000").status_code for _ in range(11)]
    assert statuses == [404] * 10 + [429]


def test_the_token_endpoint_is_limited_per_client_id(
    limited: tuple[TestClient, FakeClock], factory: Factory
) -> None:
    client, clock = limited
    creds = factory.client()
    form = {"grant_type": "client_credentials"}
    statuses = [client.post("/oauth2/token", data=form, auth=(creds.client_id, "wrong")).status_code]
    statuses += [
        client.post("/oauth2/token", data=form, auth=(creds.client_id, creds.client_secret)).status_code
        for _ in range(10)
    ]
    assert statuses == [401] + [200] * 9 + [429]  # wrong secrets count too: no guessing at full speed
    other = factory.client()
    assert (
        client.post("/oauth2/token", data=form, auth=(other.client_id, other.client_secret)).status_code
        == 200
    )
    clock.now += 1
    assert (
        client.post("/oauth2/token", data=form, auth=(creds.client_id, creds.client_secret)).status_code
        == 200
    )


def test_rate_limit_enabled_false_turns_it_off(settings: Settings, factory: Factory) -> None:
    app = create_app(settings.model_copy(update={"rate_limit_enabled": False}))
    app.state.rate_limiter.clock = FakeClock()  # frozen: every request falls in the same instant
    with TestClient(app) as client:
        api = Api(client, factory.client())
        assert {api.get("/documents/x").status_code for _ in range(30)} == {404}


def test_rate_limit_over_real_http(database_url: str, data_dir: Path, db: Database, factory: Factory) -> None:
    """A real server with MASSLEDGER_RATE_LIMIT_ENABLED=true: the first 5 requests of a TEST client
    pass, and a burst soon meets 429 with Retry-After (60 requests cannot take 12 s)."""
    server: LiveServer = start_server(
        server_env(database_url, data_dir, MASSLEDGER_RATE_LIMIT_ENABLED="true")
    )
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            api = Api(http, factory.client())
            statuses = []
            for _ in range(60):
                response = api.get("/documents/00000000-0000-4000-8000-000000000000")
                statuses.append(response.status_code)
                if response.status_code == 429:
                    assert response.headers["retry-after"] == "1"
                    assert _error(response)["code"] == "tooManyRequests"
                    break
            assert statuses[:5] == [404] * 5
            assert statuses[-1] == 429
            assert http.get("/health").status_code == 200  # unauthenticated routes are not limited
    finally:
        stop_server(server)


def test_limiter_keeps_at_most_n_in_any_sliding_second() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    accepted = []
    for step in range(32):  # a request every 1/8 s for 4 s against 5/s
        clock.now = 1000 + step / 8
        try:
            limiter.hit("c", 5)
            accepted.append(step / 8)
        except TooManyRequests as exc:
            assert exc.retry_after == 1
    # Five at the start of each second, then nothing until the oldest of them is a second old.
    assert accepted == [second + k / 8 for second in range(4) for k in range(5)]


def test_limiter_forgets_the_least_recent_key_beyond_its_bound() -> None:
    limiter = RateLimiter(clock=FakeClock(), max_keys=2)
    for key in ("a", "b", "a", "c"):  # "b" is the least recently seen when "c" arrives
        limiter.hit(key, 2)
    with pytest.raises(TooManyRequests):
        limiter.hit("a", 2)  # remembered: full
    limiter.hit("b", 2)
    limiter.hit("b", 2)  # forgotten, so counted afresh (remembered, this third hit would be refused)


# -- body size ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("streamed", [False, True], ids=["content-length", "chunked"])
def test_bodies_over_5_mb_are_413_over_real_http(
    live: httpx.Client, factory: Factory, db: Database, streamed: bool
) -> None:
    api = Api(live, factory.client())
    document_id = api.post("/documents", json=document_body()).json()["id"]
    payload = b'{"name":"W","isPublic":true,"externalCreatedAt":"2025-03-10T08:00:00Z","externalId":"'
    payload += b"x" * (5 * 1024 * 1024) + b'"}'

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(payload), 65536):
            yield payload[start : start + 65536]

    response = live.post(
        f"/documents/{document_id}/events",
        content=chunks() if streamed else payload,
        headers={**api.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert _error(response)["code"] == "validationError"
    assert "5242880 bytes" in _error(response)["message"]
    assert _count(db, events) == 0
    assert live.get("/health").status_code == 200
    just_under = api.post(f"/documents/{document_id}/events", json=event_body(externalId="x" * 200))
    assert just_under.status_code == 201
