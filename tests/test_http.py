"""The error envelope on every failure; no input produces a 500."""

from __future__ import annotations

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
