"""Run one in-process reference (bench/drivers.py) in its own process pinned to the server core, so it
gets the same CPU the server gets: ``python -m bench.inproc < spec.json`` prints one JSON result."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
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
    threads: int = 1  # PostgreSQL references run several connections at once (the server has 32)
    stored: int | None = None  # the peer counts its own stored events
    command: str = ""

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Lane:
    """One thread of work: its own driver, its own slice of the prepared ids."""

    op: Callable[[int], int]
    max_ops: int | None
    k: int = 0
    warm_units: int = 0
    units: int = 0
    exhausted: bool = False
    latencies: list[float] = field(default_factory=list)
    error: BaseException | None = None

    def run(self, warm_until: float, measure_from: threading.Barrier, duration_s: float) -> None:
        try:
            self._run(warm_until, measure_from, duration_s)
        except threading.BrokenBarrierError:
            pass  # another lane failed; its error is reported
        except BaseException as exc:
            self.error = exc
            measure_from.abort()

    def _run(self, warm_until: float, measure_from: threading.Barrier, duration_s: float) -> None:
        while time.perf_counter() < warm_until and not self._done():
            self.warm_units += self.op(self.k)
            self.k += 1
        measure_from.wait()
        deadline = time.perf_counter() + duration_s
        while time.perf_counter() < deadline:
            if self._done():
                self.exhausted = True
                break
            before = time.perf_counter()
            self.units += self.op(self.k)
            self.latencies.append(time.perf_counter() - before)
            self.k += 1

    def _done(self) -> bool:
        return self.max_ops is not None and self.k >= self.max_ops


def measure(
    driver: str,
    ops: list[Callable[[int], int]],
    warmup_s: float,
    duration_s: float,
    max_ops: list[int | None],
) -> Measurement:
    """Warm up, then run each op back to back for ``duration_s`` (one thread per op); every op is timed."""
    lanes = [_Lane(op, limit) for op, limit in zip(ops, max_ops, strict=True)]
    barrier = threading.Barrier(len(lanes) + 1)
    warm_until = time.perf_counter() + warmup_s
    threads = [threading.Thread(target=lane.run, args=(warm_until, barrier, duration_s)) for lane in lanes]
    for thread in threads:
        thread.start()
    with contextlib.suppress(threading.BrokenBarrierError):  # a lane failed: its error is raised below
        barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    for lane in lanes:
        if lane.error is not None:
            raise lane.error
    seconds = time.perf_counter() - started
    latencies = sorted(latency for lane in lanes for latency in lane.latencies)
    units = sum(lane.units for lane in lanes)
    return Measurement(
        driver=driver,
        ops=len(latencies),
        units=units,
        seconds=round(seconds, 3),
        ops_per_s=round(len(latencies) / seconds, 1) if seconds else 0.0,
        units_per_s=round(units / seconds, 1) if seconds else 0.0,
        p50_ms=round(percentile(latencies, 0.5) * 1000, 3),
        p99_ms=round(percentile(latencies, 0.99) * 1000, 3),
        exhausted=any(lane.exhausted for lane in lanes),
        all_units=sum(lane.warm_units for lane in lanes) + units,
        threads=len(lanes),
    )


def run_spec(spec: dict[str, Any]) -> Measurement:
    from bench import drivers

    world = World.from_json(spec["world"])
    kind: Any = {"raw": drivers.Raw, "peer": drivers.Peer, "massledger": drivers.Massledger}[spec["driver"]]
    threads = max(1, min(spec.get("threads", 1), len(spec["ids"])))
    slices = [spec["ids"][index::threads] for index in range(threads)]
    if spec["operation"] == "registry":  # scenario 4: the ids are plan rows (bench/registry.py)
        from bench import registry

        actions: Any = {"raw": registry.RawActions, "massledger": registry.MassledgerActions}[spec["driver"]]
        made = [actions(world, ids) for ids in slices]
    elif spec["operation"] == "audit":  # scenario 5: the ids are plan rows (bench/audits.py)
        from bench.audits import MassledgerAudits

        made = [MassledgerAudits(world, ids) for ids in slices]
    else:
        made = [
            kind(world, spec["operation"], ids, spec["batch"], spec["template"], spec.get("events_each", 0))
            for ids in slices
        ]
    try:
        result = measure(
            spec["driver"],
            [driver.op for driver in made],
            spec["warmup_s"],
            spec["duration_s"],
            [len(ids) if spec.get("fresh") else None for ids in slices],
        )
        if spec["driver"] == "peer":
            result = Measurement(**{**result.as_json(), "stored": sum(d.stored_events() for d in made)})
        return result
    finally:
        for driver in made:
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
    data["command"] = (
        f"taskset -c {SERVER_CORE} python -m bench.inproc"
        f"  # driver={spec['driver']}, {data['threads']} thread(s)"
    )
    return Measurement(**data)


if __name__ == "__main__":
    print(json.dumps(run_spec(json.load(sys.stdin)).as_json()))
