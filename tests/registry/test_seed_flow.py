"""Seed 003's flow over real HTTP against `massledger serve`: friendbot → inventory shows 100 → transfer
40 to another organization → retire 10 with retirementData → both inventories and the transaction read
back with the seed's field names."""

from __future__ import annotations

import httpx

from massledger.registry.serials import parse_serialization
from tests.conftest import Factory
from tests.registry.helpers import Member, assert_invariants, retire_body

CREDIT_KEYS = {
    "organizationId",
    "id",
    "tokenId",
    "tokenAddress",
    "project",
    "serialization",
    "vintage",
    "supply",
    "unit",
    "amount",
    "type",
}
PROJECT_KEYS = {"id", "fullName", "url", "publicUrl", "num"}
TRANSACTION_KEYS = {
    "action",
    "type",
    "id",
    "toAddress",
    "createdAt",
    "updatedAt",
    "tokenId",
    "tokenAddress",
    "creditId",
    "serialization",
    "vintage",
    "amount",
    "fromOrganizationId",
    "toOrganizationId",
    "project",
    "txId",
    "state",
    "transactionData",
    "retirementId",
    "retirementReason",
    "retirementComment",
    "beneficiaryName",
}
ORGANIZATION_KEYS = {
    "createdAt",
    "updatedAt",
    "fullName",
    "countryCode",
    "city",
    "zip",
    "physicalAddress",
    "registrationNumber",
    "website",
    "logo",
    "id",
    "organizationIndustries",
    "type",
    "isPublic",
    "url",
}
VERSION = {"x-icr-api-version": "2023-06-16"}


def test_seed_flow(live: httpx.Client, factory: Factory) -> None:
    alice = Member(live, factory, factory.organization("Alice Recycling"))
    bob = Member(live, factory, factory.organization("Bob Offsets"))

    gift = live.get(f"/organizations/{alice.org}/friendbot", headers={**alice.headers, **VERSION})
    assert gift.status_code == 200
    assert set(gift.json()) == {"serialization", "amount", "transactionId"}
    assert gift.json()["amount"] == 100
    serialization = parse_serialization(gift.json()["serialization"])
    assert serialization.data_set == "TEST" and serialization.credit_type == "exPost"

    inventory = alice.inventory()
    assert inventory["organizationId"] == alice.org
    [credit] = inventory["credits"]
    assert set(credit) >= CREDIT_KEYS and set(credit["project"]) >= PROJECT_KEYS
    assert credit["amount"] == 100 and credit["supply"] == 100 and credit["unit"] == "tonne"
    assert credit["organizationId"] == alice.org and credit["type"] == "exPost"
    assert credit["id"] == f"{credit['type']}-{credit['tokenId']}-{credit['tokenAddress']}"
    assert credit["serialization"] == gift.json()["serialization"]
    assert credit["vintage"] == str(serialization.vintage)

    transfer = alice.act(
        "transfer", headers=VERSION, creditId=credit["id"], amount=40, toOrganizationId=bob.org
    )
    assert transfer.status_code == 200, transfer.text
    sent = transfer.json()
    assert set(sent) >= TRANSACTION_KEYS
    assert sent["action"] == "transfer" and sent["state"] == "processed" and sent["amount"] == 40
    assert sent["fromOrganizationId"] == alice.org and sent["toOrganizationId"] == bob.org
    assert sent["transactionData"] == {
        "creditId": credit["id"],
        "tokenId": credit["tokenId"],
        "amount": 40,
        "serialization": credit["serialization"],
    }

    retire = alice.act("retire", **retire_body(credit["id"], 10))
    assert retire.status_code == 200, retire.text
    retired = retire.json()
    assert retired["action"] == "retire" and retired["amount"] == 10 and retired["retirementId"]
    assert retired["beneficiaryName"] == "Maria Souza" and retired["retirementReason"] == "Scope 3 offset"
    assert retired["retirementComment"] == "test"

    assert alice.holding(credit["id"]) == 50
    bob_credits = bob.inventory()["credits"]
    assert [(c["id"], c["amount"], c["organizationId"]) for c in bob_credits] == [(credit["id"], 40, bob.org)]

    for tx in (sent, retired):
        read = alice.get(f"/organizations/{alice.org}/transactions/{tx['id']}")
        assert read.status_code == 200 and read.json() == tx
    # The receiver sees the transfer too, not Alice's retirement.
    assert bob.get(f"/organizations/{bob.org}/transactions/{sent['id']}").json() == sent
    assert bob.get(f"/organizations/{bob.org}/transactions/{retired['id']}").status_code == 404
    listed = alice.get(f"/organizations/{alice.org}/transactions").json()
    assert [t["id"] for t in listed["transactions"]] == [
        retired["id"],
        sent["id"],
        gift.json()["transactionId"],
    ]
    assert listed["pagination"] == {
        "total": 3,
        "currentPage": 0,
        "pageCount": 1,
        "nextPage": None,
        "prevPage": None,
    }
    organization = live.get(f"/organizations/{alice.org}", headers={**alice.headers, **VERSION})
    assert organization.status_code == 200 and set(organization.json()) == ORGANIZATION_KEYS
    assert organization.json()["url"].endswith(f"/app/organizations/{alice.org}")
    assert set(organization.json()["organizationIndustries"]) == {"code", "name"}
    assert_invariants(factory.database)
