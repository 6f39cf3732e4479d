"""(5) Methodology audits (BOLD Recycling and BOLD Carbon) of prepared MassIDs. Waits for the
methodology engine (another branch): until the server serves its routes, the result is "not available".

What it will do (bench/README.md): prepare MassIDs that pass each methodology's rules (accreditations,
pick-up, weighing, drop-off, recycled events as reference/carrot.md §6 requires), then wrk posts
`POST /methodologies/{slug}/audits {"documentId": ...}` once per prepared MassID, alternating the two
methodologies; throughput counts audited MassIDs/s, and afterwards every audit document, certificate and
minted credit batch is counted and `massledger verify` must pass."""

from __future__ import annotations

from typing import Any

from bench.scenarios.base import RunContext, Scenario


class MethodologyAudits(Scenario):
    key = "audits"
    title = "methodology audits (BOLD Recycling + BOLD Carbon)"
    unit = "MassIDs/s"
    required_paths = ("/methodologies/{slug}/audits",)

    def run(self, ctx: RunContext) -> dict[str, Any]:
        return {
            "status": "not available",
            "reason": "routes are served but this plug-in's driver is not written yet (API landed after it)",
            "unit": self.unit,
        }
