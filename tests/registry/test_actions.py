"""Actions on both backends: validation (nothing changes on a refusal), targets, the split rule and the
PDF's exact range, idempotency, API version, scopes and organizations, data sets."""

from __future__ import annotations

import io

import pypdf
import pytest
from fastapi.testclient import TestClient

from massledger.auth import scopes
from tests.conftest import Factory
from tests.registry.helpers import ADMIN_SCOPES, Member, assert_invariants, ledger_snapshot, retire_body


@pytest.fixture
def alice(app_client: TestClient, factory: Factory) -> Member:
    return Member(app_client, factory, factory.organization("Alice"))


@pytest.fixture
def bob(app_client: TestClient, factory: Factory) -> Member:
    return Member(app_client, factory, factory.organization("Bob"))


def _error(response: object, status: int) -> str:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"statusCode", "message", "error"} and body["statusCode"] == status
    return str(body["message"])


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        (1.0001, "amount: at most 3 decimal places"),
        (0, "amount: must be greater than 0"),
        (-5, "amount: must be greater than 0"),
        (100.001, "amount: insufficient credits: requested 100.001 t"),
        ("10", "amount"),
        (True, "amount"),
        (1e30, "amount: must be at most"),
    ],
)
def test_bad_amounts_are_400_and_change_nothing(
    alice: Member, bob: Member, factory: Factory, amount: object, reason: str
) -> None:
    credit = alice.friendbot_credit()
    before = ledger_snapshot(factory.database)
    for action, extra in [
        ("transfer", {"toOrganizationId": bob.org}),
        ("retire", {"retirementData": {"beneficiaryName": "X", "reason": "Y"}}),
        (
            "transfer_retire",
            {"toOrganizationId": bob.org, "retirementData": {"beneficiaryName": "X", "reason": "Y"}},
        ),
        ("cancel", {}),
    ]:
        message = _error(alice.act(action, creditId=credit, amount=amount, **extra), 400)
        assert message.startswith(reason), message
    assert ledger_snapshot(factory.database) == before
    assert alice.holding(credit) == 100


def test_three_decimals_move_exact_kilograms(alice: Member, bob: Member) -> None:
    credit = alice.friendbot_credit()
    sent = alice.act("transfer", creditId=credit, amount=0.125, toOrganizationId=bob.org)
    assert sent.status_code == 200 and sent.json()["amount"] == 0.125
    assert sent.json()["serialRanges"] == ["99876-100000"]
    assert alice.holding(credit) == 99.875 and bob.holding(credit) == 0.125


def test_target_and_retirement_data_rules(alice: Member, bob: Member, factory: Factory) -> None:
    credit = alice.friendbot_credit()
    data = {"beneficiaryName": "X", "reason": "Y"}
    cases = [
        ("transfer", {}, "toOrganizationId: exactly one of toOrganizationId or toAddress"),
        (
            "transfer",
            {"toOrganizationId": bob.org, "toAddress": "0x" + "a" * 40},
            "toOrganizationId: exactly one",
        ),
        (
            "retire",
            {"toOrganizationId": bob.org, "retirementData": data},
            "toOrganizationId: not allowed for retire",
        ),
        ("retire", {}, "retirementData.beneficiaryName: is required"),
        ("retire", {"retirementData": {"beneficiaryName": "X"}}, "retirementData.reason: is required"),
        ("transfer_retire", {"toOrganizationId": bob.org}, "retirementData.beneficiaryName: is required"),
        ("transfer", {"toOrganizationId": bob.org, "retirementData": data}, "retirementData: only retire"),
        ("cancel", {"toAddress": "0x" + "b" * 40}, "toAddress: not allowed for cancel"),
        ("transfer", {"toOrganizationId": "nobody"}, "toOrganizationId: organization nobody was not found"),
        ("transfer", {"toAddress": "0x" + "c" * 40}, "toAddress: no account"),
        ("transfer", {"toAddress": "not-an-address"}, "toAddress: must be an account address"),
        (
            "transfer",
            {"toOrganizationId": alice.org},
            "toAddress: the receiving account is the sending account",
        ),
    ]
    before = ledger_snapshot(factory.database)
    for action, extra, expected in cases:
        message = _error(alice.act(action, creditId=credit, amount=1, **extra), 400)
        assert message.startswith(expected), (action, extra, message)
    unknown = alice.act("transfer", creditId="exPost-9-0x" + "d" * 40, amount=1, toOrganizationId=bob.org)
    assert _error(unknown, 400).startswith("creditId: credit exPost-9-0x")
    seed_example = alice.act(
        "transfer", creditId="exPost-2-0x1234567890abcdef", amount=1, toOrganizationId=bob.org
    )
    assert _error(seed_example, 400).startswith("creditId")
    not_an_action = alice.http.post(
        f"/organizations/{alice.org}/inventory/action/burn",
        json={"creditId": credit, "amount": 1},
        headers=alice.headers,
    )
    assert "action" in _error(not_an_action, 400)
    unknown_field = alice.act("cancel", creditId=credit, amount=1, memo="x")
    assert "memo" in _error(unknown_field, 400)
    assert ledger_snapshot(factory.database) == before


def test_partial_transfers_split_ranges_and_the_pdf_shows_the_exact_range(alice: Member, bob: Member) -> None:
    credit = alice.friendbot_credit()
    sent = alice.act("transfer", creditId=credit, amount=40, toOrganizationId=bob.org).json()
    assert sent["serialRanges"] == ["60001-100000"]  # the sender keeps the low range
    back = bob.act("transfer", creditId=credit, amount=15, toOrganizationId=alice.org).json()
    assert back["serialRanges"] == ["85001-100000"]
    assert bob.inventory()["credits"][0]["serialRanges"] == ["60001-85000"]
    assert alice.inventory()["credits"][0]["serialRanges"] == ["1-60000", "85001-100000"]

    retired = alice.act("retire", **retire_body(credit, 70)).json()
    assert retired["serialRanges"] == ["5001-60000", "85001-100000"]
    assert alice.inventory()["credits"][0]["serialRanges"] == ["1-5000"]

    listed = alice.get(f"/organizations/{alice.org}/retirements").json()["retirements"]
    [retirement] = listed
    assert (
        retirement["id"] == retired["retirementId"] and retirement["serialRanges"] == retired["serialRanges"]
    )
    assert retirement["beneficiary"] == "Maria Souza" and retirement["amount"] == 70

    pdf = alice.get(f"/organizations/{alice.org}/retirements/{retired['retirementId']}/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert "attachment" in pdf.headers["content-disposition"]
    text = _pdf_text(pdf.content)
    serialization = retired["serialization"]
    assert f"{serialization}:5001-60000" in text and f"{serialization}:85001-100000" in text
    assert "Maria Souza" in text and "70 t CO2e (70000 kg)" in text and "Scope 3 offset" in text
    assert retired["project"]["fullName"] in text and f"Vintage {retired['vintage']}" in text
    assert retirement["verificationHash"] in text.replace("\n", "")
    # Not Bob's retirement: not found under Bob, forbidden under Alice's id.
    assert bob.get(f"/organizations/{bob.org}/retirements/{retired['retirementId']}/pdf").status_code == 404
    assert bob.get(f"/organizations/{alice.org}/retirements/{retired['retirementId']}/pdf").status_code == 403
    assert (
        alice.get(
            f"/organizations/{alice.org}/retirements/{'0' * 8}-0000-4000-8000-{'0' * 12}/pdf"
        ).status_code
        == 404
    )


def test_transfer_retire_retires_in_the_receivers_name(alice: Member, bob: Member, factory: Factory) -> None:
    credit = alice.friendbot_credit()
    done = alice.act("transfer_retire", **retire_body(credit, 30, toOrganizationId=bob.org)).json()
    assert done["toOrganizationId"] == bob.org and done["serialRanges"] == ["70001-100000"]
    assert bob.inventory()["credits"] == []  # retired on arrival
    for member in (alice, bob):
        [retirement] = member.get(f"/organizations/{member.org}/retirements").json()["retirements"]
        assert retirement["organizationId"] == bob.org and retirement["actingOrganizationId"] == alice.org
        pdf = member.get(f"/organizations/{member.org}/retirements/{retirement['id']}/pdf")
        assert pdf.status_code == 200 and "70001-100000" in _pdf_text(pdf.content)
    summary = alice.get(f"/carbonCredits/projects/{done['project']['id']}").json()["summary"]
    assert summary["retired"] == 30
    assert_invariants(factory.database)


def test_cancel_and_retired_units_never_move_again(alice: Member, bob: Member, factory: Factory) -> None:
    credit = alice.friendbot_credit()
    cancelled = alice.act("cancel", creditId=credit, amount=100)
    assert cancelled.status_code == 200 and cancelled.json()["serialRanges"] == ["1-100000"]
    assert alice.holding(credit) == 0
    again = alice.act("transfer", creditId=credit, amount=1, toOrganizationId=bob.org)
    assert "insufficient credits" in _error(again, 400)
    summary = alice.get(f"/carbonCredits/projects/{cancelled.json()['project']['id']}").json()["summary"]
    assert summary["exPost"] == 100 and summary["exPostCancelled"] == 100 and summary["retired"] == 0
    assert_invariants(factory.database)


def test_ex_ante_credits_cannot_retire(app_client: TestClient, factory: Factory, alice: Member) -> None:
    admin = Member(app_client, factory, alice.org, scope_list=ADMIN_SCOPES)
    project = admin.post(
        "/registry/projects",
        json={
            "fullName": "Forest",
            "countryCode": "BR",
            "methodology": "BOLD Carbon",
            "estimatedAnnualMitigations": [{"vintage": "2030", "amount": 1000}],
        },
    ).json()
    issued = admin.post(
        "/registry/issuances",
        json={
            "projectId": project["id"],
            "vintage": 2030,
            "amount": 100,
            "type": "exAnte",
            "toOrganizationId": alice.org,
        },
    )
    assert issued.status_code == 201, issued.text
    message = _error(alice.act("retire", **retire_body(issued.json()["creditId"], 1)), 400)
    assert "exAnte credits cannot be retired" in message


def test_idempotency_key(alice: Member, bob: Member, factory: Factory) -> None:
    credit = alice.friendbot_credit()
    body = {"creditId": credit, "amount": 10, "toOrganizationId": bob.org}
    first = alice.act("transfer", headers={"Idempotency-Key": "order-1"}, **body)
    assert first.status_code == 200 and "idempotent-replayed" not in first.headers
    snapshot = ledger_snapshot(factory.database)
    replay = alice.act("transfer", headers={"Idempotency-Key": "order-1"}, **{**body, "amount": 10.0})
    assert replay.status_code == 200 and replay.json() == first.json()
    assert replay.headers["idempotent-replayed"] == "true"
    assert ledger_snapshot(factory.database) == snapshot
    other = alice.act("transfer", headers={"Idempotency-Key": "order-1"}, **{**body, "amount": 11})
    assert "Idempotency-Key" in _error(other, 409)
    other_action = alice.act("cancel", headers={"Idempotency-Key": "order-1"}, creditId=credit, amount=10)
    assert other_action.status_code == 409
    assert ledger_snapshot(factory.database) == snapshot
    # Keys belong to an organization: Bob's "order-1" is a new request.
    bob_credit = bob.friendbot_credit()
    bob_first = bob.act("cancel", headers={"Idempotency-Key": "order-1"}, creditId=bob_credit, amount=1)
    assert bob_first.status_code == 200 and bob_first.json()["id"] != first.json()["id"]
    # A refused request leaves no trace: the same key can be used once the request is valid.
    refused = alice.act("cancel", headers={"Idempotency-Key": "order-2"}, creditId=credit, amount=1000)
    assert refused.status_code == 400
    accepted = alice.act("cancel", headers={"Idempotency-Key": "order-2"}, creditId=credit, amount=1)
    assert accepted.status_code == 200
    bad_key = alice.act("cancel", headers={"Idempotency-Key": "x" * 300}, creditId=credit, amount=1)
    assert "Idempotency-Key" in _error(bad_key, 400)
    assert alice.holding(credit) == 89
    assert_invariants(factory.database)


def test_api_version_header(alice: Member) -> None:
    credit = alice.friendbot_credit()
    path = f"/organizations/{alice.org}"
    for version, status in [
        (None, 200),
        ("2023-06-16", 200),
        ("2024-01-01", 400),
        ("latest", 400),
        ("", 400),
    ]:
        headers = dict(alice.headers)
        if version is not None:
            headers["x-icr-api-version"] = version
        assert alice.http.get(path, headers=headers).status_code == status, version
        if status == 400:
            message = _error(alice.http.get(f"{path}/inventory", headers=headers), 400)
            assert (
                message.startswith("x-icr-api-version: unsupported API version") and "2023-06-16" in message
            )
            action = alice.act("cancel", headers={"x-icr-api-version": version}, creditId=credit, amount=1)
            assert action.status_code == 400
            assert alice.http.get("/projects", headers=headers).status_code == 400
    assert alice.holding(credit) == 100


def test_scopes_and_other_organizations(
    app_client: TestClient, factory: Factory, alice: Member, bob: Member
) -> None:
    credit = alice.friendbot_credit()
    reader = Member(app_client, factory, alice.org, scope_list=[scopes.ORGANIZATION_INVENTORY_READ])
    assert reader.inventory()["credits"][0]["id"] == credit
    assert "organization_inventory:read_write" in _error(reader.act("cancel", creditId=credit, amount=1), 403)
    assert "organization_info:read" in _error(reader.get(f"/organizations/{alice.org}"), 403)
    info = Member(app_client, factory, alice.org, scope_list=[scopes.ORGANIZATION_INFO_READ])
    assert info.get(f"/organizations/{alice.org}/addresses").status_code == 200
    assert info.get(f"/organizations/{alice.org}/inventory").status_code == 403
    # Friendbot needs no scope, only a token of the organization.
    assert info.get(f"/organizations/{alice.org}/friendbot").status_code == 200
    for path in ["", "/addresses", "/inventory", "/transactions", "/retirements", "/friendbot"]:
        assert bob.get(f"/organizations/{alice.org}{path}").status_code == 403, path
    stolen = bob.http.post(
        f"/organizations/{alice.org}/inventory/action/transfer",
        json={"creditId": credit, "amount": 1, "toOrganizationId": bob.org},
        headers=bob.headers,
    )
    assert "acts for organization" in _error(stolen, 403)
    assert "registry:admin" in _error(alice.post("/registry/projects", json={}), 403)
    assert alice.holding(credit) == 100 and len(alice.inventory()["credits"]) == 2  # a new batch per gift


def test_ledgers_are_partitioned_by_data_set(
    app_client: TestClient, factory: Factory, alice: Member, bob: Member
) -> None:
    alice_prod = Member(app_client, factory, alice.org, data_set="PROD")
    gift = alice_prod.friendbot()  # a PROD token still gets TEST credits
    assert alice_prod.inventory()["credits"] == []
    development = alice_prod.inventory(development=True)
    assert development["development"] is True
    assert [c["serialization"] for c in development["credits"]] == [gift["serialization"]]
    credit = development["credits"][0]["id"]
    # Actions run on the caller's own ledger: the PROD token does not see TEST credits.
    assert "creditId" in _error(alice_prod.act("cancel", creditId=credit, amount=1), 400)
    assert (
        alice_prod.get(f"/organizations/{alice.org}/transactions/{gift['transactionId']}").status_code == 404
    )
    assert (
        alice_prod.get(
            f"/organizations/{alice.org}/transactions/{gift['transactionId']}", params={"development": "true"}
        ).status_code
        == 200
    )
    assert alice.inventory()["credits"][0]["id"] == credit
    bad_flag = alice.get(f"/organizations/{alice.org}/inventory", params={"development": "maybe"})
    assert "development" in _error(bad_flag, 400)
    addresses = alice_prod.get(f"/organizations/{alice.org}/addresses").json()
    test_addresses = alice_prod.get(
        f"/organizations/{alice.org}/addresses", params={"development": "1"}
    ).json()
    assert addresses["fullName"] == "Alice" and addresses["organizationId"] == alice.org
    assert [a["type"] for a in addresses["addresses"]] == ["default"]
    assert addresses["addresses"][0]["address"] != test_addresses["addresses"][0]["address"]
    assert test_addresses["addresses"][0]["address"] == alice.inventory()["address"]


def test_subaccounts(app_client: TestClient, factory: Factory, alice: Member, bob: Member) -> None:
    admin = Member(app_client, factory, bob.org, scope_list=ADMIN_SCOPES)
    created = admin.post(f"/registry/organizations/{alice.org}/addresses", json={"name": "trading"})
    assert created.status_code == 201 and created.json()["type"] == "subaccount"
    duplicate = admin.post(f"/registry/organizations/{alice.org}/addresses", json={"name": "trading"})
    assert duplicate.status_code == 409
    sub = created.json()["address"]
    listed = alice.get(f"/organizations/{alice.org}/addresses").json()["addresses"]
    assert [(a["type"], a["name"]) for a in listed] == [("default", None), ("subaccount", "trading")]
    credit = alice.friendbot_credit()
    moved = alice.act("transfer", creditId=credit, amount=25, toAddress=sub)
    assert moved.status_code == 200 and moved.json()["toOrganizationId"] == alice.org
    in_sub = alice.get(f"/organizations/{alice.org}/inventory", params={"address": sub}).json()
    assert in_sub["address"] == sub and in_sub["credits"][0]["amount"] == 25
    assert alice.holding(credit) == 75
    sent = alice.act("transfer", creditId=credit, amount=5, fromAddress=sub, toOrganizationId=bob.org)
    assert sent.status_code == 200 and sent.json()["fromAddress"] == sub
    assert bob.holding(credit) == 5
    assert bob.get(f"/organizations/{bob.org}/inventory", params={"address": sub}).status_code == 404
    foreign = bob.act("transfer", creditId=credit, amount=1, fromAddress=sub, toOrganizationId=alice.org)
    assert "fromAddress" in _error(foreign, 400)
    assert_invariants(factory.database)
