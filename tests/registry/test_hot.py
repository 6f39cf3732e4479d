"""The lean dispatch of inventory actions (registry/hot.py) answers exactly as the FastAPI route does: the
same good and bad requests go to an app with it and to one without it (same database), and statuses,
bodies and headers must be equal; refused requests change nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from massledger.app import create_app
from massledger.auth import scopes
from massledger.registry import hot
from massledger.registry.schemas import API_VERSION
from massledger.settings import Settings
from tests.conftest import Factory, fetch_token
from tests.registry.helpers import REGISTRY_SCOPES, ledger_snapshot, retire_body

_HEADERS = ("content-type", "content-length", "www-authenticate", "retry-after", "idempotent-replayed")


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The actions the lean dispatch answered itself."""
    seen: list[str] = []
    original = hot.HotActions._act

    async def act(
        self: hot.HotActions, scope: Any, receive: Any, organization_id: str, action: str, *rest: Any
    ) -> Any:
        seen.append(action)
        return await original(self, scope, receive, organization_id, action, *rest)

    monkeypatch.setattr(hot.HotActions, "_act", act)
    yield seen


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
    return response.status_code, body, {name: response.headers.get(name) for name in _HEADERS}


def _same(lean: TestClient, plain: TestClient, method: str, path: str, **kwargs: Any) -> httpx.Response:
    a = lean.request(method, path, **kwargs)
    b = plain.request(method, path, **kwargs)
    assert _comparable(a) == _comparable(b), (method, path, kwargs)
    return a


def _bearer(
    http: TestClient, factory: Factory, organization_id: str | None = None, **kwargs: Any
) -> dict[str, str]:
    creds = factory.client(
        organization_id, kwargs.pop("data_set", "TEST"), kwargs.pop("scopes", REGISTRY_SCOPES)
    )
    return {"Authorization": f"Bearer {fetch_token(http, creds)}"}


def test_match_picks_only_inventory_actions() -> None:
    assert hot.match("POST", "/organizations/o1/inventory/action/transfer") == ("o1", "transfer")
    assert hot.match("POST", "/organizations/o1/inventory/action/burn") == ("o1", "burn")
    for method, path in [
        ("GET", "/organizations/o1/inventory/action/transfer"),
        ("PUT", "/organizations/o1/inventory/action/transfer"),
        ("POST", "/organizations/o1/inventory/action/transfer/"),
        ("POST", "/organizations/o1/inventory/action/"),
        ("POST", "/organizations//inventory/action/transfer"),
        ("POST", "/organizations/o1/inventory"),
        ("POST", "/organizations/o1/inventory/actions/transfer"),
        ("POST", "/v1/organizations/o1/inventory/action/transfer"),
        ("POST", "/documents/o1/events"),
    ]:
        assert hot.match(method, path) is None, (method, path)


def test_bad_requests_are_answered_as_fastapi_does(
    pair: tuple[TestClient, TestClient], factory: Factory, served: list[str]
) -> None:
    lean, plain = pair
    alice = factory.organization("Alice")
    bob = factory.organization("Bob")
    auth = _bearer(plain, factory, alice)
    friendbot = plain.get(f"/organizations/{alice}/friendbot", headers=auth)
    assert friendbot.status_code == 200, friendbot.text
    inventory = plain.get(f"/organizations/{alice}/inventory", headers=auth).json()
    credit = inventory["credits"][0]["id"]
    reader = _bearer(
        plain, factory, alice, scopes=[scopes.ORGANIZATION_INFO_READ, scopes.ORGANIZATION_INVENTORY_READ]
    )
    stranger = _bearer(plain, factory, bob)
    prod = _bearer(plain, factory, alice, data_set="PROD")
    json_type = {"Content-Type": "application/json"}
    path = f"/organizations/{alice}/inventory/action/transfer"
    good = {"creditId": credit, "amount": 1, "toOrganizationId": bob}
    before = ledger_snapshot(factory.database)

    cases: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", path, {"json": good}),  # no token
        ("POST", path, {"json": good, "headers": {"Authorization": "Bearer nonsense"}}),
        ("POST", path, {"json": good, "headers": {"Authorization": "Basic abc"}}),
        ("POST", path, {"json": good, "headers": reader}),  # lacks inventory read-write
        ("POST", path, {"json": good, "headers": stranger}),  # acts for another organization
        ("POST", f"/organizations/{bob}/inventory/action/transfer", {"json": good, "headers": auth}),
        ("POST", path, {"json": good, "headers": {**auth, "x-icr-api-version": "1999-01-01"}}),
        ("POST", path, {"json": {}, "headers": {**auth, "x-icr-api-version": "1999-01-01"}}),
        ("POST", path, {"json": {}, "headers": {"x-icr-api-version": "1999-01-01"}}),  # version before auth
        ("POST", path, {"content": b"{not json", "headers": {**auth, **json_type}}),
        ("POST", path, {"content": b"{not json", "headers": json_type}),  # JSON is checked before auth
        ("POST", path, {"content": b'{"amount": 1}', "headers": {**auth, "Content-Type": "text/plain"}}),
        ("POST", path, {"content": b'{"amount": 1}', "headers": auth}),  # no Content-Type
        ("POST", path, {"content": b"", "headers": auth}),
        ("POST", path, {"content": b"null", "headers": {**auth, **json_type}}),
        ("POST", path, {"json": [], "headers": auth}),
        ("POST", path, {"json": "text", "headers": auth}),
        ("POST", path, {"json": {}, "headers": auth}),
        ("POST", path, {"json": {**good, "amount": 0}, "headers": auth}),
        ("POST", path, {"json": {**good, "amount": 1.0001}, "headers": auth}),
        ("POST", path, {"json": {**good, "amount": "1"}, "headers": auth}),
        ("POST", path, {"json": {**good, "amount": 1000}, "headers": auth}),  # more than held
        ("POST", path, {"json": {**good, "surprise": 1}, "headers": auth}),
        ("POST", path, {"json": {**good, "creditId": "exPost-9-0xnope"}, "headers": auth}),
        ("POST", path, {"json": {"creditId": credit, "amount": 1}, "headers": auth}),  # no target
        ("POST", path, {"json": {**good, "toOrganizationId": alice}, "headers": auth}),
        ("POST", path, {"json": good, "headers": prod}),  # PROD ledger holds nothing
        ("POST", f"/organizations/{alice}/inventory/action/burn", {"json": good, "headers": auth}),
        ("POST", f"/organizations/{alice}/inventory/action/retire", {"json": good, "headers": auth}),
        ("POST", path, {"json": good, "headers": {**auth, "Idempotency-Key": "has space"}}),
        ("POST", path, {"json": good, "headers": {**auth, "Idempotency-Key": ""}}),
        ("POST", path, {"json": good, "headers": {**auth, "Idempotency-Key": "k" * 256}}),
        # Errors of every kind at once: path, header and body, in FastAPI's order.
        (
            "POST",
            f"/organizations/{alice}/inventory/action/burn",
            {"json": {"amount": -1}, "headers": {**auth, "Idempotency-Key": "bad key"}},
        ),
        ("POST", path, {"content": b"x" * (6 * 1024 * 1024), "headers": {**auth, **json_type}}),  # 413
        ("GET", path, {"headers": auth}),  # not the route: FastAPI's 405 on both
        ("POST", path + "/", {"json": good, "headers": auth, "follow_redirects": False}),  # 307
    ]
    for method, target, kwargs in cases:
        response = _same(lean, plain, method, target, **kwargs)
        assert response.status_code >= 300, (method, target, response.text)
    assert ledger_snapshot(factory.database) == before
    assert len(served) >= len(cases) - 4


def test_good_requests_are_answered_as_fastapi_does(
    pair: tuple[TestClient, TestClient], factory: Factory, served: list[str]
) -> None:
    """An action stored through one path is replayed (same key and body) through the other: the same
    transaction, the same body, the replay header; a different body under the key is a 409 on both."""
    lean, plain = pair
    alice = factory.organization("Alice")
    bob = factory.organization("Bob")
    auth = _bearer(plain, factory, alice)
    plain.get(f"/organizations/{alice}/friendbot", headers=auth)
    credit = plain.get(f"/organizations/{alice}/inventory", headers=auth).json()["credits"][0]["id"]
    base = f"/organizations/{alice}/inventory/action"
    actions = [
        (lean, plain, "transfer", {"creditId": credit, "amount": 1.5, "toOrganizationId": bob}),
        (plain, lean, "retire", retire_body(credit, 2)),
        (lean, plain, "transfer_retire", {**retire_body(credit, 0.25), "toOrganizationId": bob}),
        (lean, plain, "cancel", {"creditId": credit, "amount": 0.5}),
    ]
    for first, second, action, body in actions:
        key = {**auth, "Idempotency-Key": f"hot-{action}", "x-icr-api-version": API_VERSION}
        stored = first.post(f"{base}/{action}", json=body, headers=key)
        assert stored.status_code == 200, (action, stored.text)
        assert stored.headers["content-type"] == "application/json"
        assert stored.headers.get("idempotent-replayed") is None
        replayed = second.post(f"{base}/{action}", json=body, headers=key)
        assert replayed.status_code == 200 and replayed.json() == stored.json()
        assert replayed.headers["idempotent-replayed"] == "true"
        conflict = _same(lean, plain, "POST", f"{base}/{action}", json={**body, "amount": 0.001}, headers=key)
        assert conflict.status_code == 409
    # Without a key, each path stores its own transaction of the same shape.
    bodies = [
        client.post(
            f"{base}/transfer", json={"creditId": credit, "amount": 1, "toOrganizationId": bob}, headers=auth
        )
        for client in (lean, plain)
    ]
    assert [r.status_code for r in bodies] == [200, 200]
    assert bodies[0].json()["id"] != bodies[1].json()["id"]
    assert sorted(bodies[0].json()) == sorted(bodies[1].json())
    held = plain.get(f"/organizations/{alice}/inventory", headers=auth).json()["credits"]
    assert sum(float(c["amount"]) for c in held if c["id"] == credit) == pytest.approx(
        100 - 1.5 - 2 - 0.25 - 0.5 - 2
    )
    assert served.count("transfer") >= 3 and "retire" in served and "cancel" in served


def test_rate_limit_is_enforced_on_the_lean_path(
    settings: Settings, factory: Factory, served: list[str]
) -> None:
    limited = settings.model_copy(update={"rate_limit_enabled": True, "rate_limit_test_per_second": 2})
    with (
        TestClient(create_app(limited), raise_server_exceptions=False) as lean,
        TestClient(create_app(limited, hot_routes=False), raise_server_exceptions=False) as plain,
    ):
        alice = factory.organization("Alice")
        answers = {}
        for name, client in (("lean", lean), ("plain", plain)):
            auth = _bearer(client, factory, alice)
            path = f"/organizations/{alice}/inventory/action/transfer"
            answers[name] = [_comparable(client.post(path, json={}, headers=auth)) for _ in range(3)]
        assert answers["lean"] == answers["plain"]
        assert [status for status, _, _ in answers["lean"]] == [400, 400, 429]
    assert len(served) == 3
