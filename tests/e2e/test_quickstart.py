"""Seed 000 Quick Start, with the seeds' own request bodies (plus participant and address), over real HTTP
against `massledger serve`, with credentials made by the CLI."""

from __future__ import annotations

import json

import httpx

from tests.conftest import LiveServer, cli

PARTICIPANT = {
    "countryCode": "BR",
    "name": "João da Fonseca",
    "taxId": "11111111111",
    "taxIdType": "CPF",
    "type": "COMPANY",
    "businessName": "Compostagem Corporate LTDA",
    "email": "joaodaf.54@gmail.com",
    "mobileNumber": "+551123456789",
    "telephoneNumber": "+551146425858",
}
ADDRESS = {
    "city": "São Paulo",
    "complement": "Apto. 50",
    "countryCode": "BR",
    "countryState": "São Paulo",
    "latitude": -23.5489,
    "longitude": -46.6388,
    "name": "Edifício Jardins de Monet",
    "neighborhood": "José Bonifácio",
    "number": "500",
    "street": "Rua das Colinas",
    "zipCode": "08575720",
}
DOCUMENT_KEYS = {
    "address",
    "author",
    "category",
    "createdAt",
    "currentValue",
    "events",
    "externalCreatedAt",
    "externalId",
    "id",
    "isPublic",
    "isPubliclySearchable",
    "measurementUnit",
    "parentDocumentId",
    "participant",
    "primaryAddress",
    "primaryParticipant",
    "shortTitle",
    "status",
    "subtype",
    "tags",
    "title",
    "type",
}
EVENT_KEYS = {
    "id",
    "name",
    "label",
    "externalCreatedAt",
    "externalId",
    "isPublic",
    "metadata",
    "participant",
    "address",
    "author",
    "value",
    "relatedDocument",
    "target",
    "tags",
}


def test_quick_start_end_to_end(live_server: LiveServer, live: httpx.Client) -> None:
    organization = json.loads(
        cli(["orgs", "create", "--name", "Compostagem Corporate", "--json"], live_server.env).stdout
    )
    created = cli(
        ["clients", "create", "--org", organization["id"], "--data-set", "TEST", "--json"], live_server.env
    )
    credentials = json.loads(created.stdout)
    assert set(credentials) >= {"clientId", "clientSecret", "scopes", "dataSetName", "organizationId"}

    # 1) Request an access token exactly as the seed does.
    token_response = live.post(
        "/oauth2/token",
        auth=(credentials["clientId"], credentials["clientSecret"]),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        content="grant_type=client_credentials&scope=api.carrot.eco%2Fmain-scope",
    )
    assert token_response.status_code == 200, token_response.text
    token = token_response.json()
    assert token["token_type"] == "Bearer" and token["expires_in"] == 3600
    assert token["scope"] == "api.carrot.eco/main-scope"
    auth = {"Authorization": f"Bearer {token['access_token']}"}

    # 2) Create a document: the seed's body plus participant and address.
    create_body = {
        "category": "DOCUMENT",
        "externalCreatedAt": "2020-01-01T00:00:00.000Z",
        "isPublic": True,
        "isPubliclySearchable": True,
        "type": "ORGANIC",
        "participant": PARTICIPANT,
        "address": ADDRESS,
    }
    created_doc = live.post("/documents", json=create_body, headers=auth)
    assert created_doc.status_code == 201, created_doc.text
    document_id = created_doc.json()["id"]

    # 3) Batch: the seed's batch body (with the documentId it needs), then one event as in the seed.
    batch = live.post(
        "/documents/events",
        json={
            "documentId": document_id,
            "events": [
                {"externalCreatedAt": "2020-01-01T00:00:00.000Z", "isPublic": True, "name": "Pick-up"}
            ],
        },
        headers=auth,
    )
    assert batch.status_code == 201, batch.text
    assert batch.json()["documentId"] == document_id
    assert len(batch.json()["events"][0]["eventId"]) == 21
    single = live.post(
        f"/documents/{document_id}/events",
        json={"externalCreatedAt": "2020-01-01T00:00:00.000Z", "isPublic": True, "name": "CLOSE"},
        headers=auth,
    )
    assert single.status_code == 201, single.text
    assert single.json()["documentId"] == document_id
    assert len(single.json()["eventId"]) == 21

    # 4) Retrieve and validate state.
    fetched = live.get(f"/documents/{document_id}", headers=auth)
    assert fetched.status_code == 200
    document = fetched.json()
    assert set(document) >= DOCUMENT_KEYS
    assert document["status"] == "CLOSED"
    assert document["category"] == "DOCUMENT" and document["type"] == "ORGANIC"
    assert [event["name"] for event in document["events"]] == ["Pick-up", "CLOSE"]
    assert all(set(event) >= EVENT_KEYS for event in document["events"])
    assert document["events"][1]["id"] == single.json()["eventId"]
    for key, value in PARTICIPANT.items():
        assert document["participant"][key] == value
        assert document["primaryParticipant"][key] == value
    for key, value in ADDRESS.items():
        assert document["address"][key] == value
    assert document["author"]["participantId"] == credentials["participantId"]

    # The same API under /v1.
    assert live.get(f"/v1/documents/{document_id}", headers=auth).json()["id"] == document_id

    # And the stored chain verifies.
    report = json.loads(cli(["verify", "--json"], live_server.env).stdout)
    assert report["ok"] is True
    assert report["checked"]["events"] == 2
