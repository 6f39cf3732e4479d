"""Races over real HTTP against `massledger serve` (PostgreSQL row locks; SQLite's single writer): 200
concurrent 1-tonne retirements and transfers against one 100-tonne holding (exactly 100 succeed, the others
get a 400 saying why), 20 concurrent retries of one Idempotency-Key (one transaction), concurrent issuances
(distinct batches). Nothing deadlocks and every invariant holds."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from massledger.registry import ledger
from tests.conftest import Factory
from tests.registry.helpers import ADMIN_SCOPES, Member, assert_invariants, retire_body


def test_two_hundred_concurrent_spends_of_a_hundred_tonnes(live: httpx.Client, factory: Factory) -> None:
    owner = factory.organization("Hot holding")
    spenders = [Member(live, factory, owner) for _ in range(4)]  # several clients of the one organization
    receivers = [Member(live, factory, factory.organization(f"Receiver {i}")) for i in range(3)]
    credit = spenders[0].friendbot_credit()

    def spend(index: int) -> httpx.Response:
        member = spenders[index % len(spenders)]
        if index % 2:
            return member.act("retire", **retire_body(credit, 1))
        receiver = receivers[index % len(receivers)]
        return member.act("transfer", creditId=credit, amount=1, toOrganizationId=receiver.org)

    with ThreadPoolExecutor(max_workers=40) as pool:
        responses = list(pool.map(spend, range(200)))

    statuses = [response.status_code for response in responses]
    assert statuses.count(200) == 100 and statuses.count(400) == 100, sorted(set(statuses))
    for response in responses:
        if response.status_code == 400:
            assert response.json()["message"].startswith("amount: insufficient credits: requested 1 t"), (
                response.text
            )
    accepted = [response.json() for response in responses if response.status_code == 200]
    assert len({tx["id"] for tx in accepted}) == 100
    # Every accepted action moved a distinct kilogram range; together they are exactly the batch.
    moved: list[tuple[int, int]] = []
    for tx in accepted:
        moved = ledger.union(moved, ledger.parse_ranges(",".join(tx["serialRanges"])))  # raises on overlap
    assert moved == [(1, 100_000)]
    assert spenders[0].holding(credit) == 0
    received = sum(receiver.holding(credit) for receiver in receivers)
    retired = sum(tx["amount"] for tx in accepted if tx["action"] == "retire")
    assert received + retired == 100 and received == sum(1 for tx in accepted if tx["action"] == "transfer")
    listed = spenders[0].get(f"/organizations/{owner}/retirements", params={"limit": 100}).json()
    assert listed["pagination"]["total"] == retired
    assert_invariants(factory.database)


def test_twenty_concurrent_retries_with_one_idempotency_key_move_once(
    live: httpx.Client, factory: Factory
) -> None:
    """A client retrying one transfer from many connections at once (same Idempotency-Key, same body):
    one transaction, every answer is that transaction, the credits move once."""
    sender, receiver = Member(live, factory), Member(live, factory)
    credit = sender.friendbot_credit()
    body = {"creditId": credit, "amount": 7, "toOrganizationId": receiver.org}

    def retry(_index: int) -> httpx.Response:
        return sender.act("transfer", headers={"Idempotency-Key": "order-42"}, **body)

    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(retry, range(20)))
    assert [r.status_code for r in responses] == [200] * 20, [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    assert sum(r.headers.get("idempotent-replayed") == "true" for r in responses) == 19
    assert sender.holding(credit) == 93 and receiver.holding(credit) == 7
    assert_invariants(factory.database)


def test_concurrent_issuances_and_friendbots_get_distinct_batches(
    live: httpx.Client, factory: Factory
) -> None:
    """Issuing is serialised per project: concurrent issuances of one project vintage and concurrent friendbot
    gifts (all from the sandbox project) each make their own batch, with their own serialization."""
    admin = Member(live, factory, scope_list=ADMIN_SCOPES)
    project = admin.post(
        "/registry/projects",
        json={"fullName": "Hot project", "countryCode": "BR", "methodology": "BOLD Carbon"},
    ).json()["id"]

    def issue(index: int) -> httpx.Response:
        if index % 2:
            return admin.get(f"/organizations/{admin.org}/friendbot")
        body = {"projectId": project, "vintage": 2024, "amount": 5, "toOrganizationId": admin.org}
        return admin.post("/registry/issuances", json=body)

    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(issue, range(20)))
    assert sorted(r.status_code for r in responses) == [200] * 10 + [201] * 10, [r.text for r in responses]
    serializations = [r.json()["serialization"] for r in responses]
    assert len(set(serializations)) == 20
    credits = admin.inventory()["credits"]
    assert sorted(c["amount"] for c in credits) == [5] * 10 + [100] * 10
    assert_invariants(factory.database)
