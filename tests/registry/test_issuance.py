"""Issuance: serializations, buffer, the ex-ante cap and its pro-rata conversion, provenance for the
methodology engine, projects and the admin API."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from massledger.db.engine import Database
from massledger.errors import ApiError, NotFound
from massledger.registry import issuance
from massledger.registry.serials import parse_serialization
from tests.conftest import Factory
from tests.registry.helpers import ADMIN_SCOPES, Member, assert_invariants


def _project(database: Database, key: str = "site-1", **extra: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "external_key": key,
        "full_name": "Composting site 1",
        "methodology": "BOLD Carbon",
        "country_code": "BR",
        "data_set": "TEST",
        **extra,
    }
    return dict(database.run_write(lambda conn: issuance.ensure_project(conn, **values)))


def _issue(
    database: Database, project: dict[str, Any], amount_t: float, credit_type: str, to: str, **extra: Any
) -> issuance.IssuedBatch:
    return database.run_write(
        lambda conn: issuance.issue_credits(
            conn,
            project_id=project["id"],
            vintage=extra.pop("vintage", 2030),
            amount_kg=int(amount_t * 1000),
            credit_type=credit_type,
            to_organization_id=to,
            **extra,
        )
    )


@pytest.fixture
def members(app_client: TestClient, factory: Factory) -> tuple[Member, Member, Member]:
    return tuple(Member(app_client, factory, factory.organization(name)) for name in ("A", "B", "C"))  # type: ignore[return-value]


def test_serializations_are_unique_and_parse_back(
    db: Database, members: tuple[Member, Member, Member]
) -> None:
    a = members[0]
    project = _project(db)
    other = _project(db, "site-2", country_code="PT")
    batches = [_issue(db, project, 10, "exPost", a.org) for _ in range(3)] + [
        _issue(db, other, 1, "exPost", a.org)
    ]
    serials = [b.batch.serialization for b in batches]
    assert len(set(serials)) == 4
    parsed = [parse_serialization(s) for s in serials]
    assert [p.token_id for p in parsed] == [1, 2, 3, 1]
    assert {p.project_num for p in parsed[:3]} == {project["num"]} and parsed[3].project_num == other["num"]
    assert parsed[3].country_code == "PT" and all(p.data_set == "TEST" and p.vintage == 2030 for p in parsed)
    assert_invariants(db)


def test_buffer_share_goes_to_the_buffer_account(
    db: Database, members: tuple[Member, Member, Member]
) -> None:
    a = members[0]
    project = _project(db, buffer_percentage=12.5)
    issued = _issue(db, project, 100, "exPost", a.org)
    assert issued.buffer_kg == 12_500 and issued.amount_kg == 87_500 and issued.ranges == [(1, 87_500)]
    assert a.inventory()["credits"][0]["serialRanges"] == ["1-87500"]
    summary = a.get(f"/carbonCredits/projects/{project['id']}").json()["summary"]
    assert summary["buffer"] == 12.5 and summary["exPost"] == 100
    assert_invariants(db)


def test_ex_ante_cap_and_pro_rata_conversion(db: Database, members: tuple[Member, Member, Member]) -> None:
    a, b, c = members
    project = _project(db, estimated_annual_mitigations_kg={2030: 1_000_000})
    ex_ante = _issue(db, project, 500, "exAnte", a.org)
    with pytest.raises(ApiError, match="ex-ante cap exceeded: at most 500 t"):
        _issue(db, project, 0.001, "exAnte", a.org)
    with pytest.raises(ApiError, match="no estimated mitigations for 2031"):
        _issue(db, project, 1, "exAnte", a.org, vintage=2031)
    assert (
        a.act("transfer", creditId=ex_ante.credit_id, amount=200, toOrganizationId=b.org).status_code == 200
    )

    verified = _issue(db, project, 400, "exPost", c.org, provenance={"certificate": "cert-1"})
    # 400 t verified convert 400 of the 500 t ex-ante: A held 300 (→ 240), B held 200 (→ 160).
    converted = {conversion.organization_id: conversion.amount_kg for conversion in verified.conversions}
    assert converted == {a.org: 240_000, b.org: 160_000}
    assert verified.amount_kg == 0 and verified.ranges == []
    assert a.holding(ex_ante.credit_id) == 60 and a.holding(verified.credit_id) == 240
    assert b.holding(ex_ante.credit_id) == 40 and b.holding(verified.credit_id) == 160
    conversion = a.get(f"/organizations/{a.org}/transactions").json()["transactions"][0]
    assert conversion["action"] == "convert" and conversion["sourceCreditId"] == ex_ante.credit_id
    assert conversion["creditId"] == verified.credit_id and conversion["amount"] == 240

    # Now 50 % of (1000 − 400) = 300 t may be outstanding; 100 t are.
    with pytest.raises(ApiError, match="at most 300 t"):
        _issue(db, project, 200.001, "exAnte", a.org)
    _issue(db, project, 200, "exAnte", a.org)
    summary = a.get(f"/carbonCredits/projects/{project['id']}").json()
    assert summary["summary"]["exAnte"] == 700 and summary["summary"]["exAnteConverted"] == 400
    assert summary["vintages"][0]["summary"]["validated"] == 1000
    assert [e["unitType"] for e in summary["vintages"][0]["events"]] == ["exAnte", "exPost", "exAnte"]

    # A second verification converts what is left (100 t) and the recipient gets the rest.
    final = _issue(db, project, 500, "exPost", c.org)
    assert sum(conv.amount_kg for conv in final.conversions) == 300_000
    assert final.amount_kg == 200_000 and final.ranges == [(1, 200_000)]
    assert a.holding(ex_ante.credit_id) == 0 and b.holding(ex_ante.credit_id) == 0
    assert_invariants(db)


def test_conversion_respects_the_buffer(db: Database, members: tuple[Member, Member, Member]) -> None:
    a, _, c = members
    project = _project(db, estimated_annual_mitigations_kg={2030: 2_000_000}, buffer_percentage=10)
    ex_ante = _issue(db, project, 1000, "exAnte", a.org)
    assert ex_ante.buffer_kg == 0  # no buffer on ex-ante
    verified = _issue(db, project, 500, "exPost", c.org)
    # 50 t to the buffer (top range), the other 450 t convert ex-ante.
    assert verified.buffer_kg == 50_000 and [x.amount_kg for x in verified.conversions] == [450_000]
    assert a.inventory()["credits"][1]["serialRanges"] == ["1-450000"]
    assert_invariants(db)


def test_provenance_is_stored_and_read_back(
    db: Database, app_client: TestClient, factory: Factory, members: tuple[Member, Member, Member]
) -> None:
    a = members[0]
    project = _project(db)
    provenance = {"certificateId": "c-1", "auditId": "a-1", "massIds": ["m-1", "m-2"]}
    issued = _issue(db, project, 3, "exPost", a.org, provenance=provenance)
    assert db.run_read(issuance.get_batch_provenance, issued.credit_id) == provenance
    assert db.run_read(issuance.get_batch_provenance, "exAnte" + issued.credit_id[6:]) is None
    assert db.run_read(issuance.get_batch_provenance, "nonsense") is None
    admin = Member(app_client, factory, a.org, scope_list=ADMIN_SCOPES)
    read = admin.get(f"/registry/credits/{issued.credit_id}")
    assert read.status_code == 200 and read.json()["provenance"] == provenance
    assert admin.get("/registry/credits/exPost-1-0x" + "0" * 40).status_code == 404


def test_ensure_project_finds_by_key(db: Database) -> None:
    first = _project(db)
    again = _project(db, full_name="Renamed")
    assert again["id"] == first["id"] and again["full_name"] == "Composting site 1"
    with pytest.raises(ApiError, match="TEST data set"):
        _project(db, data_set="PROD")
    with pytest.raises(NotFound):
        _issue(db, first, 1, "exPost", "nobody", data_set="PROD")


def test_admin_api(app_client: TestClient, factory: Factory) -> None:
    admin = Member(app_client, factory, factory.organization("Registry operator"), scope_list=ADMIN_SCOPES)
    created = admin.post(
        "/registry/organizations", json={"fullName": "Acme", "countryCode": "PT", "type": "marketParticipant"}
    )
    assert created.status_code == 201 and created.json()["countryCode"] == "PT"
    org = created.json()["id"]
    patched = admin.http.patch(
        f"/registry/organizations/{org}",
        json={"city": "Porto", "website": None, "isPublic": False},
        headers=admin.headers,
    )
    assert patched.status_code == 200
    assert patched.json()["city"] == "Porto" and patched.json()["isPublic"] is False
    assert patched.json()["fullName"] == "Acme" and patched.json()["updatedAt"] >= created.json()["updatedAt"]
    assert (
        admin.http.patch(
            f"/registry/organizations/{org}", json={"fullName": None}, headers=admin.headers
        ).status_code
        == 400
    )
    assert (
        admin.http.patch(
            f"/registry/organizations/{'0' * 8}-0000-4000-8000-{'0' * 12}", json={}, headers=admin.headers
        ).status_code
        == 404
    )

    body = {
        "fullName": "Biochar plant",
        "countryCode": "BR",
        "methodology": "BOLD Carbon",
        "estimatedAnnualMitigations": [{"vintage": "2030", "amount": 10}, {"vintage": 2031, "amount": 20.5}],
        "bufferPercentage": 7.25,
        "proponentOrganizationId": org,
        "externalKey": "plant-7",
    }
    project = admin.post("/registry/projects", json=body)
    assert project.status_code == 201, project.text
    shown = project.json()
    assert shown["bufferPercentage"] == 7.25 and shown["development"] is True
    assert shown["estimatedAnnualMitigations"] == [
        {"vintage": "2030", "amount": 10},
        {"vintage": "2031", "amount": 20.5},
    ]
    assert shown["proponents"][0]["fullName"] == "Acme" and shown["methodology"] == {
        "id": "bold-carbon",
        "title": "BOLD Carbon",
    }
    assert admin.post("/registry/projects", json=body).status_code == 409
    for bad, field in [
        ({"bufferPercentage": 1.001}, "bufferPercentage"),
        ({"bufferPercentage": 101}, "bufferPercentage"),
        (
            {
                "estimatedAnnualMitigations": [
                    {"vintage": "2030", "amount": 1},
                    {"vintage": "2030", "amount": 2},
                ]
            },
            "vintage",
        ),
        ({"estimatedAnnualMitigations": [{"vintage": "2030", "amount": 0.0001}]}, "amount"),
        ({"countryCode": "Brazil"}, "countryCode"),
        ({"proponentOrganizationId": "nobody"}, "proponentOrganizationId"),
    ]:
        response = admin.post("/registry/projects", json={**body, "externalKey": None, **bad})
        assert response.status_code == 400 and field in response.json()["message"], (bad, response.text)

    issued = admin.post(
        "/registry/issuances",
        json={
            "projectId": shown["id"],
            "vintage": "2030",
            "amount": 1.5,
            "toOrganizationId": org,
            "monitoringPeriodStart": "2030-01-01",
            "monitoringPeriodEnd": "2030-12-31",
        },
    )
    assert issued.status_code == 201, issued.text
    assert (
        issued.json()["supply"] == 1.5
        and issued.json()["amount"] == 1.392
        and issued.json()["buffer"] == 0.108
    )
    event = admin.get(f"/carbonCredits/projects/{shown['id']}").json()["vintages"][0]["events"][0]
    assert event["monitoringPeriodStart"] == "2030-01-01" and event["amount"] == 1.5

    prod_admin = Member(app_client, factory, org, data_set="PROD", scope_list=ADMIN_SCOPES)
    other_ledger = prod_admin.post(
        "/registry/issuances",
        json={"projectId": shown["id"], "vintage": 2030, "amount": 1, "toOrganizationId": org},
    )
    assert other_ledger.status_code == 404
    assert prod_admin.get(f"/projects/{shown['id']}").status_code == 404
    for bad in [
        {"amount": 0},
        {"amount": 1.0001},
        {"type": "exAnte", "amount": 100},
        {"toOrganizationId": None},
    ]:
        payload = {"projectId": shown["id"], "vintage": 2030, "amount": 1, "toOrganizationId": org, **bad}
        assert admin.post("/registry/issuances", json=payload).status_code == 400, bad


def test_project_listing(app_client: TestClient, factory: Factory, db: Database) -> None:
    admin = Member(app_client, factory, factory.organization("Operator"), scope_list=ADMIN_SCOPES)
    reader = Member(app_client, factory, factory.organization("Reader"))
    for index in range(3):
        _project(db, f"p{index}", full_name=f"Project {index}")
    hidden = _project(db, "hidden", is_public=False)
    page = reader.get("/projects", params={"limit": 2, "page": 1}).json()
    assert page["pagination"] == {
        "total": 3,
        "currentPage": 1,
        "pageCount": 2,
        "nextPage": None,
        "prevPage": 0,
    }
    assert [p["fullName"] for p in page["projects"]] == ["Project 2"]
    first = reader.get("/projects", params={"limit": 2}).json()["pagination"]
    assert first["nextPage"] == 1 and first["prevPage"] is None
    assert reader.get(f"/projects/{hidden['id']}").status_code == 404
    assert admin.get(f"/projects/{hidden['id']}").status_code == 200
    assert reader.get("/projects", params={"limit": 0}).status_code == 400
    assert reader.get("/projects", params={"page": -1}).status_code == 400
    assert reader.get("/projects/not-a-uuid").status_code == 404
