"""(2) Batch append: 100 events per request, each request on a fresh document (a document holds at most
100 events by default, so every batch fills one new document)."""

from __future__ import annotations

from typing import Any

from bench.load import Plan
from bench.scenarios.base import RunContext, Scenario, batch_json, ratio, reference_check, stored_check
from bench.world import create_documents


class BatchAppend(Scenario):
    key = "batch_append"
    title = "batch append (100 events/request)"
    unit = "events/s"

    def run(self, ctx: RunContext) -> dict[str, Any]:
        size = ctx.profile.batch_size
        warm_ids = create_documents(ctx.world, ctx.profile.batch_documents(warmup=True), tag="batch-warm")
        ids = create_documents(ctx.world, ctx.profile.batch_documents(warmup=False), tag="batch")
        body = batch_json(ctx.world, size)
        plan = Plan("POST", "/documents/events", ids, ctx.token, body=body)
        warm_plan = Plan("POST", "/documents/events", warm_ids, ctx.token, body=body)
        http = ctx.drive(self.key, plan, warm_plan)
        for run_name, prepared in (("warmup", warm_ids), ("measured", ids)):
            if http[run_name]["requests"] > len(prepared):
                raise RuntimeError(
                    f"{run_name}: {http[run_name]['requests']} requests but only {len(prepared)} fresh "
                    "documents were prepared (raise Profile.batch_rate_ceiling)"
                )
        checks = {
            "http": stored_check(
                ctx.world.database_url, ids, http["measured"]["ok"], ctx.profile.connections, size
            )
        }
        fresh = ctx.profile.batch_documents(warmup=False) + ctx.profile.batch_documents(warmup=True)
        references: dict[str, Any] = {}
        for driver in ("raw", "massledger"):
            own = create_documents(ctx.world, fresh, tag=f"batch-{driver}")
            measurement = ctx.reference(driver, "append", own, batch=size, fresh=True)
            references[driver] = measurement.as_json()
            checks[driver] = reference_check(ctx.world.database_url, own, 0, measurement)
        peer = ctx.reference("peer", "append", [""] * fresh, batch=size, fresh=True)
        references["peer"] = peer.as_json()
        checks["peer"] = {
            "stored_events": peer.stored,
            "expected": peer.all_units,
            "ok": peer.stored == peer.all_units,
        }
        measured = http["measured"]
        events_per_s = round(measured["throughput"] * size, 1)
        return {
            "status": "ok",
            "unit": self.unit,
            "throughput": events_per_s,
            "requests_per_s": measured["throughput"],
            "p50_ms": measured["p50_ms"],
            "p99_ms": measured["p99_ms"],
            "batch_size": size,
            "http": http,
            "references": references,
            "ratios": {
                "to_raw": ratio(events_per_s, references["raw"]["units_per_s"]),
                "to_peer": ratio(events_per_s, references["peer"]["units_per_s"]),
                "inprocess_to_peer": ratio(
                    references["massledger"]["units_per_s"], references["peer"]["units_per_s"]
                ),
            },
            "verification": checks,
        }
