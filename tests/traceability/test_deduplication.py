"""deduplicationId: scoped per client; same request → original response; different request → 409."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
from fastapi.testclient import TestClient

from tests.conftest import Api, Factory
from tests.traceability.helpers import document_body, event_body


def test_document_replay_returns_the_original_response(api: Api) -> None:
    body = document_body(deduplicationId="order-42")
    first = api.post("/documents", json=body)
    second = api.post("/documents", json=body)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    different = api.post("/documents", json=document_body(deduplicationId="order-42", type="Other"))
    assert different.status_code == 409
    assert different.json()["errors"][0]["code"] == "conflictError"
    assert "deduplicationId" in different.json()["errors"][0]["message"]


def test_deduplication_ids_are_scoped_per_client(app_client: TestClient, factory: Factory) -> None:
    organization = factory.organization()
    one = Api(app_client, factory.client(organization))
    two = Api(app_client, factory.client(organization))
    body = document_body(deduplicationId="same-id")
    assert one.post("/documents", json=body).json() != two.post("/documents", json=body).json()


def test_event_replay_in_single_and_batch_calls(api: Api) -> None:
    document_id = api.post("/documents", json=document_body()).json()["id"]
    event = event_body("Weighing", value=10, deduplicationId="weigh-1")
    first = api.post(f"/documents/{document_id}/events", json=event)
    replay = api.post(f"/documents/{document_id}/events", json=event)
    assert first.json() == replay.json()
    # In a batch a replayed event reports its original id and is not stored twice.
    batch = api.post(
        "/documents/events",
        json={"documentId": document_id, "events": [event, event_body("Sorting", value=9)]},
    )
    assert batch.status_code == 201
    assert batch.json()["events"][0]["eventId"] == first.json()["eventId"]
    assert [e["name"] for e in api.get(f"/documents/{document_id}").json()["events"]] == [
        "Weighing",
        "Sorting",
    ]
    conflict = api.post(f"/documents/{document_id}/events", json={**event, "value": 11})
    assert conflict.status_code == 409


def test_twenty_concurrent_retries_make_one_document(live: httpx.Client, factory: Factory) -> None:
    api = Api(live, factory.client())
    body = document_body(deduplicationId="retry-storm")
    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(lambda _: api.post("/documents", json=body), range(20)))
    assert {r.status_code for r in responses} == {201}
    ids = {r.json()["id"] for r in responses}
    assert len(ids) == 1
    from sqlalchemy import func, select

    from massledger.traceability.tables import documents

    count = factory.database.run_read(
        lambda conn: conn.execute(select(func.count()).select_from(documents)).scalar()
    )
    assert count == 1
