"""The targets of issue 7 (2-core machine, server on 1 core), checked against each result."""

from __future__ import annotations

from typing import Any

# scenario -> backend -> [(label, path into the result, comparison, bound)]
Target = tuple[str, tuple[str, ...], str, float]
TARGETS: dict[str, dict[str, list[Target]]] = {
    "single_append": {
        "sqlite": [
            ("≥ 2,000 req/s", ("throughput",), ">=", 2000),
            ("p99 ≤ 50 ms", ("p99_ms",), "<=", 50),
            ("≥ the peer", ("ratios", "to_peer"), ">=", 1),
        ],
        "postgresql": [
            ("≥ 1,200 req/s", ("throughput",), ">=", 1200),
            ("p99 ≤ 50 ms", ("p99_ms",), "<=", 50),
            ("≥ the peer", ("ratios", "to_peer"), ">=", 1),
        ],
    },
    "batch_append": {
        "sqlite": [
            ("≥ 20,000 events/s", ("throughput",), ">=", 20000),
            ("≥ 10 × the peer", ("ratios", "to_peer"), ">=", 10),
        ],
        "postgresql": [
            ("≥ 15,000 events/s", ("throughput",), ">=", 15000),
            ("≥ 10 × the peer", ("ratios", "to_peer"), ">=", 10),
        ],
    },
    "get_document": {
        "sqlite": [("≥ 3,000 req/s", ("throughput",), ">=", 3000)],
        "postgresql": [("≥ 2,500 req/s", ("throughput",), ">=", 2500)],
    },
    "registry_actions": {
        "sqlite": [
            ("≥ 800 actions/s", ("throughput",), ">=", 800),
            ("zero invariant violations", ("violations",), "<=", 0),
        ],
        "postgresql": [
            ("≥ 600 actions/s", ("throughput",), ">=", 600),
            ("zero invariant violations", ("violations",), "<=", 0),
        ],
    },
    "audits": {
        "sqlite": [("≥ 200 MassIDs/s", ("throughput",), ">=", 200)],
        "postgresql": [("≥ 150 MassIDs/s", ("throughput",), ">=", 150)],
    },
    "growth": {
        backend: [
            ("append p99 large/small ≤ 1.5", ("append_p99_ratio",), "<=", 1.5),
            ("GET p99 large/small ≤ 1.5", ("get_p99_ratio",), "<=", 1.5),
        ]
        for backend in ("sqlite", "postgresql")
    },
}


def _lookup(result: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = result
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def evaluate(scenario: str, backend: str, result: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target with the measured value and pass/fail (None when the scenario did not run)."""
    checks = []
    for label, path, comparison, bound in TARGETS.get(scenario, {}).get(backend, []):
        measured = _lookup(result, path) if result.get("status") == "ok" else None
        passed = None
        if isinstance(measured, int | float):
            passed = measured >= bound if comparison == ">=" else measured <= bound
        checks.append({"target": label, "measured": measured, "pass": passed})
    return checks
