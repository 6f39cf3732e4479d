"""The SDK's methodologies resource against a real server process."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from massledger.client import AsyncClient, Client, NotFound, PermissionDenied
from tests.conftest import Factory, LiveServer
from tests.methodology.world import make_world


def test_audit_evaluate_and_read_back_with_the_sdk(
    live_server: LiveServer, live: httpx.Client, factory: Factory
) -> None:
    world = make_world(live, factory)
    operator, integrator = world.operator.creds, world.integrator.creds
    with Client(live_server.url, operator.client_id, operator.client_secret) as client:
        assert [m.slug for m in client.methodologies.list()] == ["bold-recycling", "bold-carbon"]
        evaluation = client.methodologies.evaluate("bold-recycling", world.mass_id)
        assert evaluation.result == "PASSED" and evaluation.creditAmount == 3.12
        audit = client.methodologies.audit("bold-recycling", world.mass_id)
        assert audit.result == "PASSED" and audit.credits is not None and audit.credits.amount == 3.12
        assert audit.rules == evaluation.rules
        assert client.methodologies.get("bold-recycling", audit.auditId) == audit
        with pytest.raises(NotFound):
            client.methodologies.audit("bold-nothing", world.mass_id)

    async def carbon() -> tuple[str, str]:
        async with AsyncClient(live_server.url, operator.client_id, operator.client_secret) as client:
            first, second = await asyncio.gather(
                client.methodologies.audit("bold-carbon", world.mass_id),
                client.methodologies.audit("bold-carbon", world.mass_id),
            )
            read = await client.methodologies.get("bold-carbon", first.auditId)
            assert read == first
            return first.result, second.result

    assert sorted(asyncio.run(carbon())) == ["FAILED", "PASSED"]  # minted once

    with Client(live_server.url, integrator.client_id, integrator.client_secret) as client:
        with pytest.raises(PermissionDenied, match="methodology:run"):
            client.methodologies.audit("bold-carbon", world.mass_id)
