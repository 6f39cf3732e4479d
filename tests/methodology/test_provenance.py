"""GET /public/credits/{creditId}/provenance: a retired credit leads back, without a token, to the MassID
it was minted from and its weighing; every hash chain is recomputed here from the answer alone."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fastapi.testclient import TestClient

from massledger.canonical import link_hash
from tests.conftest import Factory
from tests.methodology import builders as b
from tests.methodology.test_api import passed
from tests.methodology.world import make_world, reference_mass_id
from tests.registry.helpers import retire_body

GENESIS = "massledger:document:v1"


def verify_chain(entry: dict[str, Any]) -> None:
    """Recompute a document's chain from its digests: genesis, every link in order, the head."""
    chain = entry["chain"]
    assert link_hash(GENESIS, chain["creationDigest"]) == chain["genesisHash"]
    previous = chain["genesisHash"]
    for seq, link in enumerate(chain["events"], start=1):
        assert link["seq"] == seq
        previous = link_hash(previous, link["bodyDigest"])
        assert previous == link["hash"], f"event {link['id']} does not chain"
    assert previous == chain["headHash"]


def events_named(entry: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [event for event in entry["document"]["events"] if event["name"] == name]


def test_a_retired_credit_leads_back_to_the_weighing(app_client: TestClient, factory: Factory) -> None:
    world = make_world(app_client, factory)
    result = passed(world.operator, "bold-recycling", world.mass_id)
    credit_id = result["credits"]["creditId"]
    org = world.operator.creds.organization_id
    retired = world.operator.post(
        f"/organizations/{org}/inventory/action/retire", json=retire_body(credit_id, 1.5)
    )
    assert retired.status_code == 200, retired.text

    response = app_client.get(f"/public/credits/{credit_id}/provenance")  # no token
    assert response.status_code == 200
    provenance = response.json()
    assert provenance["creditId"] == credit_id and provenance["methodology"] == "bold-recycling"
    assert provenance["serialization"] == result["credits"]["serialization"]
    assert provenance["vintage"] == str(world.vintage) and provenance["dataSetName"] == "TEST"
    assert provenance["amounts"] == {
        "supply": 3.12,
        "buffer": 0,
        "retired": 1.5,
        "cancelled": 0,
        "converted": 0,
    }
    assert provenance["project"]["methodology"] == "BOLD Recycling"
    [link] = provenance["certificates"]
    certificate, audit, mass = link["certificate"], link["audit"], link["massId"]
    assert link["certificateRecordsCredit"] is True
    assert (certificate["documentId"], audit["documentId"], mass["documentId"]) == (
        result["certificateDocumentId"],
        result["auditId"],
        world.mass_id,
    )
    for entry in (certificate, audit, mass):
        verify_chain(entry)
        # Public events come with their masked body; private ones only as digests.
        public = {link["id"] for link in entry["chain"]["events"] if link["isPublic"]}
        assert {event["id"] for event in entry["document"]["events"]} == public

    # certificate → audit → MassID, as the hashed records say
    assert certificate["document"]["parentDocumentId"] == audit["documentId"]
    assert audit["document"]["parentDocumentId"] == mass["documentId"]
    [output] = events_named(audit, "OUTPUT")
    assert output["targetDocumentId"] == certificate["documentId"]
    [issued] = events_named(certificate, "Credits Issued")
    assert {a["name"]: a["value"] for a in issued["metadata"]["attributes"]}["Credit Id"] == credit_id
    assert [r["name"] for r in events_named(audit, "RULE EXECUTION")[0]["metadata"]["attributes"]] == [
        "Rule Slug",
        "Rule Name",
        "Rule Execution Order",
        "Rule Result",
    ]  # messages and details stay private

    # ... and back to the weighed waste
    [weighing] = events_named(mass, "Weighing")
    assert weighing["value"] == 3250.5
    assert weighing["id"] in {link["id"] for link in mass["chain"]["events"]}
    weights = {a["name"]: a["value"] for a in weighing["metadata"]["attributes"]}
    assert (weights["Gross Weight"], weights["Tare"]) == (6750.5, 3500)
    assert weights["Vehicle License Plate"] == "AB****3"  # sensitive: masked
    assert mass["document"]["participant"]["name"] != b.GENERATOR["name"]  # the generator is private
    private = [link for link in mass["chain"]["events"] if not link["isPublic"]]
    assert len(private) == 3  # Waste Generator and Hauler ACTORs, the grant to the auditor

    tampered = copy.deepcopy(mass)
    tampered["chain"]["events"][5]["bodyDigest"] = "0" * 64
    with pytest.raises(AssertionError):
        verify_chain(tampered)


def test_private_documents_show_only_their_chains(app_client: TestClient, factory: Factory) -> None:
    world = make_world(app_client, factory)
    request = b.mass_id(world.accreditations["Recycler"])
    request.body["isPublic"] = False
    request.one("Pick-up")["externalCreatedAt"] = "2025-03-10T08:00:01Z"
    mass_id = reference_mass_id(world, request)
    credit_id = passed(world.operator, "bold-carbon", mass_id)["credits"]["creditId"]
    [link] = app_client.get(f"/public/credits/{credit_id}/provenance").json()["certificates"]
    for key in ("certificate", "audit", "massId"):  # the audit and the certificate follow the MassID
        assert link[key]["isPublic"] is False and link[key]["document"] is None
        verify_chain(link[key])
    assert link["certificateRecordsCredit"] is True


def test_unknown_credits_and_credits_of_no_methodology(app_client: TestClient, factory: Factory) -> None:
    for credit_id in ("nothing", "exPost-1-0x0000000000000000000000000000000000000000"):
        response = app_client.get(f"/public/credits/{credit_id}/provenance")
        assert response.status_code == 404
        assert response.json()["errors"][0]["code"] == "objectNotFound"
    world = make_world(app_client, factory)
    org = world.operator.creds.organization_id
    serialization = world.operator.get(f"/organizations/{org}/friendbot").json()["serialization"]
    inventory = world.operator.get(f"/organizations/{org}/inventory").json()["credits"]
    credit_id = next(c["id"] for c in inventory if c["serialization"] == serialization)
    provenance = app_client.get(f"/v1/public/credits/{credit_id}/provenance").json()
    assert (provenance["methodology"], provenance["certificates"]) == (None, [])
    assert provenance["amounts"]["supply"] == 100
