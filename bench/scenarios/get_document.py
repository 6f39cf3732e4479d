"""(3) GET of a 15-event document (full timeline rendered), over many such documents."""

from __future__ import annotations

from typing import Any

from bench.load import Plan
from bench.scenarios.base import RunContext, Scenario, ratio
from bench.world import create_documents


class GetDocument(Scenario):
    key = "get_document"
    title = "GET of a 15-event document"
    unit = "req/s"

    def run(self, ctx: RunContext) -> dict[str, Any]:
        events = ctx.profile.get_events
        ids = create_documents(ctx.world, ctx.profile.get_documents, events_each=events, tag="get")
        http = ctx.drive(self.key, Plan("GET", "/documents/{id}", ids, ctx.token))
        references = {
            "raw": ctx.reference("raw", "get", ids).as_json(),
            "massledger": ctx.reference("massledger", "get", ids).as_json(),
            "peer": ctx.reference("peer", "get", ids, events_each=events).as_json(),
        }
        measured = http["measured"]
        return {
            "status": "ok",
            "unit": self.unit,
            "throughput": measured["throughput"],
            "p50_ms": measured["p50_ms"],
            "p99_ms": measured["p99_ms"],
            "events_per_document": events,
            "http": http,
            "references": references,
            "ratios": {
                "to_raw": ratio(measured["throughput"], references["raw"]["ops_per_s"]),
                "to_peer": ratio(measured["throughput"], references["peer"]["ops_per_s"]),
                "inprocess_to_peer": ratio(
                    references["massledger"]["ops_per_s"], references["peer"]["ops_per_s"]
                ),
            },
            "verification": {"http": {"errors": measured["errors"], "ok": measured["errors"]["status"] == 0}},
        }
