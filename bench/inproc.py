"""Run one in-process reference (bench/drivers.py) in its own process pinned to the server core, so it
gets the same CPU the server gets: ``python -m bench.inproc < spec.json`` prints one JSON result."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from bench.config import SERVER_CORE
from bench.load import percentile
from bench.machine import ROOT
from bench.world import World


@dataclass(frozen=True)
class Measurement:
    driver: str
    ops: int
    units: int
    seconds: float
    ops_per_s: float
    units_per_s: float
    p50_ms: float
    p99_ms: float
    exhausted: bool  # ran out of prepared work before the duration ended (the rate is still valid)
    all_units: int  # including the warm-up: what must be stored afterwards
    stored: int | None = None  # the peer counts its own stored events
    command: str = ""

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def measure(
    driver: str, op: Callable[[int], int], warmup_s: float, duration_s: float, max_ops: int | None
) -> Measurement:
    """Warm up, then run ``op`` back to back for ``duration_s``; every op is timed."""
    k = 0
    warm_units = 0
    deadline = time.perf_counter() + warmup_s
    while time.perf_counter() < deadline and (max_ops is None or k < max_ops):
        warm_units += op(k)
        k += 1
    latencies: list[float] = []
    units = 0
    started = time.perf_counter()
    deadline = started + duration_s
    exhausted = False
    while time.perf_counter() < deadline:
        if max_ops is not None and k >= max_ops:
            exhausted = True
            break
        before = time.perf_counter()
        units += op(k)
        latencies.append(time.perf_counter() - before)
        k += 1
    seconds = time.perf_counter() - started
    latencies.sort()
    return Measurement(
        driver=driver,
        ops=len(latencies),
        units=units,
        seconds=round(seconds, 3),
        ops_per_s=round(len(latencies) / seconds, 1) if seconds else 0.0,
        units_per_s=round(units / seconds, 1) if seconds else 0.0,
        p50_ms=round(percentile(latencies, 0.5) * 1000, 3),
        p99_ms=round(percentile(latencies, 0.99) * 1000, 3),
        exhausted=exhausted,
        all_units=warm_units + units,
    )


def run_spec(spec: dict[str, Any]) -> Measurement:
    from bench import drivers

    world = World.from_json(spec["world"])
    kind: Any = {"raw": drivers.Raw, "peer": drivers.Peer, "massledger": drivers.Massledger}[spec["driver"]]
    driver = kind(
        world, spec["operation"], spec["ids"], spec["batch"], spec["template"], spec.get("events_each", 0)
    )
    try:
        result = measure(
            spec["driver"],
            driver.op,
            spec["warmup_s"],
            spec["duration_s"],
            len(spec["ids"]) if spec.get("fresh") else None,
        )
        if isinstance(driver, drivers.Peer):
            result = Measurement(**{**result.as_json(), "stored": driver.stored_events()})
        return result
    finally:
        driver.close()


def run(spec: dict[str, Any]) -> Measurement:
    """Run a spec in a child process on the server core (the parent keeps no database state)."""
    args = ["taskset", "-c", str(SERVER_CORE), sys.executable, "-m", "bench.inproc"]
    completed = subprocess.run(
        args, input=json.dumps(spec), capture_output=True, text=True, timeout=3600, check=False, cwd=ROOT
    )
    if completed.returncode != 0:
        raise RuntimeError(f"in-process {spec['driver']} failed: {completed.stderr.strip()[-2000:]}")
    data = json.loads(completed.stdout.strip().splitlines()[-1])
    data["command"] = f"taskset -c {SERVER_CORE} python -m bench.inproc  # driver={spec['driver']}"
    return Measurement(**data)


if __name__ == "__main__":
    print(json.dumps(run_spec(json.load(sys.stdin)).as_json()))
