"""propagateEvent: true copies the event onto each directly related document, one level only."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from massledger.traceability.verify import verify_documents
from tests.conftest import Api, Factory
from tests.traceability.helpers import document_body, event_body, target_body


def _document(api: Api) -> str:
    return str(api.post("/documents", json=document_body()).json()["id"])


def _names(api: Api, document_id: str) -> list[str]:
    return [e["name"] for e in api.get(f"/documents/{document_id}").json()["events"]]


def _relate(api: Api, source: str, target: str, name: str = "RELATED", bidirectional: bool = True) -> None:
    body = event_body(name, relatedDocument={"documentId": target, "bidirectional": bidirectional})
    assert api.post(f"/documents/{source}/events", json=body).status_code == 201


def test_propagation_reaches_related_documents_and_not_their_relations(api: Api, factory: Factory) -> None:
    hub, linked, one_way, far, pointing_in = (_document(api) for _ in range(5))
    _relate(api, hub, linked)  # back-link on `linked`
    _relate(api, one_way, hub)  # back-link on `hub`: related from hub's side too
    _relate(api, linked, far)  # a relation of a relation: not reached
    _relate(api, pointing_in, hub, "LINK", bidirectional=False)  # hub's stream does not name it
    api.post(f"/documents/{hub}/events", json=event_body("Weighing", value=100))
    split = api.post(f"/documents/{hub}/events", json=event_body("SPLIT", target=target_body(10)))
    child = split.json()["targetDocumentId"]  # parent/children are not relations

    body = event_body(
        "Inspection", propagateEvent=True, metadata={"attributes": [{"name": "Result", "value": "ok"}]}
    )
    response = api.post(f"/documents/{hub}/events", json=body)
    assert response.status_code == 201
    event_id = response.json()["eventId"]

    for reached in (linked, one_way):
        copy = api.get(f"/documents/{reached}").json()["events"][-1]
        assert copy["name"] == "Inspection" and copy["id"] != event_id
        assert copy["propagatedFrom"] == {"documentId": hub, "eventId": event_id}
        assert copy["propagateEvent"] is None
        assert copy["metadata"]["attributes"][0]["value"] == "ok"
    for untouched in (far, pointing_in, child):
        assert "Inspection" not in _names(api, untouched)
    original = api.get(f"/documents/{hub}").json()["events"][-1]
    assert original["propagateEvent"] is True and original["propagatedFrom"] is None
    _, problems = factory.database.run_read(verify_documents)
    assert problems == []


def test_value_with_propagation_is_refused(api: Api) -> None:
    hub, other = _document(api), _document(api)
    _relate(api, hub, other)
    response = api.post(f"/documents/{hub}/events", json=event_body("Weighing", value=5, propagateEvent=True))
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"].startswith("value: ")
    for name, extra in (
        ("CLOSE", {}),
        ("SPLIT", {"target": target_body(1)}),
        ("UPDATE", {"updates": {"isPublic": False}}),
    ):
        refused = api.post(f"/documents/{hub}/events", json=event_body(name, propagateEvent=True, **extra))
        assert refused.status_code == 400 and "propagateEvent" in refused.text, name
    assert _names(api, hub) == ["RELATED"] and _names(api, other) == ["RELATED"]


def test_closed_and_cancelled_related_documents_are_skipped(api: Api) -> None:
    hub, open_, closed, cancelled = (_document(api) for _ in range(4))
    for target in (open_, closed, cancelled):
        _relate(api, hub, target)
    api.post(f"/documents/{closed}/events", json=event_body("CLOSE"))
    api.post(f"/documents/{cancelled}/events", json=event_body("CANCEL"))
    response = api.post(f"/documents/{hub}/events", json=event_body("Note", propagateEvent=True))
    assert response.status_code == 201
    assert _names(api, open_)[-1] == "Note"
    assert _names(api, closed) == ["RELATED", "CLOSE"]
    assert _names(api, cancelled) == ["RELATED", "CANCEL"]


def test_a_related_document_the_caller_may_not_write_refuses_the_whole_request(
    app_client: TestClient, factory: Factory
) -> None:
    owner = Api(app_client, factory.client(factory.organization("Owner")))
    partner = Api(app_client, factory.client(factory.organization("Partner")))
    theirs, mine = _document(owner), _document(partner)
    grant = {"effect": "ALLOW", "actions": ["WRITE"], "condition": {"$in": {"eventNames": ["RELATED"]}}}
    actor = event_body(
        "ACTOR", label="Partner", participantId=partner.creds.participant_id, permissions=[grant]
    )
    owner.post(f"/documents/{theirs}/events", json=actor)
    _relate(partner, mine, theirs)

    response = partner.post(
        "/documents/events",
        json={"documentId": mine, "events": [event_body("Before"), event_body("Note", propagateEvent=True)]},
    )
    assert response.status_code == 403
    message = response.json()["errors"][0]["message"]
    assert message.startswith("events[1].propagateEvent: ") and theirs in message
    assert _names(partner, mine) == ["RELATED"] and _names(owner, theirs) == ["ACTOR", "RELATED"]


def test_batch_relation_then_propagation_and_propagated_actor(api: Api, factory: Factory) -> None:
    hub, fresh, later = _document(api), _document(api), _document(api)
    events: list[dict[str, Any]] = [
        event_body("LINK", relatedDocument={"documentId": fresh, "bidirectional": False}),
        event_body("ACTOR", label="Hauler", participantId=api.creds.participant_id, propagateEvent=True),
    ]
    assert api.post("/documents/events", json={"documentId": hub, "events": events}).status_code == 201
    assert _names(api, fresh) == ["ACTOR"]
    _, problems = factory.database.run_read(verify_documents)
    assert problems == []

    _relate(api, hub, later)
    api.post(f"/documents/{later}/events", json=event_body("Weighing", at="2025-03-12T00:00:00Z"))
    early = api.post(f"/documents/{hub}/events", json=event_body("Note", propagateEvent=True))
    assert early.status_code == 400
    assert early.json()["errors"][0]["message"].startswith("externalCreatedAt: ")
    assert "Note" not in _names(api, hub)
