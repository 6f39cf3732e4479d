"""(4) Registry transfers and retirements under contention on 10 hot holdings.

10 organizations hold parts of one batch of TEST credits (prepared through the registry's service
functions, bench/registry.py); wrk sends `POST /organizations/{id}/inventory/action/{transfer|retire}`,
each organization with its own token and every request with its own Idempotency-Key: organization i
transfers 1 kg to organization i+1, then each retires 1 kg, cycled, so every action locks two of the 10
hot accounts. Afterwards the stored transfers and retirements are counted against the acknowledged ones
and the registry verifier runs on the whole ledger (chains, holdings = journal replay, conservation per
batch, disjoint serials, hashes): every problem it reports is an invariant violation (target: zero).

References, each on its own 10 organizations and batch in the same database: the bare driver running the
action path's statements in its transaction shape, and massledger's ``perform_action`` in-process. The
peer is not run: eventsourcing has no ledger, and an account-aggregate model of it (optimistic version
checks and retries instead of row locks, no serial ranges, no journal chain) would not write the same
rows nor give the same guarantee, so a ratio to it would compare different work."""

from __future__ import annotations

import uuid
from typing import Any

from bench import registry, server
from bench.load import Plan
from bench.scenarios.base import RunContext, Scenario, ratio


class RegistryActions(Scenario):
    key = "registry_actions"
    title = "registry transfer/retire on 10 hot holdings"
    unit = "actions/s"
    required_paths = ("/organizations/{id}/inventory/action/{action}",)
    holders = 10

    def run(self, ctx: RunContext) -> dict[str, Any]:
        hot = registry.prepare(ctx.world, "http", self.holders)
        tokens = [server.fetch_token(ctx.server.url, cid, secret) for cid, secret in hot.clients]
        rows = hot.rows(tokens)
        before = registry.count_actions(ctx.world.database_url, hot.organizations)
        run_id = uuid.uuid4().hex[:12]

        def plan(name: str) -> Plan:
            # Idempotency keys unique per request ({seq}) and per run (warm-up and measured differ).
            headers = {"Authorization": "Bearer {3}", "Idempotency-Key": f"bench-{run_id}-{name}-{{seq}}"}
            return Plan("POST", registry.PATH, rows, "", body="{4}", headers=headers)

        http = ctx.drive(self.key, plan("measured"), plan("warmup"))
        acknowledged = http["warmup"]["ok"] + http["measured"]["ok"]
        stored = registry.count_actions(ctx.world.database_url, hot.organizations) - before
        in_flight = 2 * ctx.profile.connections
        checks: dict[str, Any] = {
            "http": {
                "stored_actions": stored,
                "expected_min": acknowledged,
                "expected_max": acknowledged + in_flight,
                "ok": acknowledged <= stored <= acknowledged + in_flight,
            }
        }
        references: dict[str, Any] = {}
        for driver in ("raw", "massledger"):
            own = registry.prepare(ctx.world, driver, self.holders)
            base = registry.count_actions(ctx.world.database_url, own.organizations)
            measurement = ctx.reference(driver, "registry", own.rows())
            references[driver] = measurement.as_json()
            made = registry.count_actions(ctx.world.database_url, own.organizations) - base
            checks[driver] = {
                "stored_actions": made,
                "expected": measurement.all_units,
                "ok": made == measurement.all_units,
            }
        verified = registry.verify(ctx.world.database_url)
        measured = http["measured"]
        return {
            "status": "ok",
            "unit": self.unit,
            "throughput": measured["throughput"],
            "p50_ms": measured["p50_ms"],
            "p99_ms": measured["p99_ms"],
            "violations": verified["violations"],
            "holders": self.holders,
            "actions": ["transfer", "retire"],
            "http": http,
            "references": references,
            "ratios": {
                "to_raw": ratio(measured["throughput"], references["raw"]["ops_per_s"]),
                "to_peer": None,
                "inprocess_to_raw": ratio(
                    references["massledger"]["ops_per_s"], references["raw"]["ops_per_s"]
                ),
            },
            "peer": "not run: eventsourcing has no ledger to compare (see bench/scenarios/registry.py)",
            "verification": {**checks, "registry_verify": verified},
        }
