"""Concurrent writes over real HTTP: nothing lost, the chain holds, order = (externalCreatedAt, arrival), and
appends, relations, propagations and splits racing on one document neither deadlock nor lose anything."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from massledger.traceability.verify import verify_documents
from tests.conftest import Api, Factory
from tests.traceability.helpers import document_body, event_body, target_body


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


def test_mixed_race_on_one_document_appends_relations_propagations_and_splits(
    live: httpx.Client, factory: Factory
) -> None:
    """Sixteen clients at once on one hot document: some append to it, some relate other documents to it
    (a back-link is written on it), some propagate events onto it from documents already related to it, some
    split it. Every request succeeds (no deadlock surfaces, PostgreSQL's 40P01 included), every write lands
    exactly once, the mass is conserved and verify passes."""
    organization = factory.organization("Busy Sorter")
    clients = [Api(live, factory.client(organization)) for _ in range(4)]
    owner = clients[0]

    def create() -> str:
        return str(owner.post("/documents", json=document_body()).json()["id"])

    hot = create()
    assert owner.post(f"/documents/{hot}/events", json=event_body("Weighing", value=1000)).status_code == 201
    relating, propagating = [create() for _ in range(4)], [create() for _ in range(2)]
    for source in propagating:  # related before the race: their propagations reach the hot document
        related = event_body("RELATED", relatedDocument={"documentId": hot})
        assert owner.post(f"/documents/{source}/events", json=related).status_code == 201
    before = owner.get(f"/documents/{hot}").json()["events"]

    at = "2025-03-10T09:00:00Z"
    requests: list[tuple[str, str, dict[str, Any]]] = (
        [("append", hot, event_body(f"Reading {i}", at=at)) for i in range(20)]
        + [
            ("relate", relating[i % 4], event_body("RELATED", at=at, relatedDocument={"documentId": hot}))
            for i in range(8)
        ]
        + [
            ("propagate", propagating[i % 2], event_body(f"Inspection {i}", at=at, propagateEvent=True))
            for i in range(8)
        ]
        + [("split", hot, event_body("SPLIT", at=at, target=target_body(10))) for _ in range(10)]
    )
    random.Random(7).shuffle(requests)

    def send(index: int) -> tuple[str, httpx.Response]:
        kind, document_id, body = requests[index]
        return kind, clients[index % 4].post(f"/documents/{document_id}/events", json=body)

    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(send, range(len(requests))))
    assert [response.status_code for _kind, response in answers] == [201] * len(requests), [
        response.text for _kind, response in answers if response.status_code != 201
    ]
    acknowledged: dict[str, list[dict[str, Any]]] = {
        kind: [] for kind in ("append", "relate", "propagate", "split")
    }
    for kind, response in answers:
        acknowledged[kind].append(response.json())

    document = owner.get(f"/documents/{hot}").json()
    new = document["events"][len(before) :]
    assert document["events"][: len(before)] == before
    ids = [event["id"] for event in new]
    assert len(ids) == len(set(ids)) == len(requests)  # nothing lost, nothing twice
    assert {a["eventId"] for a in acknowledged["append"] + acknowledged["split"]} <= set(ids)
    back_links = [e for e in new if e["name"] == "RELATED"]
    assert sorted(e["backLinkOf"]["eventId"] for e in back_links) == sorted(
        a["eventId"] for a in acknowledged["relate"]
    )
    copies = [e for e in new if e["propagatedFrom"] is not None]
    assert sorted(e["propagatedFrom"]["eventId"] for e in copies) == sorted(
        a["eventId"] for a in acknowledged["propagate"]
    )
    children = [a["targetDocumentId"] for a in acknowledged["split"]]
    assert len(set(children)) == 10
    assert document["currentValue"] == 1000 - 10 * 10
    for child in children:
        view = owner.get(f"/documents/{child}").json()
        assert view["parentDocumentId"] == hot and view["currentValue"] == 10

    checked, problems = factory.database.run_read(verify_documents)
    assert problems == [], problems
    # hot + 6 related + 10 children; hot: weighing, 2 back-links, the race; the others: their own events.
    assert checked == {"documents": 17, "events": 1 + 2 + len(requests) + 8 + 2 + 8}
