"""Accreditations and definitions decide eligibility, so an integrator must not be able to write them: only
methodology:run clients (and the system) write Methodology documents, and the engine reads only documents
written so, and only the events their own organization appended."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
from fastapi.testclient import TestClient
from sqlalchemy import Connection, select

from massledger.ids import new_uuid, now_us, us_to_iso
from massledger.traceability import service
from massledger.traceability.permissions import system_principal
from massledger.traceability.tables import documents
from tests.conftest import OPERATOR_SCOPES, Api, Factory
from tests.methodology import builders as b
from tests.methodology.world import make_world, shift_years
from tests.traceability.helpers import document_body, event_body, target_body


def message(response: httpx.Response) -> str:
    return str(response.json()["errors"][0]["message"])


def evaluate(api: Api, document_id: str) -> dict[str, Any]:
    response = api.post("/methodologies/bold-recycling/evaluate", json={"documentId": document_id})
    assert response.status_code == 200, response.text
    return dict(response.json())


def failures(evaluation: dict[str, Any]) -> list[str]:
    return [rule["slug"] for rule in evaluation["rules"] if rule["result"] != "PASSED"]


def test_only_methodology_run_writes_methodology_documents(app_client: TestClient, factory: Factory) -> None:
    integrator = Api(app_client, factory.client())
    accreditation = b.accreditation("Recycler", b.RECYCLER, b.YARD).body
    refused = integrator.post("/documents", json=accreditation)
    assert refused.status_code == 403 and message(refused).startswith("category: ")
    assert "methodology:run" in message(refused)
    mass_id = integrator.post("/documents", json=document_body()).json()["id"]
    output = event_body("OUTPUT", target=target_body(1, category="Methodology", type="RecycledID"))
    refused = integrator.post(f"/documents/{mass_id}/events", json=output)
    assert refused.status_code == 403 and message(refused).startswith("target.category: ")

    operator_org = factory.organization("Operator")
    operator = Api(app_client, factory.client(operator_org, scopes=OPERATOR_SCOPES))
    created = operator.post("/documents", json=accreditation)
    assert created.status_code == 201
    document_id = created.json()["id"]
    # Another client of the operator's own organization, without the scope, may not append to it.
    colleague = Api(app_client, factory.client(operator_org))
    refused = colleague.post(f"/documents/{document_id}/events", json=event_body("Accreditation Result"))
    assert refused.status_code == 403 and message(refused).startswith("name: ")
    assert operator.post(f"/documents/{document_id}/events", json=event_body("Note")).status_code == 201

    with factory.database.engine.connect() as conn:
        bodies = dict(conn.execute(select(documents.c.id, documents.c.body)).all())
    assert orjson.loads(bodies[document_id])["methodologyAuthority"] is True
    assert "methodologyAuthority" not in orjson.loads(bodies[mass_id])


def test_events_of_other_organizations_on_an_accreditation_are_ignored(
    app_client: TestClient, factory: Factory
) -> None:
    world = make_world(app_client, factory)
    recycler = world.accreditations["Recycler"]
    assert failures(evaluate(world.operator, world.mass_id)) == []
    # A second operator, granted WRITE on the first operator's recycler accreditation, rejects it.
    other = Api(app_client, factory.client(factory.organization("Other operator"), scopes=OPERATOR_SCOPES))
    grant = event_body(
        "ACTOR",
        at=shift_years("2025-01-16T00:00:00Z", world.years),
        label="Auditor",
        participantId=other.creds.participant_id,
        permissions=[{"effect": "ALLOW", "actions": ["READ", "WRITE"]}],
    )
    assert world.operator.post(f"/documents/{recycler}/events", json=grant).status_code == 201
    rejection = shift_years(
        b.event(
            "Accreditation Result",
            "2025-01-17T00:00:00Z",
            b.attr("Accreditation Status", "Rejected"),
            b.attr("Effective Date", "2025-01-01", format="DATE"),
        ),
        world.years,
    )
    assert other.post(f"/documents/{recycler}/events", json=rejection).status_code == 201
    assert failures(evaluate(world.operator, world.mass_id)) == []
    # The same event from the accreditation's own organization counts.
    assert world.operator.post(f"/documents/{recycler}/events", json=rejection).status_code == 201
    assert failures(evaluate(world.operator, world.mass_id)) == [
        "participant-accreditations-and-verifications-requirements",
        "geolocation-and-address-precision",
        "weighing",
        "mass-id-sorting",
    ]


def _insert_accreditation(
    conn: Connection, world_operator: Api, participant_id: str, address_id: str, authority: bool
) -> str:
    """An Integrator accreditation stored directly, as one written before writing Methodology documents
    needed methodology:run (no ``methodologyAuthority``), or with it."""
    creds = world_operator.creds
    principal = system_principal(creds.organization_id, creds.participant_id, creds.data_set, creds.client_id)
    document_id = new_uuid()
    creation = {
        "id": document_id,
        "dataSetName": creds.data_set,
        "author": service.author_of(principal),
        "category": "Methodology",
        "type": "Participant Accreditation",
        "subtype": "Integrator",
        "externalCreatedAt": "2025-01-15T12:00:00.000Z",
        "externalId": None,
        "isPublic": True,
        "isPubliclySearchable": False,
        "participantId": participant_id,
        "addressId": address_id,
        "tags": [],
        "title": None,
        "shortTitle": None,
        "measurementUnit": "kg",
        "deduplicationId": None,
        "parentDocumentId": None,
        "currentValue": "0",
        "createdAt": us_to_iso(now_us()),
    }
    if authority:
        creation["methodologyAuthority"] = True
    service.insert_new_document(conn, creation, principal, now_us())
    return document_id


def test_methodology_documents_written_without_the_authority_are_ignored(
    app_client: TestClient, factory: Factory
) -> None:
    world = make_world(app_client, factory)
    mass = world.integrator.get(f"/documents/{world.mass_id}").json()
    [integrator] = [e for e in mass["events"] if e["name"] == "ACTOR" and e["label"] == "Integrator"]
    ids = (integrator["participant"]["id"], integrator["address"]["id"])
    factory.database.run_write(_insert_accreditation, world.operator, *ids, False)
    assert failures(evaluate(world.operator, world.mass_id)) == []
    # A second valid Integrator accreditation that is trusted makes the accreditation ambiguous.
    factory.database.run_write(_insert_accreditation, world.operator, *ids, True)
    assert failures(evaluate(world.operator, world.mass_id)) == [
        "participant-accreditations-and-verifications-requirements"
    ]
