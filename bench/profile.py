"""Profile the server under wrk load: `python -m bench.profile [--backend sqlite] [--seconds 15]
[--scenario single_append|get_document|registry_actions|audits]... [--no-spy]`.

Starts a benchmark server (as bench/runner.py does), drives each scenario's plan with wrk (default:
single appends, then GETs), and records the server process with `py-spy record --native --format raw`
meanwhile; every run also reports the server's CPU time (user + system) per request, the number to
compare before and after a change on a shared machine (`--no-spy` measures only that). Writes the folded
stacks and a summary of where the time goes (self and inclusive share of busy samples per function) to
bench/out/profile-<backend>-<scenario>.{folded,md}. The summary lines are what bench/README.md quotes."""

from __future__ import annotations

import argparse
import shutil
import subprocess
from collections import Counter
from pathlib import Path

from sqlalchemy import text

from bench import audits, load, registry, server
from bench.config import LOAD_CORE, PROFILES
from bench.runner import stop_on_sigterm
from bench.scenarios.base import event_json
from bench.world import World, create_documents, create_world, drop_postgres_database, fresh_database
from massledger.db.engine import Database

OUT = Path(__file__).resolve().parent / "out"


_MASSLEDGER = ("massledger/", "traceability/", "auth/", "db/", "organizations/", "cli/")
# (substring of a frame's location, component); the leaf-most frame that matches names the component.
_COMPONENTS = (
    ("libsqlite3", "SQLite (engine and file I/O)"),
    ("_sqlite", "SQLite (engine and file I/O)"),
    ("psycopg", "psycopg / libpq (driver)"),
    ("libpq", "psycopg / libpq (driver)"),
    ("greenlet", "SQLAlchemy async bridge (greenlet)"),
    ("sqlalchemy/", "SQLAlchemy (engine, pool, events)"),
    ("pydantic", "Pydantic (validation, serialisation)"),
    ("orjson", "orjson"),
    ("libcrypto", "hashing / crypto (OpenSSL)"),
    ("jwt/", "hashing / crypto (OpenSSL)"),
    ("fastapi/", "FastAPI / Starlette (routing, dependencies, middleware)"),
    ("starlette/", "FastAPI / Starlette (routing, dependencies, middleware)"),
    ("uvicorn/", "uvicorn / uvloop / httptools (HTTP, sockets)"),
    ("httptools", "uvicorn / uvloop / httptools (HTTP, sockets)"),
    ("loop.c", "uvicorn / uvloop / httptools (HTTP, sockets)"),
    ("stream.c", "uvicorn / uvloop / httptools (HTTP, sockets)"),
    ("linux.c", "uvicorn / uvloop / httptools (HTTP, sockets)"),
    ("core.c", "uvicorn / uvloop / httptools (HTTP, sockets)"),
    ("asyncio/", "asyncio"),
    ("_asynciomodule", "asyncio"),
)


def _location(frame: str) -> tuple[str, str]:
    name, _, where = frame.partition(" (")
    return name, where.rstrip(")").rsplit(":", 1)[0]


def _frame_key(frame: str) -> str:
    """'fn (path/to/module.py:123)' -> 'fn (to/module.py)': lines of one function are added up."""
    name, file = _location(frame)
    short = "/".join(file.split("/")[-2:])
    return f"{name} ({short})" if file else name


def _component(frames: list[str]) -> str:
    for frame in reversed(frames):
        file = _location(frame)[1]
        if file.startswith(_MASSLEDGER) or file.startswith("massledger"):
            return f"massledger {file.removeprefix('massledger/')}"
        for needle, component in _COMPONENTS:
            if needle in file:
                return component
    return "interpreter / other"


def summarize(folded: str, top: int = 25) -> str:
    """Busy samples by component (leaf-most known frame), by function (self) and under massledger's
    own functions (inclusive)."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    components: Counter[str] = Counter()
    total = 0
    for line in folded.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [f for f in stack.split(";") if f]
        if not frames:
            continue
        total += count
        own[_frame_key(frames[-1])] += count
        components[_component(frames)] += count
        for key in {_frame_key(f) for f in frames if _location(f)[1].startswith(_MASSLEDGER)}:
            inclusive[key] += count
    if not total:
        return "no samples\n"

    def share(n: int) -> str:
        return f"{100 * n / total:5.1f}%"

    lines = [f"{total} busy samples (py-spy --native, idle excluded)", "", "by component (self time):"]
    lines += [f"  {share(n)}  {name}" for name, n in components.most_common()]
    lines += ["", "by function (self time):"]
    lines += [f"  {share(n)}  {frame}" for frame, n in own.most_common(top)]
    lines += ["", "under massledger's functions (inclusive):"]
    lines += [f"  {share(n)}  {frame}" for frame, n in inclusive.most_common(top)]
    return "\n".join(lines) + "\n"


def record(pid: int, seconds: int, target: Path) -> subprocess.Popen[bytes]:
    py_spy = shutil.which("py-spy") or str(Path(__import__("sys").executable).parent / "py-spy")
    args = ["taskset", "-c", str(LOAD_CORE), py_spy, "record", "--pid", str(pid), "--native", "--rate", "200"]
    args += ["--duration", str(seconds), "--format", "raw", "--output", str(target)]
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


SCENARIOS = ("single_append", "get_document", "registry_actions", "audits")
AUDIT_RATE = 400  # audits/s the profile prepares MassIDs for (each is audited under both methodologies)


def _plans(scenario: str, world: World, url: str, seconds: int) -> tuple[load.Plan, load.Plan]:
    """(warm-up plan, measured plan) of one scenario, its data prepared as the scenario plug-in does."""
    profile = PROFILES["quick"]
    token = server.fetch_token(url, world.client_id, world.client_secret)
    if scenario == "single_append":
        ids = create_documents(world, profile.append_documents, tag="append")
        plan = load.Plan("POST", "/documents/{id}/events", ids, token, event_json(world))
        return plan, plan
    if scenario == "get_document":
        ids = create_documents(world, profile.get_documents, events_each=profile.get_events, tag="get")
        plan = load.Plan("GET", "/documents/{id}", ids, token)
        return plan, plan
    if scenario == "registry_actions":
        hot = registry.prepare(world, "profile")
        rows = hot.rows([server.fetch_token(url, cid, secret) for cid, secret in hot.clients])

        def actions(name: str) -> load.Plan:
            headers = {"Authorization": "Bearer {3}", "Idempotency-Key": f"profile-{name}-{{seq}}"}
            return load.Plan("POST", registry.PATH, rows, "", body="{4}", headers=headers)

        return actions("warmup"), actions("measured")
    prepared = audits.prepare_world(world)
    operator = audits.new_operator(world, "Profile operator")
    token = server.fetch_token(url, operator.client_id, operator.client_secret)
    made = []
    start = 0
    for run_seconds in (WARMUP_S, seconds):
        count = AUDIT_RATE * run_seconds // 2 + 32
        mass_ids = audits.prepare_mass_ids(world, prepared, operator, count, start)
        start += count
        made.append(load.Plan("POST", audits.PATH, audits.rows(operator, mass_ids), token, body=audits.BODY))
    return made[0], made[1]


WARMUP_S = 3


def _completed(scenario: str, url: str) -> int | None:
    """Work the server completed, counted in the database (write scenarios): it includes requests the
    load generator stopped waiting for, so CPU per unit is not inflated by timeouts."""
    query = {
        "registry_actions": "SELECT count(*) FROM registry_transactions"
        " WHERE action IN ('transfer', 'retire')",
        "audits": "SELECT count(*) FROM documents WHERE type = 'MassID Audit'",
    }.get(scenario)
    if query is None:
        return None
    database = Database(url)
    try:
        with database.read_engine.connect() as conn:
            return int(conn.execute(text(query)).scalar_one())
    finally:
        database.dispose_sync()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument(
        "--scenario", action="append", choices=SCENARIOS, help="default: single_append and get_document"
    )
    parser.add_argument(
        "--no-spy",
        action="store_true",
        help="no profiler: only the server's CPU time per request (user + system, /proc/<pid>/stat)",
    )
    parser.add_argument("--database", default="massledger_bench_profile", help="PostgreSQL database name")
    args = parser.parse_args()
    stop_on_sigterm()
    scenarios = args.scenario or ["single_append", "get_document"]
    workdir = OUT / f"profile-{args.backend}-{args.database}"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    name = args.database
    url = fresh_database(args.backend, workdir, name)
    try:
        world = create_world(url, workdir / "data")
        with server.start(url, world.data_dir) as live:
            for scenario in scenarios:
                warm, plan = _plans(scenario, world, live.url, args.seconds)
                load.run_wrk(live.url, warm, workdir / f"{scenario}-warmup", 32, WARMUP_S)
                server.settle(live.pid)
                folded = OUT / f"profile-{args.backend}-{scenario}.folded"
                spy = None if args.no_spy else record(live.pid, args.seconds, folded)
                cpu_before, done_before = server.cpu_seconds(live.pid), _completed(scenario, url)
                result = load.run_wrk(live.url, plan, workdir / scenario, 32, args.seconds)
                server.settle(live.pid)  # requests wrk gave up on (timeouts) still finish on the server
                cpu = server.cpu_seconds(live.pid) - cpu_before
                done = _completed(scenario, url)
                units = result.ok if done is None or done_before is None else done - done_before
                per_request = round(cpu * 1e6 / units) if units else None
                header = (
                    f"# {scenario} on {args.backend}: {result.throughput:,.0f} req/s"
                    f"{'' if spy is None else ' under py-spy'} (p99 {result.p99_ms} ms),"
                    f" server CPU {per_request} µs per request ({units} completed, {result.ok} ok within"
                    f" the run, {result.errors['status']} status errors,"
                    f" {result.errors['timeout']} timeouts)\n\n"
                )
                if spy is None:
                    print(header, flush=True)
                    continue
                _, error = spy.communicate(timeout=args.seconds + 60)
                if spy.returncode != 0:
                    raise RuntimeError(f"py-spy failed: {error.decode()[-1000:]}")
                summary = summarize(folded.read_text())
                (OUT / f"profile-{args.backend}-{scenario}.md").write_text(header + summary)
                print(header + summary, flush=True)
    finally:
        if args.backend == "postgresql":
            drop_postgres_database(name)


if __name__ == "__main__":
    main()
