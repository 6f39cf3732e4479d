"""RELATED and LINK: back-links on the related document, refusals naming relatedDocument.*, permission to
write the back-link on another organization's document, concurrent cross relations."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from fastapi.testclient import TestClient

from massledger.traceability.verify import verify_documents
from tests.conftest import Api, Factory
from tests.traceability.helpers import document_body, event_body


def _document(api: Api, **overrides: Any) -> str:
    return str(api.post("/documents", json=document_body(**overrides)).json()["id"])


def _events(api: Api, document_id: str) -> list[dict[str, Any]]:
    return list(api.get(f"/documents/{document_id}").json()["events"])


def _relate(
    api: Api, source: str, target: str, name: str = "RELATED", label: str | None = None, **related: Any
) -> httpx.Response:
    body = event_body(name, label=label, relatedDocument={"documentId": target, **related})
    return api.post(f"/documents/{source}/events", json=body)


def _error(response: httpx.Response) -> str:
    return str(response.json()["errors"][0]["message"])


def test_related_writes_a_back_link_unless_bidirectional_is_false(operator: Api, factory: Factory) -> None:
    api = operator  # writes Methodology documents, which need methodology:run
    audit = _document(api, category="Methodology", type="MassID Audit", subtype="Process")
    mass = _document(api)
    response = _relate(api, audit, mass, label="MassID")
    assert response.status_code == 201
    [forward] = _events(api, audit)
    assert forward["relatedDocument"] == {
        "documentId": mass,
        "category": "MassID",
        "type": "Organic",
        "subtype": "Food, Food Waste and Beverages",
        "bidirectional": True,
    }
    [back] = _events(api, mass)
    assert back["name"] == "RELATED" and back["label"] == "MassID"
    assert back["relatedDocument"]["documentId"] == audit
    assert back["relatedDocument"]["category"] == "Methodology"
    assert back["backLinkOf"] == {"documentId": audit, "eventId": response.json()["eventId"]}
    assert back["externalCreatedAt"] == forward["externalCreatedAt"]

    assert _relate(api, audit, mass, "LINK", bidirectional=False).status_code == 201
    assert len(_events(api, audit)) == 2 and len(_events(api, mass)) == 1
    assert _events(api, audit)[1]["relatedDocument"]["bidirectional"] is False
    checked, problems = factory.database.run_read(verify_documents)
    assert problems == [] and checked["events"] == 3


def test_unknown_other_data_set_and_self_relations_are_refused(
    app_client: TestClient, api: Api, factory: Factory
) -> None:
    document_id = _document(api)
    prod = Api(app_client, factory.client(api.creds.organization_id, "PROD"))
    prod_document = _document(prod)
    for target in ("00000000-0000-4000-8000-000000000000", prod_document):
        for bidirectional in (True, False):
            response = _relate(api, document_id, target, bidirectional=bidirectional)
            assert response.status_code == 400
            assert _error(response).startswith("relatedDocument.documentId: ")
            assert "was not found in the TEST data set" in _error(response)
    itself = _relate(api, document_id, document_id)
    assert itself.status_code == 400 and "relatedDocument.documentId" in _error(itself)
    mismatch = _relate(api, document_id, _document(api), category="Methodology")
    assert mismatch.status_code == 400 and _error(mismatch).startswith("relatedDocument.category: ")
    custom = api.post(
        f"/documents/{document_id}/events",
        json=event_body("MassID", relatedDocument={"documentId": _document(api), "bidirectional": True}),
    )
    assert custom.status_code == 400 and "relatedDocument.bidirectional" in _error(custom)
    assert _events(api, document_id) == [] and _events(prod, prod_document) == []


def test_references_on_custom_events_write_no_back_link(operator: Api) -> None:
    api = operator  # writes Methodology documents, which need methodology:run
    certificate = _document(api, category="Methodology", type="RecycledID")
    mass = _document(api)
    body = event_body("MassID", relatedDocument={"documentId": mass})
    assert api.post(f"/documents/{certificate}/events", json=body).status_code == 201
    assert _events(api, certificate)[0]["relatedDocument"]["type"] == "Organic"
    assert _events(api, mass) == []


def test_back_link_respects_the_related_documents_status_and_order(api: Api) -> None:
    source = _document(api)
    cancelled, closed, later = _document(api), _document(api), _document(api)
    api.post(f"/documents/{cancelled}/events", json=event_body("CANCEL"))
    api.post(f"/documents/{closed}/events", json=event_body("CLOSE"))
    api.post(f"/documents/{later}/events", json=event_body("Weighing", at="2025-03-11T00:00:00Z"))

    refused = _relate(api, source, cancelled)
    assert refused.status_code == 409
    assert _error(refused).startswith("relatedDocument.documentId: ") and "CANCELLED" in _error(refused)
    assert _relate(api, source, cancelled, bidirectional=False).status_code == 201
    assert _relate(api, source, closed).status_code == 201
    assert [e["name"] for e in _events(api, closed)] == ["CLOSE", "RELATED"]
    early = _relate(api, source, later)
    assert early.status_code == 400
    assert _error(early).startswith("externalCreatedAt: ") and later in _error(early)
    assert len(_events(api, source)) == 2


def test_back_link_on_another_organizations_document_needs_write_there(
    app_client: TestClient, factory: Factory
) -> None:
    owner = Api(app_client, factory.client(factory.organization("Recycler")))
    partner = Api(app_client, factory.client(factory.organization("Methodology")))
    theirs = _document(owner)
    mine = _document(partner)

    for bidirectional in (True, False):
        response = _relate(partner, mine, theirs, bidirectional=bidirectional)
        assert response.status_code == 403
        assert response.json()["errors"][0]["code"] == "restrictedResource"
        assert _error(response).startswith("relatedDocument.documentId: ")

    grant = {"effect": "ALLOW", "actions": ["WRITE"], "condition": {"$in": {"eventNames": ["RELATED"]}}}
    actor = event_body(
        "ACTOR", label="Auditor", participantId=partner.creds.participant_id, permissions=[grant]
    )
    assert owner.post(f"/documents/{theirs}/events", json=actor).status_code == 201

    assert _relate(partner, mine, theirs).status_code == 201
    assert _relate(partner, mine, theirs, "LINK").status_code == 403  # only RELATED was granted
    assert _relate(partner, mine, theirs, "LINK", bidirectional=False).status_code == 403  # no READ
    assert [e["name"] for e in _events(owner, theirs)] == ["ACTOR", "RELATED"]
    assert _events(owner, theirs)[1]["author"]["participantId"] == partner.creds.participant_id


def test_concurrent_cross_relations_all_succeed(live: httpx.Client, factory: Factory) -> None:
    api = Api(live, factory.client())
    first, second = _document(api), _document(api)

    def relate(index: int) -> httpx.Response:
        source, target = (first, second) if index % 2 else (second, first)
        return _relate(api, source, target, label=f"link {index}")

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(relate, range(24)))
    assert [r.status_code for r in responses] == [201] * 24
    assert len(_events(api, first)) == len(_events(api, second)) == 24
    checked, problems = factory.database.run_read(verify_documents)
    assert problems == [] and checked["events"] == 48
