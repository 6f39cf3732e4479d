"""The methodology API end to end through HTTP: the reference MassID of carrot.md §9.2, created through
the documents API, audited by both methodologies; certificates, links, minting, re-audits, errors."""

from __future__ import annotations

import re
from decimal import ROUND_DOWN, Decimal
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from massledger.db.engine import Database
from massledger.methodology.methodologies import methodologies
from massledger.registry.tables import registry_batches, registry_projects
from massledger.registry.verify import verify_registry
from massledger.traceability.tables import documents, events
from massledger.traceability.verify import verify_documents
from tests.conftest import Api, Factory
from tests.methodology import builders as b
from tests.methodology.world import World, make_world, reference_mass_id

RECYCLED_KG = Decimal("3120.48")  # the MassID after sorting (carrot.md §9.2)
# BOLD Carbon by hand: food waste over the baseline "Landfills without flaring of methane gas" prevents
# 0.940301 t CO2e per t (data/bold-carbon-emission-factors.json); the recycler's metrics for the year
# before declare an exceeding emission coefficient of 0.05 t CO2e per t. Kept to 6 decimals, rounded down.
PREVENTED_KG = (RECYCLED_KG * Decimal("0.940301") - RECYCLED_KG * Decimal("0.05")).quantize(
    Decimal("0.000001"), ROUND_DOWN
)
CASES = {
    # slug: (certificate type, value, unit, tonnes minted: the value / 1000, 3 decimals rounded down)
    "bold-recycling": ("RecycledID", RECYCLED_KG, "kg", 3.12),
    "bold-carbon": ("GasID", PREVENTED_KG, "kg CO2e", 2.778),
}


def audit(api: Api, slug: str, document_id: str, **extra: Any) -> httpx.Response:
    return api.post(f"/methodologies/{slug}/audits", json={"documentId": document_id, **extra})


def passed(api: Api, slug: str, document_id: str, **extra: Any) -> dict[str, Any]:
    response = audit(api, slug, document_id, **extra)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    assert body["result"] == "PASSED", [r for r in body["rules"] if r["result"] != "PASSED"]
    return body


def count(db: Database, table: Any) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def message(response: httpx.Response) -> str:
    return str(response.json()["errors"][0]["message"])


def by_name(document: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [event for event in document["events"] if event["name"] == name]


def attributes(event: dict[str, Any]) -> dict[str, Any]:
    return {a["name"]: a["value"] for a in event["metadata"]["attributes"]}


def assert_consistent(db: Database) -> None:
    assert db.run_read(verify_documents)[1] == []
    assert db.run_read(verify_registry)[1] == []


def test_the_reference_mass_id_passes_both_methodologies_and_mints(
    app_client: TestClient, factory: Factory, db: Database
) -> None:
    world = make_world(app_client, factory)
    operator = world.operator
    for slug, (certificate_type, value, unit, tonnes) in CASES.items():
        result = passed(operator, slug, world.mass_id)
        expected_rules = [rule.slug for rule in methodologies()[slug].rules] + ["rewards-distribution"]
        assert [rule["slug"] for rule in result["rules"]] == expected_rules
        assert {rule["result"] for rule in result["rules"]} == {"PASSED"}
        assert (result["certificateType"], result["certificateUnit"]) == (certificate_type, unit)
        assert result["certificateValue"] == float(value)
        credits = result["credits"]
        assert credits["amount"] == tonnes
        assert credits["vintage"] == str(world.vintage)  # the year of the Recycled event
        assert credits["toOrganizationId"] == operator.creds.organization_id
        assert re.fullmatch(rf"ML-BR-\d+-1-P-T-{world.vintage}", credits["serialization"])  # TEST ledger

        certificate = operator.get(f"/documents/{result['certificateDocumentId']}").json()
        assert (certificate["category"], certificate["type"]) == ("Methodology", certificate_type)
        assert Decimal(str(certificate["currentValue"])) == value
        assert certificate["measurementUnit"] == unit
        assert certificate["parentDocumentId"] == result["auditId"]
        [issued] = by_name(certificate, "Credits Issued")
        assert attributes(issued)["Credit Id"] == credits["creditId"]
        [rewards] = by_name(certificate, "rewards-distribution")
        shares = attributes(rewards)["Rule Result Details"]["massIDRewards"]
        assert sum(Decimal(share["massIDPercentage"]) for share in shares) == 100
        [related] = by_name(certificate, "RELATED")
        assert related["relatedDocument"]["documentId"] == world.mass_id

        stored = operator.get(f"/documents/{result['auditId']}").json()
        assert (stored["type"], stored["subtype"], stored["status"]) == ("MassID Audit", "Process", "CLOSED")
        assert stored["parentDocumentId"] == world.mass_id
        assert len(by_name(stored, "RULE EXECUTION")) == len(expected_rules)
        [output] = by_name(stored, "OUTPUT")
        assert output["targetDocumentId"] == result["certificateDocumentId"]
        assert stored["author"]["clientId"] == operator.creds.client_id  # who ran it is recorded

        inventory = operator.get(f"/organizations/{operator.creds.organization_id}/inventory").json()
        held = {c["id"]: c["amount"] for c in inventory["credits"]}
        assert held[credits["creditId"]] == tonnes

    mass = world.integrator.get(f"/documents/{world.mass_id}").json()
    outputs = by_name(mass, "OUTPUT")
    assert [o["target"]["type"] for o in outputs] == ["MassID Audit", "MassID Audit"]
    links = {e["relatedDocument"]["type"] for e in by_name(mass, "RELATED") if e.get("backLinkOf")}
    assert links == {"RecycledID", "GasID"}
    with db.engine.connect() as conn:
        projects = conn.execute(select(registry_projects.c.full_name, registry_projects.c.methodology)).all()
    assert sorted(projects) == [
        ("Compostagem Cajamar LTDA · BOLD Carbon", "BOLD Carbon"),
        ("Compostagem Cajamar LTDA · BOLD Recycling", "BOLD Recycling"),
    ]
    assert_consistent(db)


def test_a_project_per_recycler_and_methodology_is_reused(
    app_client: TestClient, factory: Factory, db: Database
) -> None:
    world = make_world(app_client, factory)
    other = b.mass_id(world.accreditations["Recycler"])
    other.one("Pick-up")["externalCreatedAt"] = "2025-03-10T08:00:01Z"  # another mass: not a duplicate
    second = reference_mass_id(world, other)
    first_credits = passed(world.operator, "bold-recycling", world.mass_id)["credits"]
    second_credits = passed(world.operator, "bold-recycling", second)["credits"]
    assert first_credits["projectId"] == second_credits["projectId"]
    assert first_credits["creditId"] != second_credits["creditId"]
    assert count(db, registry_projects) == 1 and count(db, registry_batches) == 2


def test_a_second_audit_fails_certificate_uniqueness_and_mints_nothing(
    app_client: TestClient, factory: Factory, db: Database
) -> None:
    world = make_world(app_client, factory)
    first = passed(world.operator, "bold-recycling", world.mass_id)
    batches = count(db, registry_batches)
    again = audit(world.operator, "bold-recycling", world.mass_id)
    assert again.status_code == 201
    second = again.json()
    assert second["result"] == "FAILED"
    assert (second["certificateDocumentId"], second["credits"], second["certificateValue"]) == (
        None,
        None,
        None,
    )
    [conflict] = [rule for rule in second["rules"] if rule["result"] != "PASSED"]
    assert conflict["slug"] == "no-conflicting-recycled-id-or-credit"
    assert conflict["message"] == (
        f"The MassID is already certified by RecycledID {first['certificateDocumentId']};"
        f" it already passed the bold-recycling audit {first['auditId']}."
    )
    assert "rewards-distribution" not in [rule["slug"] for rule in second["rules"]]
    assert count(db, registry_batches) == batches
    # The other methodology still certifies the same MassID once.
    assert passed(world.operator, "bold-carbon", world.mass_id)["credits"]["amount"] == 2.778
    assert_consistent(db)


def inventory_action(api: Api, action: str, **body: Any) -> httpx.Response:
    return api.post(f"/organizations/{api.creds.organization_id}/inventory/action/{action}", json=body)


def cancel_certificate(api: Api, done: dict[str, Any]) -> None:
    cancel = {"name": "CANCEL", "externalCreatedAt": done["auditedAt"], "isPublic": True}
    response = api.post(f"/documents/{done['certificateDocumentId']}/events", json=cancel)
    assert response.status_code == 201, response.text


def test_a_cancelled_certificate_frees_the_mass_id_once_its_credits_are_cancelled(
    app_client: TestClient, factory: Factory, db: Database
) -> None:
    world = make_world(app_client, factory)
    first = passed(world.operator, "bold-recycling", world.mass_id)
    credit_id = first["credits"]["creditId"]
    cancel_certificate(world.operator, first)
    # The certificate is cancelled but its 3.12 t are still held: certifying again would credit the same
    # mass twice, so the MassID stays counted until the registry cancels them too.
    blocked = audit(world.operator, "bold-recycling", world.mass_id).json()
    assert blocked["result"] == "FAILED" and blocked["credits"] is None
    conflict = blocked["rules"][1]
    assert conflict["result"] == "FAILED"
    assert conflict["details"]["cancelledCertificatesWithCredits"] == [first["certificateDocumentId"]]
    assert (
        f"cancelled RecycledID {first['certificateDocumentId']}, whose credits are not all cancelled"
        f" (3.12 t still held or retired)" in conflict["message"]
    )
    assert count(db, registry_batches) == 1
    # Cancelling part of them is not enough.
    assert inventory_action(world.operator, "cancel", creditId=credit_id, amount=3).status_code == 200
    assert audit(world.operator, "bold-recycling", world.mass_id).json()["result"] == "FAILED"
    assert inventory_action(world.operator, "cancel", creditId=credit_id, amount=0.12).status_code == 200
    second = passed(world.operator, "bold-recycling", world.mass_id)
    assert second["certificateDocumentId"] != first["certificateDocumentId"]
    assert second["credits"]["creditId"] != credit_id
    assert second["credits"]["amount"] == 3.12
    assert count(db, registry_batches) == 2
    # The new certificate blocks a third audit again.
    assert audit(world.operator, "bold-recycling", world.mass_id).json()["result"] == "FAILED"
    assert_consistent(db)


def test_a_cancelled_certificate_whose_credits_were_retired_never_frees_the_mass_id(
    app_client: TestClient, factory: Factory, db: Database
) -> None:
    world = make_world(app_client, factory)
    first = passed(world.operator, "bold-carbon", world.mass_id)
    retired = inventory_action(
        world.operator,
        "retire",
        creditId=first["credits"]["creditId"],
        amount=1,
        retirementData={"beneficiaryName": "Buyer", "reason": "Offsetting"},
    )
    assert retired.status_code == 200, retired.text
    rest = round(first["credits"]["amount"] - 1, 3)
    cancelled = inventory_action(world.operator, "cancel", creditId=first["credits"]["creditId"], amount=rest)
    assert cancelled.status_code == 200, cancelled.text
    cancel_certificate(world.operator, first)
    again = audit(world.operator, "bold-carbon", world.mass_id).json()
    assert again["result"] == "FAILED"
    assert "(1 t still held or retired)" in again["rules"][1]["message"]
    assert count(db, registry_batches) == 1
    assert_consistent(db)


def test_reading_an_audit_back(app_client: TestClient, factory: Factory) -> None:
    world = make_world(app_client, factory)
    done = passed(world.operator, "bold-carbon", world.mass_id)
    failed = audit(world.operator, "bold-carbon", world.mass_id).json()
    for original in (done, failed):
        read = world.operator.get(f"/methodologies/bold-carbon/audits/{original['auditId']}")
        assert read.status_code == 200
        assert read.json() == original
        assert (
            world.operator.get(f"/v1/methodologies/bold-carbon/audits/{original['auditId']}").json()
            == original
        )
    wrong_methodology = world.operator.get(f"/methodologies/bold-recycling/audits/{done['auditId']}")
    assert wrong_methodology.status_code == 404
    not_an_audit = world.operator.get(f"/methodologies/bold-carbon/audits/{done['certificateDocumentId']}")
    assert not_an_audit.status_code == 404
    unknown = world.operator.get("/methodologies/bold-carbon/audits/00000000-0000-4000-8000-000000000000")
    assert unknown.status_code == 404 and message(unknown).startswith("Audit ")


def test_evaluate_runs_the_rules_and_stores_nothing(
    app_client: TestClient, factory: Factory, db: Database
) -> None:
    world = make_world(app_client, factory)
    before = (count(db, documents), count(db, events), count(db, registry_batches))
    response = world.operator.post("/methodologies/bold-carbon/evaluate", json={"documentId": world.mass_id})
    assert response.status_code == 200
    evaluation = response.json()
    assert evaluation["result"] == "PASSED"
    assert evaluation["certificateValue"] == float(PREVENTED_KG) and evaluation["creditAmount"] == 2.778
    assert len(evaluation["rules"]) == 21
    assert (count(db, documents), count(db, events), count(db, registry_batches)) == before
    # What it says is what an audit then does.
    assert passed(world.operator, "bold-carbon", world.mass_id)["rules"] == evaluation["rules"]


def test_a_failed_audit_is_stored_without_certificate_or_credits(
    app_client: TestClient, factory: Factory, db: Database
) -> None:
    world = make_world(app_client, factory)
    request = b.mass_id(world.accreditations["Recycler"]).drop("Recycled")
    request.one("Pick-up")["externalCreatedAt"] = "2025-03-10T08:00:01Z"  # not a duplicate of the reference
    mass_id = reference_mass_id(world, request)
    result = audit(world.operator, "bold-recycling", mass_id).json()
    assert result["result"] == "FAILED"
    failures = {rule["slug"] for rule in result["rules"] if rule["result"] == "FAILED"}
    assert failures == {"project-period-limit", "composting-cycle-timeframe"}
    assert (result["certificateDocumentId"], result["credits"]) == (None, None)
    stored = world.operator.get(f"/documents/{result['auditId']}").json()
    assert stored["status"] == "CLOSED" and by_name(stored, "OUTPUT") == []
    assert attributes(stored["events"][-2]) == {"Evaluation Result": "FAILED"}
    assert count(db, registry_batches) == 0


def test_without_a_methodology_definition_the_rewards_and_the_audit_fail(
    app_client: TestClient, factory: Factory, db: Database
) -> None:
    world = make_world(app_client, factory, definitions=False)
    result = audit(world.operator, "bold-recycling", world.mass_id).json()
    assert result["result"] == "FAILED"
    [rewards] = [rule for rule in result["rules"] if rule["result"] != "PASSED"]
    assert (rewards["slug"], rewards["message"]) == (
        "rewards-distribution",
        "The methodology definition document was not found.",
    )
    assert result["certificateDocumentId"] is None and count(db, registry_batches) == 0


def _small(world: World, net_kg: float) -> str:
    """A consistent MassID of ``net_kg`` kg picked up (4 % sorted out), 1 s after the reference one."""
    request = b.mass_id(world.accreditations["Recycler"])
    sorted_kg = round(net_kg * 0.96, 6)
    request.one("Pick-up")["externalCreatedAt"] = "2025-03-10T08:00:01Z"
    for name in ("Transport Manifest", "Weighing", "Drop-off"):
        request.one(name)["value"] = net_kg
    request.set("Weighing", "Gross Weight", 3500 + net_kg, format="KILOGRAM")
    request.set("Sorting", "Gross Weight", net_kg, format="KILOGRAM")
    request.set("Sorting", "Deducted Weight", round(net_kg * 0.04, 6), format="KILOGRAM")
    request.one("Sorting")["value"] = sorted_kg
    request.one("Recycling Manifest")["value"] = sorted_kg
    return reference_mass_id(world, request)


def test_less_than_a_kilogram_of_credit_mints_nothing(
    app_client: TestClient, factory: Factory, db: Database
) -> None:
    world = make_world(app_client, factory)
    result = passed(world.operator, "bold-recycling", _small(world, 0.5))
    assert result["certificateValue"] == 0.48  # 0.48 kg = 0.00048 t: rounds down to 0.000 t
    assert result["certificateDocumentId"] is not None and result["credits"] is None
    certificate = world.operator.get(f"/documents/{result['certificateDocumentId']}").json()
    assert by_name(certificate, "Credits Issued") == []
    assert count(db, registry_batches) == 0


def test_credits_go_to_the_named_organization(app_client: TestClient, factory: Factory, db: Database) -> None:
    world = make_world(app_client, factory)
    unknown = audit(world.operator, "bold-recycling", world.mass_id, issueToOrganizationId="nope")
    assert (
        unknown.status_code == 400
        and message(unknown) == "issueToOrganizationId: organization nope was not found"
    )
    assert count(db, registry_batches) == 0 and audit_count(db) == 0
    buyer = Api(app_client, factory.client(factory.organization("Buyer")))
    result = passed(
        world.operator, "bold-recycling", world.mass_id, issueToOrganizationId=buyer.creds.organization_id
    )
    assert result["credits"]["toOrganizationId"] == buyer.creds.organization_id
    inventory = buyer.get(f"/organizations/{buyer.creds.organization_id}/inventory").json()
    assert [(c["id"], c["amount"]) for c in inventory["credits"]] == [(result["credits"]["creditId"], 3.12)]


def audit_count(db: Database) -> int:
    with db.engine.connect() as conn:
        query = select(func.count()).select_from(documents).where(documents.c.type == "MassID Audit")
        return int(conn.execute(query).scalar_one())


def test_a_prod_mass_id_mints_into_the_prod_ledger(app_client: TestClient, factory: Factory) -> None:
    world = make_world(app_client, factory, data_set="PROD")
    credits = passed(world.operator, "bold-carbon", world.mass_id)["credits"]
    assert re.fullmatch(rf"ML-BR-\d+-1-P-L-{world.vintage}", credits["serialization"])
    org = world.operator.creds.organization_id
    prod = world.operator.get(f"/organizations/{org}/inventory").json()["credits"]
    test = world.operator.get(f"/organizations/{org}/inventory", params={"development": "true"}).json()[
        "credits"
    ]
    assert [c["id"] for c in prod] == [credits["creditId"]] and test == []


@pytest.mark.parametrize("route", ["audits", "evaluate"])
def test_refusals(app_client: TestClient, factory: Factory, db: Database, route: str) -> None:
    world = make_world(app_client, factory)
    path = f"/methodologies/bold-recycling/{route}"
    unknown_slug = world.operator.post(
        f"/methodologies/bold-nothing/{route}", json={"documentId": world.mass_id}
    )
    assert unknown_slug.status_code == 404 and "bold-nothing" in message(unknown_slug)
    unknown = world.operator.post(path, json={"documentId": "00000000-0000-4000-8000-000000000000"})
    assert unknown.status_code == 404
    stranger = Api(
        app_client, factory.client(factory.organization("Stranger"), scopes=world.operator.creds.scopes)
    )
    assert stranger.post(path, json={"documentId": world.mass_id}).status_code == 403
    prod = Api(
        app_client, factory.client(world.operator.creds.organization_id, "PROD", world.operator.creds.scopes)
    )
    assert prod.post(path, json={"documentId": world.mass_id}).status_code == 404
    extra = world.operator.post(path, json={"documentId": world.mass_id, "force": True})
    assert extra.status_code == 400 and "force" in message(extra)
    if route == "audits":
        accreditation = world.operator.post(path, json={"documentId": world.accreditations["Recycler"]})
        assert accreditation.status_code == 400 and "not a MassID" in message(accreditation)
    integrator = world.integrator.post(path, json={"documentId": world.mass_id})  # lacks methodology:run
    assert integrator.status_code == 403 and "methodology:run" in message(integrator)
    assert audit_count(db) == 0 and count(db, registry_batches) == 0


def test_a_cancelled_mass_id_is_not_audited(app_client: TestClient, factory: Factory, db: Database) -> None:
    world = make_world(app_client, factory)
    request = b.mass_id(world.accreditations["Recycler"])
    request.one("Pick-up")["externalCreatedAt"] = "2025-03-10T08:00:01Z"
    request.events[-1] = b.event("CANCEL", "2025-06-11T10:00:00Z")
    cancelled = reference_mass_id(world, request)
    response = audit(world.operator, "bold-recycling", cancelled)
    assert response.status_code == 409 and "CANCELLED" in message(response)
    assert audit_count(db) == 0
    # Cancelled duplicates are ignored: the reference MassID still passes.
    assert passed(world.operator, "bold-recycling", world.mass_id)["rules"][0]["result"] == "PASSED"


def test_the_methodology_list(app_client: TestClient) -> None:
    listing = app_client.get("/methodologies").json()["methodologies"]
    assert [(m["slug"], m["certificateType"], len(m["rules"])) for m in listing] == [
        ("bold-recycling", "RecycledID", 19),
        ("bold-carbon", "GasID", 20),
    ]
    assert listing[1]["rules"][-1] == {
        "order": 20,
        "slug": "prevented-emissions",
        "name": "Prevented Emissions",
    }
