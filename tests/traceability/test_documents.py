"""POST /documents and GET /documents/{id} (seed 001)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import Api, Factory
from tests.traceability.helpers import ADDRESS, PARTICIPANT, document_body, event_body


def test_create_and_read_back_with_every_optional_field(api: Api) -> None:
    body = document_body(
        deduplicationId="dedup-1",
        tags=["pilot", "2025"],
        title="MassID",
        shortTitle="MID",
        measurementUnit="kg",
        externalId="WG-2025-000123",
    )
    created = api.post("/documents", json=body)
    assert created.status_code == 201
    document_id = created.json()["id"]
    document = api.get(f"/documents/{document_id}").json()
    assert document["id"] == document_id
    assert document["category"] == "MassID" and document["subtype"] == "Food, Food Waste and Beverages"
    assert document["tags"] == ["pilot", "2025"]
    assert document["title"] == "MassID" and document["shortTitle"] == "MID"
    assert document["externalId"] == "WG-2025-000123"
    assert document["externalCreatedAt"] == "2025-03-10T08:00:00.000Z"
    assert document["status"] == "OPEN" and document["currentValue"] == 0
    assert document["events"] == [] and document["parentDocumentId"] is None
    assert document["dataSetName"] == "TEST"
    assert document["participant"]["taxId"] == PARTICIPANT["taxId"]
    assert document["address"]["street"] == ADDRESS["street"]
    assert document["author"]["participantId"] == api.creds.participant_id


def test_inline_participant_and_address_resolve_to_reusable_ids(api: Api) -> None:
    first = api.get(f"/documents/{api.post('/documents', json=document_body()).json()['id']}").json()
    participant_id, address_id = first["participant"]["id"], first["address"]["id"]
    # Same identity inline again (address spacing/case differ) -> same ids.
    again = document_body(address={**ADDRESS, "street": "  rua das   colinas "})
    second = api.get(f"/documents/{api.post('/documents', json=again).json()['id']}").json()
    assert second["participant"]["id"] == participant_id
    assert second["address"]["id"] == address_id
    by_ids = document_body(participant=None, address=None, participantId=participant_id, addressId=address_id)
    del by_ids["participant"], by_ids["address"]
    third = api.post("/documents", json=by_ids)
    assert third.status_code == 201
    assert api.get(f"/documents/{third.json()['id']}").json()["participant"]["id"] == participant_id


def test_missing_and_conflicting_references_name_the_field(api: Api) -> None:
    for missing in ("category", "type", "externalCreatedAt", "isPublic", "isPubliclySearchable"):
        body = document_body()
        del body[missing]
        response = api.post("/documents", json=body)
        assert response.status_code == 400, missing
        assert missing in response.json()["errors"][0]["message"]
    no_participant = document_body()
    del no_participant["participant"]
    response = api.post("/documents", json=no_participant)
    assert response.status_code == 400 and "participant" in response.json()["errors"][0]["message"]
    both = document_body(participantId="00000000-0000-4000-8000-000000000000")
    response = api.post("/documents", json=both)
    assert response.status_code == 400 and "participant" in response.json()["errors"][0]["message"]
    unknown = document_body(addressId="00000000-0000-4000-8000-000000000000")
    del unknown["address"]
    response = api.post("/documents", json=unknown)
    assert response.status_code == 400 and "addressId" in response.json()["errors"][0]["message"]
    wrong_type = api.post("/documents", json=document_body(isPublic="yes"))
    assert wrong_type.status_code == 400 and "isPublic" in wrong_type.json()["errors"][0]["message"]
    extra = api.post("/documents", json=document_body(colour="green"))
    assert extra.status_code == 400 and "colour" in extra.json()["errors"][0]["message"]


def test_documents_cannot_be_replaced_patched_or_deleted(api: Api) -> None:
    document_id = api.post("/documents", json=document_body()).json()["id"]
    for method in ("PUT", "PATCH", "DELETE"):
        response = api.http.request(method, f"/documents/{document_id}", headers=api.headers, json={})
        assert response.status_code == 405
        assert response.json()["errors"][0]["code"] == "methodNotAllowed"
    assert api.get(f"/documents/{document_id}").json()["status"] == "OPEN"


def test_data_sets_and_organizations_are_isolated(app_client: TestClient, factory: Factory) -> None:
    organization = factory.organization("Shared Org")
    test_client = Api(app_client, factory.client(organization, "TEST"))
    prod_client = Api(app_client, factory.client(organization, "PROD"))
    stranger = Api(app_client, factory.client(None, "TEST"))
    document_id = prod_client.post("/documents", json=document_body()).json()["id"]

    for response in (
        test_client.get(f"/documents/{document_id}"),
        test_client.post(f"/documents/{document_id}/events", json=event_body()),
        test_client.post("/documents/events", json={"documentId": document_id, "events": [event_body()]}),
    ):
        assert response.status_code == 404
        assert response.json()["errors"][0]["code"] == "objectNotFound"
    # Same data set, other organization, not granted: restricted.
    test_doc = test_client.post("/documents", json=document_body()).json()["id"]
    assert stranger.get(f"/documents/{test_doc}").status_code == 403
    assert stranger.post(f"/documents/{test_doc}/events", json=event_body()).status_code == 403
    # Participants of one data set are not visible from the other.
    prod_participant = prod_client.get(f"/documents/{document_id}").json()["participant"]["id"]
    body = document_body(participantId=prod_participant)
    del body["participant"]
    assert test_client.post("/documents", json=body).status_code == 400
    assert prod_client.get(f"/documents/{document_id}").json()["events"] == []
