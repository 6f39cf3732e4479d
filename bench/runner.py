"""Run every scenario on every backend and write results.json, the chart and the README table."""

from __future__ import annotations

import json
import shutil
import signal
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from bench import load, machine, report, rows, server
from bench.config import Profile
from bench.scenarios import ALL, SHARED, RunContext, Scenario
from bench.targets import evaluate
from bench.world import (
    create_documents,
    create_world,
    drop_postgres_database,
    fresh_database,
    postgres_admin_url,
)

OUT = Path(__file__).resolve().parent / "out"


def _run_one(scenario: Scenario, ctx: RunContext, log: Any) -> dict[str, Any]:
    missing = scenario.missing(ctx)
    if missing:
        result: dict[str, Any] = {"status": "not available", "reason": missing, "unit": scenario.unit}
    else:
        started = time.perf_counter()
        try:
            result = scenario.run(ctx)
        except Exception as exc:  # a failed scenario is reported, the others still run
            traceback.print_exc(file=sys.stderr)
            result = {"status": "failed", "reason": f"{type(exc).__name__}: {exc}", "unit": scenario.unit}
        result["seconds"] = round(time.perf_counter() - started, 1)
    result["title"] = scenario.title
    result["targets"] = evaluate(scenario.key, ctx.backend, result)
    log(f"  {scenario.key}: {report.one_line(result)}")
    return result


def run_backend(
    backend: str, profile: Profile, keys: set[str], workdir: Path, db_prefix: str, log: Any
) -> dict[str, Any]:
    workdir.mkdir(parents=True, exist_ok=True)
    url = fresh_database(backend, workdir, db_prefix)
    world = create_world(url, workdir / "data")
    template_id = create_documents(world, 1, events_each=1, tag="template")[0]
    template = rows.load_template(url, template_id)
    results: dict[str, Any] = {}
    with server.start(url, world.data_dir) as live:
        token = server.fetch_token(live.url, world.client_id, world.client_secret)
        paths = server.openapi_paths(live.url)
        ctx = RunContext(backend, profile, workdir, world, live, token, template, paths, db_prefix)
        ceiling = load.run(
            profile.generator,
            live.url,
            load.Plan("GET", "/health", ["-"], token),
            workdir / "ceiling",
            profile.connections,
            profile.duration_s,
        )
        log(f"  load generator on /health: {ceiling.throughput:.0f} req/s (p99 {ceiling.p99_ms} ms)")
        for scenario in SHARED:
            if scenario.key in keys:
                results[scenario.key] = _run_one(scenario, ctx, log)
        server_command = live.command
    written = any(
        results.get(k, {}).get("status") == "ok"
        for k in ("single_append", "batch_append", "registry_actions", "audits")
    )
    checked = server.verify(url, world.data_dir) if written else None
    if checked is not None:
        log(f"  massledger verify: {'ok' if checked['ok'] else 'FAILED'} {checked['checked']}")
    for later in ALL:
        if later.key in keys and later not in SHARED:
            results[later.key] = _run_one(later, ctx, log)
    return {
        "scenarios": results,
        "verify": checked,
        "load_generator_ceiling": ceiling.as_json(),
        "server_command": server_command,
    }


def stop_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C, so servers are stopped and databases dropped by the ``finally``s."""

    def interrupt(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, interrupt)


def cleanup(backend: str, workdir: Path, db_prefix: str) -> None:
    """Databases of a run are not kept (the growth cache is, under bench/out/cache)."""
    if backend == "postgresql":
        for suffix in ("", "_growth_small", "_growth_large"):
            drop_postgres_database(db_prefix + suffix)
    shutil.rmtree(workdir, ignore_errors=True)


def main(
    profile: Profile,
    backends: list[str],
    keys: set[str],
    results_path: Path,
    readme_path: Path | None,
    chart_path: Path | None,
    keep: bool = False,
    out: Path = OUT,
    db_prefix: str = "massledger_bench",
) -> dict[str, Any]:
    """Run, write the files, return the results. ``out`` holds the run's scratch files; PostgreSQL
    databases are named from ``db_prefix`` (the test suite passes its own, per checkout)."""

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    stop_on_sigterm()

    meta = machine.describe(postgres_admin_url())
    meta["profile"] = profile.name
    meta["preliminary"] = profile.name != "full"
    meta["settings"] = {
        "warmup_s": profile.warmup_s,
        "duration_s": profile.duration_s,
        "inproc_warmup_s": profile.inproc_warmup_s,
        "inproc_duration_s": profile.inproc_duration_s,
        "connections": profile.connections,
        "server_env": server.BENCH_SERVER_ENV,
        "growth_sizes": [profile.growth_small, profile.growth_large],
    }
    meta["commands"] = {
        "run": f"python -m bench --profile {profile.name}",
        "server": "taskset -c 0 python -m massledger serve --workers 1",
        "load": "taskset -c 1 wrk -t1 -c32 -dDURATION --timeout 10s -s bench/lua/plan.lua URL -- PLAN_DIR",
        "references": "taskset -c 0 python -m bench.inproc < spec.json",
    }
    results: dict[str, Any] = {"meta": meta, "backends": {}}
    for backend in backends:
        log(f"{backend}:")
        workdir = out / f"run-{backend}"
        shutil.rmtree(workdir, ignore_errors=True)
        try:
            results["backends"][backend] = run_backend(backend, profile, keys, workdir, db_prefix, log)
        finally:
            if not keep:
                cleanup(backend, workdir, db_prefix)
    results_path.parent.mkdir(parents=True, exist_ok=True)
    results_path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    if chart_path is not None:
        report.chart(results, chart_path)
    if readme_path is not None:
        report.update_readme(results, readme_path)
    return results
