"""The SDK's registry resources against a real server process: the registry flow (friendbot credits,
transfer, retirement with its PDF, transactions, projects) blocking and awaitable, and inventory actions
retried through injected 429/503 answers moving the credits exactly once."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import func, select

from massledger.client import AsyncClient, Client, Conflict, PermissionDenied, RetryPolicy, ValidationError
from massledger.registry.tables import registry_transactions
from tests.client.faults import Fault, faulty_proxy
from tests.conftest import Credentials, Factory, LiveServer
from tests.registry.helpers import REGISTRY_SCOPES, assert_invariants

FAST = RetryPolicy(max_retries=5, initial_delay=0.01, max_delay=0.05)


def _members(factory: Factory) -> tuple[Credentials, Credentials]:
    seller = factory.client(factory.organization("Seller"), "TEST", REGISTRY_SCOPES)
    buyer = factory.client(factory.organization("Buyer"), "TEST", REGISTRY_SCOPES)
    return seller, buyer


def _transactions(factory: Factory, action: str) -> int:
    query = (
        select(func.count())
        .select_from(registry_transactions)
        .where(registry_transactions.c.action == action)
    )
    return int(factory.database.run_read(lambda c: c.execute(query).scalar()))


def test_registry_flow_blocking(live_server: LiveServer, live: httpx.Client, factory: Factory) -> None:
    seller, buyer = _members(factory)
    with (
        Client(live_server.url, seller.client_id, seller.client_secret) as s,
        Client(live_server.url, buyer.client_id, buyer.client_secret) as b,
    ):
        assert s.organizations.get().id == seller.organization_id  # the org comes from the token
        assert s.organizations.addresses().addresses[0].type == "default"
        gift = s.organizations.friendbot()
        [credit] = s.inventory.list().credits
        assert (credit.serialization, credit.amount) == (gift.serialization, 100)

        sent = s.inventory.transfer(credit.id, 40, to_organization_id=buyer.organization_id)
        assert (sent.action, sent.amount, sent.replayed) == ("transfer", 40, False)
        assert [c.amount for c in s.inventory.list().credits] == [60]
        assert [c.amount for c in b.inventory.list().credits] == [40]

        retired = b.inventory.retire(credit.id, 15, beneficiary_name="Maria Souza", reason="Scope 3 offset")
        [retirement] = b.retirements.list().retirements
        assert (retirement.id, retirement.amount) == (retired.retirementId, 15)
        pdf = b.retirements.pdf(retirement.id)
        assert pdf.startswith(b"%PDF")
        s.inventory.cancel(credit.id, 10)
        b.inventory.transfer_retire(
            credit.id, 5, to_organization_id=seller.organization_id, beneficiary_name="Ana", reason="Gift"
        )

        actions = [t.action for t in s.transactions.iterate(limit=2)]  # walks pages of 2
        assert actions == ["transfer_retire", "cancel", "transfer", "issue"]
        assert s.transactions.get(sent.id).serialRanges == sent.serialRanges
        assert [r.beneficiary for r in s.retirements.iterate()] == ["Ana"]

        [project] = list(s.projects.iterate())
        assert s.projects.get(project.id).fullName == project.fullName
        assert s.projects.credits(project.id).summary["retired"] == 20

        with pytest.raises(PermissionDenied):  # a token acts only for its own organization
            s.inventory.list(buyer.organization_id)
        with pytest.raises(ValidationError) as short:
            s.inventory.transfer(credit.id, 1000, to_organization_id=buyer.organization_id)
        assert "insufficient credits" in short.value.message
        with pytest.raises(Conflict):  # one key, another request
            s.inventory.cancel(credit.id, 1, idempotency_key="k-1")
            s.inventory.cancel(credit.id, 2, idempotency_key="k-1")
    assert_invariants(factory.database)


def test_registry_flow_async(live_server: LiveServer, live: httpx.Client, factory: Factory) -> None:
    seller, buyer = _members(factory)

    async def flow() -> tuple[float, float, bytes, list[str]]:
        async with (
            AsyncClient(live_server.url, seller.client_id, seller.client_secret) as s,
            AsyncClient(live_server.url, buyer.client_id, buyer.client_secret) as b,
        ):
            await s.organizations.friendbot()
            [credit] = (await s.inventory.list()).credits
            await s.inventory.transfer_retire(
                credit.id,
                30,
                to_organization_id=buyer.organization_id,
                beneficiary_name="Ana",
                reason="Offset",
            )
            [retirement] = (await b.retirements.list()).retirements
            pdf = await b.retirements.pdf(retirement.id)
            actions = [t.action async for t in s.transactions.iterate(limit=1)]
            [project] = [p async for p in s.projects.iterate()]
            retired = (await s.projects.credits(project.id)).summary["retired"]
            return (await s.inventory.list()).credits[0].amount, retired, pdf, actions

    left, retired, pdf, actions = asyncio.run(flow())
    assert (left, retired) == (70, 30)
    assert pdf.startswith(b"%PDF")
    assert actions == ["transfer_retire", "issue"]
    assert_invariants(factory.database)


def test_actions_retried_through_429_and_503_move_credits_once(
    live_server: LiveServer, live: httpx.Client, factory: Factory
) -> None:
    seller, buyer = _members(factory)
    with Client(live_server.url, seller.client_id, seller.client_secret) as direct:
        direct.organizations.friendbot()
        [credit] = direct.inventory.list().credits
    faults = [
        Fault("/inventory/action", 429, times=2, retry_after="0"),
        # The server moves the credits, then the answer is lost: the retry must replay, not move again.
        Fault("/inventory/action", 503, times=2, after_forwarding=True),
    ]
    with (
        faulty_proxy(live_server.url, faults) as proxy,
        Client(proxy.url, seller.client_id, seller.client_secret, retry=FAST) as client,
    ):
        sent = client.inventory.transfer(credit.id, 25, to_organization_id=buyer.organization_id)
        proxy.faults.append(Fault("/inventory/action", 503, times=3, after_forwarding=True))
        retired = client.inventory.retire(credit.id, 5, beneficiary_name="Ana", reason="Offset")
        holdings = [c.amount for c in client.inventory.list().credits]
    assert sent.replayed and retired.replayed  # the answers that got through were replays
    statuses = [status for method, path, status in proxy.seen if "/inventory/action/" in path]
    assert statuses == [429, 429, 503, 503, 200, 503, 503, 503, 200]
    assert _transactions(factory, "transfer") == 1 and _transactions(factory, "retire") == 1
    assert holdings == [70]
    assert_invariants(factory.database)


def test_actions_without_a_key_would_move_twice(
    live_server: LiveServer, live: httpx.Client, factory: Factory
) -> None:
    """The control for the test above: the same lost answer, retried by hand without an Idempotency-Key,
    moves the credits twice; the SDK's key is what prevents it."""
    seller, buyer = _members(factory)
    with Client(live_server.url, seller.client_id, seller.client_secret) as client:
        client.organizations.friendbot()
        [credit] = client.inventory.list().credits
        token = client.access_token()
    body = {"creditId": credit.id, "amount": 25, "toOrganizationId": buyer.organization_id}
    path = f"/organizations/{seller.organization_id}/inventory/action/transfer"
    for _ in range(2):
        answer = live.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200
    assert _transactions(factory, "transfer") == 2
