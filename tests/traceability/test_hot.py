"""The lean dispatch of the hot routes (traceability/hot.py) answers exactly as the FastAPI routes do:
the same good and bad requests go to an app with it and to one without it (same database), and the
statuses, bodies and headers must be equal (error ids and timestamps aside)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from massledger.app import create_app
from massledger.auth.scopes import DOCUMENTS_READ, DOCUMENTS_WRITE
from massledger.settings import Settings
from massledger.traceability import hot
from tests.conftest import Api, Factory, fetch_token
from tests.traceability.helpers import ago, document_body, event_body

_SERVER_TIME = re.compile(r"\(server time [^)]*\)")
_HEADERS = ("content-type", "www-authenticate", "retry-after", "idempotent-replayed")


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """Counts the requests the lean dispatch answered itself."""
    counts = {"append": 0, "get": 0, "batch": 0}
    original_append, original_get = hot.HotRoutes._append, hot.HotRoutes._get
    original_batch = hot.HotRoutes._batch

    async def append(self: hot.HotRoutes, *args: Any) -> tuple[int, bytes]:
        counts["append"] += 1
        return await original_append(self, *args)

    async def get(self: hot.HotRoutes, *args: Any) -> tuple[int, bytes]:
        counts["get"] += 1
        return await original_get(self, *args)

    async def batch(self: hot.HotRoutes, *args: Any) -> tuple[int, bytes]:
        counts["batch"] += 1
        return await original_batch(self, *args)

    monkeypatch.setattr(hot.HotRoutes, "_append", append)
    monkeypatch.setattr(hot.HotRoutes, "_batch", batch)
    monkeypatch.setattr(hot.HotRoutes, "_get", get)
    yield counts


@pytest.fixture
def pair(settings: Settings) -> Iterator[tuple[TestClient, TestClient]]:
    with (
        TestClient(create_app(settings), raise_server_exceptions=False) as lean,
        TestClient(create_app(settings, hot_routes=False), raise_server_exceptions=False) as plain,
    ):
        yield lean, plain


def _comparable(response: httpx.Response) -> tuple[int, Any, dict[str, str | None]]:
    try:
        body: Any = response.json()
    except ValueError:
        body = response.content
    if isinstance(body, dict) and "errors" in body:
        body = {
            **body,
            "errors": [
                {**e, "id": "-", "timestamp": "-", "message": _SERVER_TIME.sub("", e["message"])}
                for e in body["errors"]
            ],
        }
    return response.status_code, body, {name: response.headers.get(name) for name in _HEADERS}


def _same(lean: TestClient, plain: TestClient, method: str, path: str, **kwargs: Any) -> httpx.Response:
    a = lean.request(method, path, **kwargs)
    b = plain.request(method, path, **kwargs)
    assert _comparable(a) == _comparable(b), (method, path, kwargs)
    assert a.headers["content-length"] == str(len(a.content))
    return a


def test_match_picks_only_the_hot_routes() -> None:
    assert hot.match("POST", "/documents/abc/events") == ("append", "abc")
    assert hot.match("POST", "/documents/events") == ("batch", "")
    assert hot.match("POST", "/v1/documents/events") == ("batch", "")
    assert hot.match("POST", "/v1/documents/abc/events") == ("append", "abc")
    assert hot.match("GET", "/documents/abc") == ("get", "abc")
    assert hot.match("GET", "/v1/documents/abc") == ("get", "abc")
    for method, path in [
        ("POST", "/documents"),
        ("PUT", "/documents/events"),
        ("POST", "/documents/events/"),
        ("GET", "/documents"),
        ("GET", "/documents/"),
        ("GET", "/documents/abc/"),
        ("PUT", "/documents/abc/events"),
        ("DELETE", "/documents/abc"),
        ("GET", "/documents/abc/events"),
        ("POST", "/documents//events"),
        ("GET", "/public/documents/abc"),
        ("GET", "/v2/documents/abc"),
    ]:
        assert hot.match(method, path) is None, (method, path)


def test_bad_requests_are_answered_as_fastapi_does(
    pair: tuple[TestClient, TestClient], factory: Factory, served: dict[str, int]
) -> None:
    lean, plain = pair
    creds = factory.client()
    auth = {"Authorization": f"Bearer {fetch_token(plain, creds)}"}
    created = plain.post("/documents", json=document_body(), headers=auth)
    assert created.status_code == 201
    doc = created.json()["id"]
    reader = factory.client(creds.organization_id, scopes=[DOCUMENTS_READ])
    read_only = {"Authorization": f"Bearer {fetch_token(plain, reader)}"}
    writer = factory.client(creds.organization_id, scopes=[DOCUMENTS_WRITE])
    write_only = {"Authorization": f"Bearer {fetch_token(plain, writer)}"}
    stranger = {"Authorization": f"Bearer {fetch_token(plain, factory.client())}"}
    prod = {"Authorization": f"Bearer {fetch_token(plain, factory.client(data_set='PROD'))}"}
    json_type = {"Content-Type": "application/json"}
    path = f"/documents/{doc}/events"
    good = event_body(at=ago(minutes=1))

    cases: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", path, {"json": good}),  # no token
        ("POST", path, {"json": good, "headers": {"Authorization": "Bearer nonsense"}}),
        ("POST", path, {"json": good, "headers": {"Authorization": "Basic abc"}}),
        ("POST", path, {"json": good, "headers": read_only}),  # lacks documents:write
        ("POST", path, {"content": b"{not json", "headers": {**auth, **json_type}}),
        ("POST", path, {"content": b"{not json", "headers": json_type}),  # JSON is checked before auth
        ("POST", path, {"content": b'{"name": "x"}', "headers": {**auth, "Content-Type": "text/plain"}}),
        ("POST", path, {"content": b'{"name": "x"}', "headers": auth}),  # no Content-Type
        ("POST", path, {"content": b'{"name": "a\\u0000"}', "headers": {**auth, **json_type}}),
        ("POST", path, {"content": b"", "headers": auth}),
        ("POST", path, {"content": b"null", "headers": {**auth, **json_type}}),
        ("POST", path, {"json": [], "headers": auth}),
        ("POST", path, {"json": "text", "headers": auth}),
        ("POST", path, {"json": {}, "headers": auth}),
        ("POST", path, {"json": {**good, "name": ""}, "headers": auth}),
        ("POST", path, {"json": {**good, "value": -1}, "headers": auth}),
        ("POST", path, {"json": {**good, "value": "1.1234567"}, "headers": auth}),
        ("POST", path, {"json": {**good, "externalCreatedAt": "2025-03-10T08:00:00"}, "headers": auth}),
        ("POST", path, {"json": {**good, "externalCreatedAt": ago(minutes=-10)}, "headers": auth}),
        ("POST", path, {"json": {**good, "surprise": 1}, "headers": auth}),
        ("POST", path, {"json": {**good, "metadata": {"attributes": [{"value": 1}]}}, "headers": auth}),
        ("POST", path, {"json": {**good, "name": "SPLIT"}, "headers": auth}),
        ("POST", path, {"json": {**good, "participantId": "nope"}, "headers": auth}),
        ("POST", path, {"json": good, "headers": stranger}),  # another organization: 403
        ("POST", path, {"json": good, "headers": prod}),  # another data set: 404
        ("POST", "/documents/missing/events", {"json": good, "headers": auth}),
        ("POST", "/v1/documents/missing/events", {"json": good, "headers": auth}),
        ("POST", "/documents/events/events", {"json": good, "headers": auth}),
        ("POST", path, {"content": b"x" * (6 * 1024 * 1024), "headers": {**auth, **json_type}}),  # 413
        ("GET", f"/documents/{doc}", {}),
        ("GET", f"/documents/{doc}", {"headers": write_only}),
        ("GET", f"/documents/{doc}", {"headers": stranger}),
        ("GET", f"/documents/{doc}", {"headers": prod}),
        ("GET", "/documents/missing", {"headers": auth}),
        ("GET", "/v1/documents/missing", {"headers": auth}),
        ("GET", "/documents/events", {"headers": auth}),
    ]
    batch = {"documentId": doc, "events": [good, good]}
    for target in ("/documents/events", "/v1/documents/events"):
        cases += [
            ("POST", target, {"json": batch}),  # no token
            ("POST", target, {"json": batch, "headers": read_only}),
            ("POST", target, {"content": b"{not json", "headers": json_type}),
            (
                "POST",
                target,
                {"content": b'{"documentId": "x"}', "headers": {**auth, "Content-Type": "text/plain"}},
            ),
            ("POST", target, {"content": b"", "headers": auth}),
            ("POST", target, {"content": b"null", "headers": {**auth, **json_type}}),
            ("POST", target, {"json": [good], "headers": auth}),
            ("POST", target, {"json": {"documentId": doc}, "headers": auth}),
            ("POST", target, {"json": {**batch, "events": []}, "headers": auth}),
            ("POST", target, {"json": {**batch, "events": [good] * 101}, "headers": auth}),
            ("POST", target, {"json": {**batch, "surprise": 1}, "headers": auth}),
            ("POST", target, {"json": {**batch, "events": [good, {**good, "value": -1}]}, "headers": auth}),
            ("POST", target, {"json": {**batch, "events": [good, {**good, "name": ""}]}, "headers": auth}),
            (
                "POST",
                target,
                {"json": {**batch, "events": [good, {**good, "name": "SPLIT"}]}, "headers": auth},
            ),
            (
                "POST",
                target,
                {"json": {**batch, "events": [good, {**good, "participantId": "nope"}]}, "headers": auth},
            ),
            (
                "POST",
                target,
                {
                    "json": {**batch, "events": [good, {**good, "externalCreatedAt": ago(minutes=-10)}]},
                    "headers": auth,
                },
            ),
            ("POST", target, {"json": batch, "headers": stranger}),
            ("POST", target, {"json": batch, "headers": prod}),
            ("POST", target, {"json": {**batch, "documentId": "missing"}, "headers": auth}),
        ]
    for method, target, kwargs in cases:
        response = _same(lean, plain, method, target, **kwargs)
        assert response.status_code >= 400, (method, target, response.text)
    # Nothing was stored by any of them.
    assert plain.get(f"/documents/{doc}", headers=auth).json()["events"] == []
    assert served["append"] > 0 and served["get"] > 0 and served["batch"] > 0


def test_good_requests_are_answered_as_fastapi_does(
    pair: tuple[TestClient, TestClient], factory: Factory, served: dict[str, int]
) -> None:
    lean, plain = pair
    creds = factory.client()
    auth = {"Authorization": f"Bearer {fetch_token(plain, creds)}"}
    doc = plain.post("/documents", json=document_body(), headers=auth).json()["id"]
    answers = []
    for client, prefix in ((lean, ""), (plain, ""), (lean, "/v1"), (plain, "/v1")):
        response = client.post(
            f"{prefix}/documents/{doc}/events",
            json=event_body("Weighing", at=ago(minutes=1), value=12.5),
            headers=auth,
        )
        assert response.status_code == 201, response.text
        answers.append(response)
    split = [
        client.post(
            f"/documents/{doc}/events",
            json=event_body("SPLIT", at=ago(minutes=1), target={**document_body(), "value": 1}),
            headers=auth,
        )
        for client in (lean, plain)
    ]
    for response in [*answers, *split]:
        assert response.headers["content-type"] == "application/json"
        assert response.headers.get("idempotent-replayed") is None
    assert [list(r.json()) for r in answers] == [["documentId", "eventId"]] * 4
    assert [list(r.json()) for r in split] == [["documentId", "eventId", "targetDocumentId"]] * 2
    assert {r.json()["documentId"] for r in [*answers, *split]} == {doc}

    # A deduplicationId replays the same answer whichever path stored it, and conflicts the same way.
    dedup = event_body("Weighing", at=ago(minutes=1), deduplicationId="weigh-1")
    first = lean.post(f"/documents/{doc}/events", json=dedup, headers=auth)
    assert first.status_code == 201
    replay = _same(lean, plain, "POST", f"/documents/{doc}/events", json=dedup, headers=auth)
    assert replay.json() == first.json() and replay.headers["idempotent-replayed"] == "true"
    conflict = _same(
        lean, plain, "POST", f"/documents/{doc}/events", json={**dedup, "label": "x"}, headers=auth
    )
    assert conflict.status_code == 409

    # The batch: the same answer shape both ways (fresh ids), the same replay and conflict.
    at = ago(minutes=1)  # one instant for every batch below: each is at or after the latest event
    batch = {
        "documentId": doc,
        "events": [
            event_body("Weighing", at=at, value=3),
            event_body("SPLIT", at=at, target={**document_body(), "value": 1}),
        ],
    }
    batches = [
        client.post(path, json=batch, headers=auth)
        for client, path in (
            (lean, "/documents/events"),
            (plain, "/documents/events"),
            (lean, "/v1/documents/events"),
        )
    ]
    for response in batches:
        assert response.status_code == 201, response.text
        assert response.headers["content-type"] == "application/json"
        assert response.headers.get("idempotent-replayed") is None
        assert response.headers["content-length"] == str(len(response.content))
        answer = response.json()
        assert list(answer) == ["documentId", "events"] and answer["documentId"] == doc
        assert [list(e) for e in answer["events"]] == [["eventId", "targetDocumentId"]] * 2
        assert answer["events"][0]["targetDocumentId"] is None
        assert answer["events"][1]["targetDocumentId"] is not None
    keyed = {
        "documentId": doc,
        "events": [event_body("Weighing", at=at, deduplicationId=f"batch-{i}") for i in range(2)],
    }
    stored = lean.post("/documents/events", json=keyed, headers=auth)
    assert stored.status_code == 201
    replay = _same(lean, plain, "POST", "/documents/events", json=keyed, headers=auth)
    assert replay.json() == stored.json() and replay.headers["idempotent-replayed"] == "true"
    half = {**keyed, "events": [keyed["events"][0], event_body("Weighing", at=at)]}
    partly = lean.post("/documents/events", json=half, headers=auth)
    assert partly.status_code == 201 and partly.headers.get("idempotent-replayed") is None
    assert partly.json()["events"][0] == stored.json()["events"][0]
    conflict = _same(
        lean,
        plain,
        "POST",
        "/documents/events",
        json={**keyed, "events": [{**keyed["events"][0], "label": "x"}]},
        headers=auth,
    )
    assert conflict.status_code == 409

    # GET: byte for byte the same document, at both paths.
    for path in (f"/documents/{doc}", f"/v1/documents/{doc}"):
        a, b = lean.get(path, headers=auth), plain.get(path, headers=auth)
        assert a.status_code == b.status_code == 200
        assert a.content == b.content
        assert a.headers["content-type"] == b.headers["content-type"] == "application/json"
    assert len(lean.get(f"/documents/{doc}", headers=auth).json()["events"]) == 7 + 6 + 2 + 1
    assert served["append"] >= 5 and served["get"] >= 2 and served["batch"] >= 5


def test_rate_limit_and_revocation_are_enforced_on_the_lean_path(
    settings: Settings, factory: Factory, served: dict[str, int]
) -> None:
    limited = settings.model_copy(update={"rate_limit_enabled": True, "rate_limit_test_per_second": 2})
    with (
        TestClient(create_app(limited), raise_server_exceptions=False) as lean,
        TestClient(create_app(limited, hot_routes=False), raise_server_exceptions=False) as plain,
    ):
        creds = factory.client()
        auth = {"Authorization": f"Bearer {fetch_token(plain, creds)}"}
        statuses = {
            name: [client.get("/documents/missing", headers=auth) for _ in range(3)]
            for name, client in (("lean", lean), ("plain", plain))
        }
        assert [_comparable(r) for r in statuses["lean"]] == [_comparable(r) for r in statuses["plain"]]
        assert [r.status_code for r in statuses["lean"]] == [404, 404, 429]
    assert served["get"] == 3


def test_a_document_is_rendered_once_per_head_hash(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """GET answers come from the rendered-view cache until an append moves the head hash; the read
    checks still run on every request."""
    from massledger.traceability import store

    reads: list[str] = []
    original = store.get_events

    def counting(conn: Any, document_id: str) -> list[dict[str, Any]]:
        reads.append(document_id)
        return original(conn, document_id)

    monkeypatch.setattr(store, "get_events", counting)
    doc = api.post("/documents", json=document_body()).json()["id"]
    first = api.get(f"/documents/{doc}")
    assert api.get(f"/documents/{doc}").content == api.get(f"/v1/documents/{doc}").content == first.content
    assert reads == [doc]
    assert api.post(f"/documents/{doc}/events", json=event_body(at=ago(minutes=1))).status_code == 201
    after = api.get(f"/documents/{doc}")
    assert len(after.json()["events"]) == 1 and reads == [doc, doc]
    assert api.get(f"/documents/{doc}").content == after.content and reads == [doc, doc]
    # Who may read is checked every time, cached view or not.
    other = Api(api.http, Factory(api.http.app.state.database, api.http.app.state.settings).client())  # type: ignore[attr-defined]
    assert other.get(f"/documents/{doc}").status_code == 403
