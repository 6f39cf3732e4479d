"""200 concurrent 1-tonne retirements and transfers against one 100-tonne holding, over real HTTP against
`massledger serve` (PostgreSQL row locks; SQLite's single writer): exactly 100 succeed, the others get a
400 saying why, nothing deadlocks, and every invariant holds."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from massledger.registry import ledger
from tests.conftest import Factory
from tests.registry.helpers import Member, assert_invariants, retire_body


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
