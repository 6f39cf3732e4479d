"""A hypothesis state machine of issue / transfer / retire / transfer_retire / cancel / replay against the
registry services, on both backends. After every step: the ledger matches a plain model of balances, and
`verify` finds every invariant intact (chains, holdings = journal, conservation, disjoint covering serial
ranges, balanced transactions, retirement hashes)."""

from __future__ import annotations

import os
from collections import defaultdict
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import select

from massledger.db.engine import Database
from massledger.errors import ApiError, Conflict
from massledger.organizations import service as organization_service
from massledger.organizations.schemas import OrganizationCreate
from massledger.registry import accounts, issuance, ledger, service
from massledger.registry.schemas import ActionRequest
from massledger.registry.store import batch_credit_id
from massledger.registry.tables import registry_holdings
from massledger.registry.verify import verify_registry
from tests.backends import truncate_all

# Bounded for CI; MASSLEDGER_STATE_EXAMPLES=200 explores much further.
EXAMPLES = int(os.environ.get("MASSLEDGER_STATE_EXAMPLES", "12"))
VINTAGE = 2030
ESTIMATE_KG = 400_000
RETIRE_DATA = {"beneficiaryName": "Beneficiary", "reason": "Offset"}


class RegistryMachine(RuleBasedStateMachine):
    credits = Bundle("credits")
    done = Bundle("done")

    def __init__(self, database: Database) -> None:
        super().__init__()
        self.db = database
        truncate_all(database)
        self.orgs = [
            database.run_write(
                organization_service.create_organization, OrganizationCreate(fullName=f"Org {i}")
            )[0]["id"]
            for i in range(3)
        ]
        self.project = database.run_write(
            lambda conn: issuance.ensure_project(
                conn,
                external_key="machine",
                full_name="Machine project",
                methodology="BOLD Carbon",
                country_code="BR",
                data_set="TEST",
                estimated_annual_mitigations_kg={VINTAGE: ESTIMATE_KG},
                buffer_percentage=10,
            )
        )
        self.balance: dict[tuple[str, str], int] = defaultdict(
            int
        )  # (org, credit id) -> kg, default accounts
        self.kind: dict[str, str] = {}
        self.verified = self.ex_ante_issued = self.converted = 0
        self.keys = 0

    def _holder(self, index: int) -> str:
        return str(self.orgs[index % len(self.orgs)])

    @rule(target=credits, to=st.integers(0, 2), kg=st.integers(1, 60_000), ex_ante=st.booleans())
    def issue(self, to: int, kg: int, ex_ante: bool) -> str:
        org = self._holder(to)
        credit_type = "exAnte" if ex_ante else "exPost"
        cap = ledger.ex_ante_cap_kg(ESTIMATE_KG, self.verified)
        refused = ex_ante and self.ex_ante_issued - self.converted + kg > cap
        try:
            issued = self.db.run_write(
                lambda conn: issuance.issue_credits(
                    conn,
                    project_id=self.project["id"],
                    vintage=VINTAGE,
                    amount_kg=kg,
                    credit_type=credit_type,
                    to_organization_id=org,
                )
            )
        except ApiError as exc:
            assert refused and "ex-ante cap" in exc.message
            return "exPost-0-0x" + "0" * 40  # a credit nobody holds
        assert not refused
        self.kind[issued.credit_id] = credit_type
        if ex_ante:
            self.ex_ante_issued += kg
            self.balance[(org, issued.credit_id)] += kg
            return issued.credit_id
        # Only ex-ante units still held convert (cancelled ones do not, but count against the cap).
        held = sum(kg for (_, credit), kg in self.balance.items() if self.kind.get(credit) == "exAnte")
        assert issued.buffer_kg == kg // 10
        converted = sum(c.amount_kg for c in issued.conversions)
        assert converted == min(held, kg - issued.buffer_kg), (converted, held, issued)
        for conversion in issued.conversions:
            assert conversion.organization_id is not None
            self.balance[(conversion.organization_id, conversion.source_credit_id)] -= conversion.amount_kg
            self.balance[(conversion.organization_id, issued.credit_id)] += conversion.amount_kg
            self.converted += conversion.amount_kg
        self.balance[(org, issued.credit_id)] += issued.amount_kg
        self.verified += kg
        return issued.credit_id

    def _act(self, action: str, sender: str, body: dict[str, Any]) -> tuple[str, str, dict[str, Any], Any]:
        self.keys += 1
        key = f"k{self.keys}"
        actor = service.Actor(sender, "TEST", None)
        request = ActionRequest.model_validate(body)
        try:
            view, replayed = self.db.run_write(service.perform_action, actor, action, request, key)
        except ApiError as exc:
            return action, key, body, exc
        assert not replayed
        return action, key, body, view.row

    def _move(self, action: str, sender: str, receiver: str | None, credit: str, kg: int) -> tuple[Any, ...]:
        body: dict[str, Any] = {"creditId": credit, "amount": ledger.kg_to_tonnes(kg)}
        if receiver is not None:
            body["toOrganizationId"] = receiver
        if action in ("retire", "transfer_retire"):
            body["retirementData"] = RETIRE_DATA
        held = self.balance[(sender, credit)]
        expected_ok = (
            0 < kg <= held
            and (sender != receiver or action == "transfer_retire")  # retiring for oneself is a retire
            and not (action in ("retire", "transfer_retire") and self.kind.get(credit) == "exAnte")
        )
        outcome = self._act(action, sender, body)
        result = outcome[3]
        if expected_ok:
            assert isinstance(result, dict), getattr(result, "message", result)
            assert result["amount_kg"] == kg
            self.balance[(sender, credit)] -= kg
            if action == "transfer":
                assert receiver is not None
                self.balance[(receiver, credit)] += kg
        else:
            assert isinstance(result, ApiError) and result.status_code == 400
        return outcome

    @rule(target=done, credit=credits, frm=st.integers(0, 2), to=st.integers(0, 2), kg=st.integers(1, 70_000))
    def transfer(self, credit: str, frm: int, to: int, kg: int) -> tuple[Any, ...]:
        return self._move("transfer", self._holder(frm), self._holder(to), credit, kg)

    @rule(target=done, credit=credits, frm=st.integers(0, 2), kg=st.integers(1, 70_000))
    def retire(self, credit: str, frm: int, kg: int) -> tuple[Any, ...]:
        return self._move("retire", self._holder(frm), None, credit, kg)

    @rule(target=done, credit=credits, frm=st.integers(0, 2), to=st.integers(0, 2), kg=st.integers(1, 70_000))
    def transfer_retire(self, credit: str, frm: int, to: int, kg: int) -> tuple[Any, ...]:
        return self._move("transfer_retire", self._holder(frm), self._holder(to), credit, kg)

    @rule(target=done, credit=credits, frm=st.integers(0, 2), kg=st.integers(1, 70_000))
    def cancel(self, credit: str, frm: int, kg: int) -> tuple[Any, ...]:
        return self._move("cancel", self._holder(frm), None, credit, kg)

    @rule(previous=done, change=st.booleans())
    def replay(self, previous: tuple[str, str, dict[str, Any], Any], change: bool) -> None:
        action, key, body, result = previous
        sender = result["from_organization_id"] if isinstance(result, dict) else None
        if sender is None:
            return  # refused requests leave no key behind
        actor = service.Actor(sender, "TEST", None)
        more = ledger.kg_to_tonnes(ledger.tonnes_to_kg(body["amount"]) + 1)
        altered = {**body, "amount": more} if change else body
        try:
            view, replayed = self.db.run_write(
                service.perform_action, actor, action, ActionRequest.model_validate(altered), key
            )
        except Conflict:
            assert change
            return
        assert not change and replayed and view.row["id"] == result["id"]

    @invariant()
    def ledger_matches_the_model_and_verifies(self) -> None:
        _checked, problems = self.db.run_read(verify_registry)
        assert problems == [], problems
        defaults = {accounts.default_address(org, "TEST"): org for org in self.orgs}
        with self.db.engine.connect() as conn:
            rows = conn.execute(
                select(
                    registry_holdings.c.account, registry_holdings.c.batch_id, registry_holdings.c.amount_kg
                ).where(registry_holdings.c.account.in_(list(defaults)))
            ).all()
            stored = {
                (defaults[row.account], batch_credit_id(conn, row.batch_id)): int(row.amount_kg)
                for row in rows
            }
        expected = {key: kg for key, kg in self.balance.items() if kg}
        assert {key: kg for key, kg in stored.items() if kg} == expected


def test_registry_state_machine(db: Database) -> None:
    run_state_machine_as_test(
        lambda: RegistryMachine(db),
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=14,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        ),
    )
