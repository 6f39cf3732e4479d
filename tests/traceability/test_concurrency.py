"""Concurrent appends over real HTTP: nothing lost, the chain holds, order = (externalCreatedAt, arrival)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from massledger.traceability.verify import verify_documents
from tests.conftest import Api, Factory
from tests.traceability.helpers import document_body, event_body


def test_fifty_concurrent_appends_from_eight_clients(live: httpx.Client, factory: Factory) -> None:
    organization = factory.organization("Busy Recycler")
    clients = [Api(live, factory.client(organization)) for _ in range(8)]
    document_id = clients[0].post("/documents", json=document_body()).json()["id"]

    def append(index: int) -> httpx.Response:
        api = clients[index % 8]
        body = event_body(f"Reading {index}", at="2025-03-10T09:00:00Z", value=index)
        return api.post(f"/documents/{document_id}/events", json=body)

    with ThreadPoolExecutor(max_workers=16) as pool:
        responses = list(pool.map(append, range(50)))
    assert [r.status_code for r in responses] == [201] * 50
    acknowledged = {r.json()["eventId"] for r in responses}

    document = clients[0].get(f"/documents/{document_id}").json()
    events = document["events"]
    assert {e["id"] for e in events} == acknowledged and len(events) == 50
    # Stored order is arrival order: creation times never go backwards.
    created = [e["createdAt"] for e in events]
    assert created == sorted(created)
    assert document["currentValue"] == int(events[-1]["name"].split()[-1])

    checked, problems = factory.database.run_read(verify_documents)
    assert problems == [] and checked["events"] == 50
