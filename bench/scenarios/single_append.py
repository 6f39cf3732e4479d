"""(1) Single-event append over HTTP: 32 connections spread over 1,000 documents, one event per request."""

from __future__ import annotations

from typing import Any

from bench.load import Plan
from bench.scenarios.base import RunContext, Scenario, event_json, ratio, reference_check, stored_check
from bench.world import count_events, create_documents


class SingleAppend(Scenario):
    key = "single_append"
    title = "single-event append"
    unit = "req/s"

    def run(self, ctx: RunContext) -> dict[str, Any]:
        n = ctx.profile.append_documents
        ids = create_documents(ctx.world, n, tag="single")
        plan = Plan("POST", "/documents/{id}/events", ids, ctx.token, body=event_json(ctx.world))
        http = ctx.drive(self.key, plan)
        acknowledged = http["warmup"]["ok"] + http["measured"]["ok"]
        check = stored_check(ctx.world.database_url, ids, acknowledged, 2 * ctx.profile.connections, 1)

        references: dict[str, Any] = {}
        checks = {"http": check}
        for driver in ("raw", "massledger"):
            own = create_documents(ctx.world, n, tag=f"single-{driver}")
            measurement = ctx.reference(driver, "append", own)
            references[driver] = measurement.as_json()
            checks[driver] = reference_check(ctx.world.database_url, own, 0, measurement)
        peer = ctx.reference("peer", "append", ids)
        references["peer"] = peer.as_json()
        checks["peer"] = {
            "stored_events": peer.stored,
            "expected": peer.all_units,
            "ok": peer.stored == peer.all_units,
        }
        measured = http["measured"]
        return {
            "status": "ok",
            "unit": self.unit,
            "throughput": measured["throughput"],
            "p50_ms": measured["p50_ms"],
            "p99_ms": measured["p99_ms"],
            "http": http,
            "references": references,
            "ratios": {
                "to_raw": ratio(measured["throughput"], references["raw"]["ops_per_s"]),
                "to_peer": ratio(measured["throughput"], references["peer"]["ops_per_s"]),
                "inprocess_to_peer": ratio(
                    references["massledger"]["ops_per_s"], references["peer"]["ops_per_s"]
                ),
            },
            "verification": checks,
            "documents": n,
            "events_stored_total": count_events(ctx.world.database_url, ids),
        }
