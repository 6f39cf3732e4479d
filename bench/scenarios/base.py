"""What a scenario plug-in is: ``run(ctx)`` prepares its data, drives the server with a request plan
(warm-up, then the measured run), runs its in-process references (bare driver, peer, massledger without
HTTP), checks that what was acknowledged is stored, and returns one JSON-able result."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from bench import inproc, load
from bench.config import Profile
from bench.server import Server, cpu_seconds, settle
from bench.world import World, analyze, count_events, event_payload


@dataclass
class RunContext:
    backend: str
    profile: Profile
    workdir: Path
    world: World
    server: Server
    token: str
    template: dict[str, Any]  # an event body the server stored (see bench/rows.py)
    paths: set[str] = field(default_factory=set)  # the server's OpenAPI paths
    db_prefix: str = "massledger_bench"  # PostgreSQL databases of this run are named from it

    def drive(self, name: str, plan: load.Plan, warmup_plan: load.Plan | None = None) -> dict[str, Any]:
        """Warm-up run (discarded, on ``warmup_plan`` or the same plan), then the measured run. The
        prepared rows are analyzed first, as autovacuum would have done on a default server."""
        analyze(self.world.database_url)
        warm = load.run(
            self.profile.generator,
            self.server.url,
            warmup_plan or plan,
            self.workdir / f"{name}-warmup",
            self.profile.connections,
            self.profile.warmup_s,
        )
        settle(self.server.pid)  # the warm-up's last requests do not count in the measured CPU
        cpu_before = cpu_seconds(self.server.pid)
        measured = load.run(
            self.profile.generator,
            self.server.url,
            plan,
            self.workdir / name,
            self.profile.connections,
            self.profile.duration_s,
        )
        settle(self.server.pid)
        cpu = cpu_seconds(self.server.pid) - cpu_before
        result = measured.as_json()
        # Server CPU (user + system) per request: comparable between runs on a busy machine, where
        # throughput is not. Requests wrk gave up on (timeouts) were still served, so they count.
        served = measured.ok + measured.errors["timeout"]
        result["server_cpu_us_per_request"] = round(cpu * 1e6 / served) if served else None
        return {"warmup": warm.as_json(), "measured": result}

    def reference(
        self,
        driver: str,
        operation: str,
        ids: list[str],
        batch: int = 1,
        fresh: bool = False,
        events_each: int = 0,
    ) -> inproc.Measurement:
        return inproc.run(
            {
                "world": self.world.as_json(),
                "driver": driver,
                "operation": operation,
                "ids": ids,
                "batch": batch,
                "fresh": fresh,
                "events_each": events_each,
                "template": self.template,
                "threads": self.profile.postgres_reference_threads if self.backend == "postgresql" else 1,
                "warmup_s": self.profile.inproc_warmup_s,
                "duration_s": self.profile.inproc_duration_s,
            }
        )


def event_json(world: World) -> str:
    return orjson.dumps(event_payload(world)).decode()


def batch_json(world: World, size: int) -> str:
    """A batch body with ``{id}`` where the document id goes."""
    events = orjson.dumps([event_payload(world)] * size).decode()
    return '{"documentId": "{id}", "events": ' + events + "}"


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if not numerator or not denominator:
        return None
    return round(numerator / denominator, 2)


def stored_check(
    database_url: str, ids: list[str], acknowledged: int, in_flight: int, events_per_request: int
) -> dict[str, Any]:
    """Every acknowledged request's events are stored; requests still in flight when the generator
    stopped may also have been stored (at most ``in_flight`` of them)."""
    stored = count_events(database_url, ids)
    low, high = acknowledged * events_per_request, (acknowledged + in_flight) * events_per_request
    return {"stored_events": stored, "expected_min": low, "expected_max": high, "ok": low <= stored <= high}


def reference_check(database_url: str, ids: list[str], before: int, m: inproc.Measurement) -> dict[str, Any]:
    stored = count_events(database_url, ids) - before
    return {"stored_events": stored, "expected": m.all_units, "ok": stored == m.all_units}


class Scenario(ABC):
    key: str
    title: str
    unit: str  # what the throughput counts: "req/s", "events/s", "actions/s", "MassIDs/s"
    required_paths: tuple[str, ...] = ()

    def missing(self, ctx: RunContext) -> str | None:
        """Why the scenario cannot run on this server (None when it can)."""
        absent = [path for path in self.required_paths if not any(_matches(path, p) for p in ctx.paths)]
        if absent:
            return f"route(s) not served yet: {', '.join(absent)}"
        return None

    @abstractmethod
    def run(self, ctx: RunContext) -> dict[str, Any]: ...


def _matches(pattern: str, path: str) -> bool:
    """Route templates match whatever their parameters are named: /a/{x}/b ~ /a/{id}/b."""
    left, right = pattern.strip("/").split("/"), path.strip("/").split("/")
    if len(left) != len(right):
        return False
    return all(a == b or (a.startswith("{") and b.startswith("{")) for a, b in zip(left, right, strict=True))
