"""Shared helpers of the registry tests: organizations with registry clients, actions, ledger snapshots."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select

from massledger.auth import scopes
from massledger.db.engine import Database
from massledger.registry.tables import registry_accounts, registry_holdings, registry_journal
from massledger.registry.verify import verify_registry
from tests.conftest import Api, Factory

REGISTRY_SCOPES = [
    scopes.ORGANIZATION_INFO_READ,
    scopes.ORGANIZATION_INVENTORY_READ,
    scopes.ORGANIZATION_INVENTORY_READ_WRITE,
]
ADMIN_SCOPES = [*REGISTRY_SCOPES, scopes.REGISTRY_ADMIN]


class Member(Api):
    """A registry client of one organization (TEST data set unless told)."""

    def __init__(
        self,
        http: httpx.Client | TestClient,
        factory: Factory,
        organization_id: str | None = None,
        data_set: str = "TEST",
        scope_list: list[str] | None = None,
    ) -> None:
        creds = factory.client(organization_id, data_set, scope_list or REGISTRY_SCOPES)
        super().__init__(http, creds)
        self.org = creds.organization_id

    def act(self, action: str, headers: dict[str, str] | None = None, **body: Any) -> httpx.Response:
        return self.http.post(
            f"/organizations/{self.org}/inventory/action/{action}",
            json=body,
            headers={**self.headers, **(headers or {})},
        )

    def inventory(self, development: bool = False) -> dict[str, Any]:
        params = {"development": "true"} if development else {}
        response = self.get(f"/organizations/{self.org}/inventory", params=params)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def holding(self, credit_id: str) -> float:
        """Tonnes of one credit in the default account (0 when none)."""
        for credit in self.inventory()["credits"]:
            if credit["id"] == credit_id:
                return float(credit["amount"])
        return 0.0

    def friendbot(self) -> dict[str, Any]:
        response = self.get(f"/organizations/{self.org}/friendbot")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def friendbot_credit(self) -> str:
        """Friendbot's 100 t, returning the new credit id."""
        serialization = self.friendbot()["serialization"]
        return next(c["id"] for c in self.inventory()["credits"] if c["serialization"] == serialization)


def retire_body(credit_id: str, amount: float, **extra: Any) -> dict[str, Any]:
    return {
        "creditId": credit_id,
        "amount": amount,
        "retirementData": {"beneficiaryName": "Maria Souza", "reason": "Scope 3 offset", "comment": "test"},
        **extra,
    }


def ledger_snapshot(database: Database) -> dict[str, Any]:
    """Every holding and journal line: equal snapshots mean nothing changed."""
    with database.engine.connect() as conn:
        holdings = sorted(tuple(row) for row in conn.execute(select(registry_holdings)))
        journal = sorted(tuple(row) for row in conn.execute(select(registry_journal)))
        heads = sorted(tuple(row) for row in conn.execute(select(registry_accounts)))
    return {"holdings": holdings, "journal": journal, "accounts": heads}


def assert_invariants(database: Database) -> dict[str, int]:
    checked, problems = database.run_read(verify_registry)
    assert problems == [], problems
    return checked
