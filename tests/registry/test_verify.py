"""`massledger verify` checks the registry: tampering with any ledger row makes it exit 1 naming the
problem (a real CLI subprocess against the database the server wrote)."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy import text

from massledger.registry import accounts
from tests.conftest import Factory, LiveServer, cli
from tests.registry.helpers import Member, assert_invariants, retire_body

# (what is edited, SQL, check expected first, text the problem must contain)
TAMPERING = [
    (
        "a holding's amount",
        "UPDATE registry_holdings SET amount_kg = amount_kg + 1000 WHERE account = :alice",
        "registry.holding",
        "but the journal gives 50000 kg",
    ),
    (
        "a journal entry",
        "UPDATE registry_journal SET body = replace(body, '\"deltaKg\":-40000', '\"deltaKg\":-4000')"
        " WHERE account = :alice",
        "registry.chain",
        "hash does not match",
    ),
    (
        "a holding's serial ranges",
        "UPDATE registry_holdings SET ranges = '1-40000' WHERE account = :bob",
        "registry.holding",
        "[1-40000]",
    ),
    (
        "a negative holding",
        "UPDATE registry_holdings SET amount_kg = -1 WHERE account = :bob",
        "registry.negative",
        "negative amount",
    ),
    (
        "a retirement's beneficiary",
        "UPDATE registry_retirements SET beneficiary_name = 'Someone else'",
        "registry.retirement",
        "verification hash",
    ),
    (
        "a transaction's amount",
        "UPDATE registry_transactions SET amount_kg = 1 WHERE action = 'transfer'",
        "registry.transaction",
        "txId does not match",
    ),
    (
        "a batch's supply",
        "UPDATE registry_batches SET supply_kg = 99000",
        "registry.conservation",
        "issued 99000 kg but holdings sum to 100000 kg",
    ),
]


@pytest.mark.parametrize(("what", "sql", "check", "needle"), TAMPERING, ids=[t[0] for t in TAMPERING])
def test_tampering_makes_verify_fail_naming_it(
    live_server: LiveServer,
    live: httpx.Client,
    factory: Factory,
    what: str,
    sql: str,
    check: str,
    needle: str,
) -> None:
    alice = Member(live, factory, factory.organization("Alice"))
    bob = Member(live, factory, factory.organization("Bob"))
    credit = alice.friendbot_credit()
    assert alice.act("transfer", creditId=credit, amount=40, toOrganizationId=bob.org).status_code == 200
    assert alice.act("retire", **retire_body(credit, 10)).status_code == 200

    checked = assert_invariants(factory.database)
    assert checked["retirements"] == 1 and checked["journal entries"] == 5

    names = {
        "alice": accounts.default_address(alice.org, "TEST"),
        "bob": accounts.default_address(bob.org, "TEST"),
    }
    with factory.database.begin() as conn:
        assert conn.execute(text(sql), names).rowcount >= 1
    broken = cli(["verify", "--json"], live_server.env, check=False)
    assert broken.returncode == 1, what
    problems = json.loads(broken.stdout)["problems"]
    first = next(p for p in problems if p["check"] == check)
    assert needle in first["message"], problems
    if check == "registry.chain":
        human = cli(["verify"], live_server.env, check=False)
        assert human.returncode == 1 and "FAILED" in human.stderr and names["alice"] in human.stderr


def test_verify_passes_on_a_clean_ledger(
    live_server: LiveServer, live: httpx.Client, factory: Factory
) -> None:
    alice = Member(live, factory, factory.organization("Alice"))
    credit = alice.friendbot_credit()
    assert alice.act("cancel", creditId=credit, amount=1).status_code == 200
    clean = cli(["verify", "--json"], live_server.env)
    report = json.loads(clean.stdout)
    assert clean.returncode == 0 and report["ok"] is True and report["checked"]["batches"] == 1
