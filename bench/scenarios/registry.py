"""(4) Registry transfers and retirements under contention on 10 hot holdings. Waits for the registry
API (another branch): until the server serves its routes, the result is "not available".

What it will do (bench/README.md): 10 organizations each holding TEST credits (friendbot); wrk sends
`transfer` and `retire` actions among them (small amounts, so balances stay positive), all hitting the
same 10 holdings; afterwards the registry invariants are checked with `massledger verify` and by summing
holdings + retired = issued (target: zero violations), against a bare-driver baseline doing the guarded
debit/credit/journal transaction of docs/architecture.md."""

from __future__ import annotations

from typing import Any

from bench.scenarios.base import RunContext, Scenario


class RegistryActions(Scenario):
    key = "registry_actions"
    title = "registry transfer/retire on 10 hot holdings"
    unit = "actions/s"
    required_paths = ("/organizations/{id}/inventory/action/{action}",)

    def run(self, ctx: RunContext) -> dict[str, Any]:
        return {
            "status": "not available",
            "reason": "routes are served but this plug-in's driver is not written yet (API landed after it)",
            "unit": self.unit,
        }
