"""(5) Methodology audits (BOLD Recycling and BOLD Carbon) of prepared MassIDs.

MassIDs that pass every rule of both methodologies are prepared through massledger's own service
functions (bench/audits.py: the accreditations, definitions and reference MassID of the methodology
tests); wrk then posts `POST /methodologies/{slug}/audits {"documentId": ...}`, one request per MassID and
methodology: each MassID is audited under BOLD Recycling, then under BOLD Carbon, by consecutive requests
(so two connections may queue on one MassID's row lock, as two auditors would). Throughput counts audits
per second, i.e. MassIDs audited per second under one methodology. Every request must find a fresh
(MassID, methodology) pair: the run fails loudly if wrk outruns the prepared MassIDs.

Afterwards the operator's stored audits, certificates and minted credit batches are counted: every
acknowledged audit is stored, every stored audit passed (one certificate each) and minted one batch;
`massledger verify` then runs on the whole database (the runner).

Reference: massledger's ``run_audit`` in-process (the server minus HTTP). There is no bare-driver or peer
reference: an audit is massledger's rule engine deciding what to write (load the graph, evaluate the
rules, then ~25 rows over 4 documents and the registry); a bare driver writing those rows without the
rules, or eventsourcing storing them, would measure storage, not audits."""

from __future__ import annotations

from typing import Any

from bench import audits
from bench.load import Plan
from bench.scenarios.base import RunContext, Scenario, ratio


class MethodologyAudits(Scenario):
    key = "audits"
    title = "methodology audits (BOLD Recycling + BOLD Carbon)"
    unit = "MassIDs/s"
    required_paths = ("/methodologies/{slug}/audits",)

    def run(self, ctx: RunContext) -> dict[str, Any]:
        profile = ctx.profile
        prepared = audits.prepare_world(ctx.world)
        operator = audits.new_operator(ctx.world, "Bench BOLD operator (HTTP)")
        from bench import server

        token = server.fetch_token(ctx.server.url, operator.client_id, operator.client_secret)
        plans: dict[str, Plan] = {}
        sizes: dict[str, int] = {}
        start = 0
        for name in ("warmup", "measured"):
            count = profile.audit_mass_ids(warmup=name == "warmup")
            mass_ids = audits.prepare_mass_ids(ctx.world, prepared, operator, count, start)
            start += count
            rows = audits.rows(operator, mass_ids)
            sizes[name] = len(rows)
            plans[name] = Plan("POST", audits.PATH, rows, token, body=audits.BODY)
        http = ctx.drive(self.key, plans["measured"], plans["warmup"])
        for name, size in sizes.items():
            if http[name]["requests"] > size:
                raise RuntimeError(
                    f"{name}: {http[name]['requests']} audits but only {size} (MassID, methodology) pairs"
                    " were prepared (raise Profile.audit_rate_ceiling)"
                )
        acknowledged = http["warmup"]["ok"] + http["measured"]["ok"]
        checks = {"http": _check(ctx, operator, acknowledged, 2 * profile.connections)}

        own = audits.new_operator(ctx.world, "Bench BOLD operator (in-process)")
        count = profile.audit_mass_ids(warmup=False, inproc=True)
        mass_ids = audits.prepare_mass_ids(ctx.world, prepared, own, count, start)
        inproc = ctx.reference("massledger", "audit", audits.rows(own, mass_ids), fresh=True)
        checks["massledger"] = _check(ctx, own, inproc.all_units, 0)
        measured = http["measured"]
        return {
            "status": "ok",
            "unit": self.unit,
            "throughput": measured["throughput"],
            "p50_ms": measured["p50_ms"],
            "p99_ms": measured["p99_ms"],
            "methodologies": list(audits.SLUGS),
            "prepared_pairs": sizes,
            "http": http,
            "references": {"massledger": inproc.as_json()},
            "ratios": {
                "to_raw": None,
                "to_peer": None,
                "http_to_inprocess": ratio(measured["throughput"], inproc.ops_per_s),
            },
            "peer": "not run: no bare-driver or peer equivalent of the rule engine (see the module)",
            "verification": checks,
        }


def _check(ctx: RunContext, operator: audits.Client, acknowledged: int, in_flight: int) -> dict[str, Any]:
    """Acknowledged audits are stored (at most ``in_flight`` more), each passed: a certificate and a
    credit batch per audit."""
    stored = audits.count_outcomes(ctx.world.database_url, operator)
    low, high = acknowledged, acknowledged + in_flight
    ok = (
        low <= stored["audits"] <= high
        and stored["certificates"] == stored["credit_batches"] == stored["audits"]
    )
    return {**stored, "expected_min": low, "expected_max": high, "ok": ok}
