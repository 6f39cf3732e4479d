"""The error envelope on every failure; no input produces a 500."""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from tests.conftest import Api
from tests.traceability.helpers import document_body, event_body


def _error(response: object) -> dict[str, object]:
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) >= {"statusCode", "errors"}
    error = body["errors"][0]
    assert set(error) == {"code", "message", "id", "timestamp"}
    assert len(error["id"]) == 21 and error["timestamp"].isdigit()
    return dict(error)


def test_unknown_route(app_client: TestClient) -> None:
    response = app_client.get("/nothing/here")
    assert response.status_code == 404 and _error(response)["code"] == "objectNotFound"


def test_malformed_json_wrong_content_type_and_types(api: Api) -> None:
    headers = {**api.headers, "Content-Type": "application/json"}
    malformed = api.http.post("/documents", content=b'{"category": ', headers=headers)
    assert malformed.status_code == 400 and _error(malformed)["code"] == "invalidJson"
    not_utf8 = api.http.post("/documents", content=b'{"category": "\xff"}', headers=headers)
    assert not_utf8.status_code == 400 and _error(not_utf8)["code"] == "invalidJson"
    nul = api.http.post("/documents", content=b'{"category": "a\\u0000b"}', headers=headers)
    assert nul.status_code == 400 and _error(nul)["code"] == "invalidJson"
    deep = api.http.post("/documents", content=b"[" * 10_000 + b"]" * 10_000, headers=headers)
    assert deep.status_code == 400
    text_plain = api.http.post(
        "/documents", content=b"{}", headers={**api.headers, "Content-Type": "text/plain"}
    )
    assert text_plain.status_code == 415 and _error(text_plain)["code"] == "invalidJson"
    not_object = api.post("/documents", json=[1, 2])
    assert not_object.status_code == 400 and _error(not_object)["code"] == "validationError"
    empty = api.http.post("/documents", headers=headers)
    assert empty.status_code == 400
    wrong_type = api.post("/documents", json=document_body(category=12))
    assert wrong_type.status_code == 400 and "category" in str(_error(wrong_type)["message"])
    huge_number = api.http.post(
        "/documents/x/events",
        content=b'{"name":"W","isPublic":true,"externalCreatedAt":"2025-01-01T00:00:00Z","value":1e309}',
        headers=headers,
    )
    assert huge_number.status_code == 400


def test_oversized_body_is_413(api: Api) -> None:
    document_id = api.post("/documents", json=document_body()).json()["id"]
    padding = "x" * (5 * 1024 * 1024)
    response = api.post(f"/documents/{document_id}/events", json=event_body(externalId=padding))
    assert response.status_code == 413
    assert _error(response)["code"] == "validationError"
    assert api.get(f"/documents/{document_id}").json()["events"] == []


def test_long_strings_are_refused_not_truncated(api: Api) -> None:
    response = api.post("/documents", json=document_body(title="t" * 301))
    assert response.status_code == 400 and "title" in str(_error(response)["message"])


def test_health_and_ready(app_client: TestClient) -> None:
    assert app_client.get("/health").json() == {"status": "ok"}
    ready = app_client.get("/ready")
    assert ready.status_code == 200 and ready.json()["status"] == "ok"


def test_routes_are_registered_flat_with_hidden_v1_twins(app_client: TestClient) -> None:
    """FastAPI ≥ 0.137 keeps included routers as nested branches walked on every request; the app
    registers every route flat instead (http.include_flat), /v1 twins hidden from the OpenAPI document."""
    app = app_client.app
    routes = app.router.routes  # type: ignore[attr-defined]
    api_routes = [route for route in routes if isinstance(route, APIRoute)]
    # Only Starlette's own docs routes besides API routes: no nested router branch.
    assert all(isinstance(route, APIRoute) or type(route).__name__ == "Route" for route in routes)
    paths = {(route.path, frozenset(route.methods)) for route in api_routes}
    assert ("/documents/{documentId}/events", frozenset({"POST"})) in paths
    assert ("/v1/documents/{documentId}/events", frozenset({"POST"})) in paths
    assert ("/organizations/{id}/inventory/action/{action}", frozenset({"POST"})) in paths
    twins = [route for route in api_routes if route.path.startswith("/v1/")]
    assert twins and not any(route.include_in_schema for route in twins)
    schema_paths = app_client.get("/openapi.json").json()["paths"]
    assert "/documents/{documentId}/events" in schema_paths
    assert not any(path.startswith("/v1/") for path in schema_paths)


def test_v1_twin_answers_like_the_original(api: Api) -> None:
    created = api.post("/v1/documents", json=document_body())
    assert created.status_code == 201, created.text
    document_id = created.json()["id"]
    original = api.get(f"/documents/{document_id}")
    twin = api.get(f"/v1/documents/{document_id}")
    assert original.status_code == twin.status_code == 200 and original.json() == twin.json()
    listed = api.get("/v1/documents", params={"limit": 1})
    assert listed.status_code == 200 and listed.json() == api.get("/documents", params={"limit": 1}).json()


def test_include_flat_takes_api_routes_only() -> None:
    from fastapi import APIRouter, FastAPI

    from massledger.http import include_flat

    router = APIRouter()
    router.add_route("/plain", lambda request: None)
    with pytest.raises(TypeError, match="API routes only"):
        include_flat(FastAPI(), router)
