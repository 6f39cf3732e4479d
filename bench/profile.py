"""Profile the server under wrk load: `python -m bench.profile [--backend sqlite] [--seconds 15]`.

Starts a benchmark server (as bench/runner.py does), drives single appends and then GETs with wrk, and
records the server process with `py-spy record --native --format raw` meanwhile. Writes the folded stacks
and a summary of where the time goes (self and inclusive share of busy samples per function) to
bench/out/profile-<backend>-<scenario>.{folded,md}. The summary lines are what bench/README.md quotes."""

from __future__ import annotations

import argparse
import shutil
import subprocess
from collections import Counter
from pathlib import Path

from bench import load, server
from bench.config import LOAD_CORE, PROFILES
from bench.runner import stop_on_sigterm
from bench.scenarios.base import event_json
from bench.world import create_documents, create_world, drop_postgres_database, fresh_database

OUT = Path(__file__).resolve().parent / "out"


def _frame_key(frame: str) -> str:
    """'fn (path/to/module.py:123)' -> 'fn (module.py)': lines of one function are added up."""
    name, _, where = frame.partition(" (")
    file = where.rstrip(")").rsplit(":", 1)[0]
    parts = file.split("/")
    short = "/".join(parts[-2:]) if parts else file
    return f"{name} ({short})" if where else name


def summarize(folded: str, top: int = 25) -> str:
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in folded.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_frame_key(f) for f in stack.split(";") if f]
        if not frames:
            continue
        # py-spy prefixes the thread/process; skip frames that are only the process header.
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    lines = [f"{total} busy samples", "", "self (where the CPU is):"]
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in own.most_common(top)]
    lines += ["", "inclusive (time under each function):"]
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in inclusive.most_common(top * 2)]
    return "\n".join(lines) + "\n"


def record(pid: int, seconds: int, target: Path) -> subprocess.Popen[bytes]:
    py_spy = shutil.which("py-spy") or str(Path(__import__("sys").executable).parent / "py-spy")
    args = ["taskset", "-c", str(LOAD_CORE), py_spy, "record", "--pid", str(pid), "--native", "--rate", "200"]
    args += ["--duration", str(seconds), "--format", "raw", "--output", str(target)]
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--seconds", type=int, default=15)
    args = parser.parse_args()
    stop_on_sigterm()
    profile = PROFILES["quick"]
    workdir = OUT / f"profile-{args.backend}"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    name = "massledger_bench_profile"
    url = fresh_database(args.backend, workdir, name)
    try:
        world = create_world(url, workdir / "data")
        append_ids = create_documents(world, profile.append_documents, tag="append")
        get_ids = create_documents(world, profile.get_documents, events_each=profile.get_events, tag="get")
        with server.start(url, world.data_dir) as live:
            token = server.fetch_token(live.url, world.client_id, world.client_secret)
            plans = {
                "single_append": load.Plan(
                    "POST", "/documents/{id}/events", append_ids, token, event_json(world)
                ),
                "get_document": load.Plan("GET", "/documents/{id}", get_ids, token),
            }
            for scenario, plan in plans.items():
                load.run_wrk(live.url, plan, workdir / f"{scenario}-warmup", 32, 3)
                folded = OUT / f"profile-{args.backend}-{scenario}.folded"
                spy = record(live.pid, args.seconds, folded)
                result = load.run_wrk(live.url, plan, workdir / scenario, 32, args.seconds)
                _, error = spy.communicate(timeout=args.seconds + 60)
                if spy.returncode != 0:
                    raise RuntimeError(f"py-spy failed: {error.decode()[-1000:]}")
                summary = summarize(folded.read_text())
                header = (
                    f"# {scenario} on {args.backend}: {result.throughput:,.0f} req/s under py-spy"
                    f" (p99 {result.p99_ms} ms)\n\n"
                )
                (OUT / f"profile-{args.backend}-{scenario}.md").write_text(header + summary)
                print(header + summary)
    finally:
        if args.backend == "postgresql":
            drop_postgres_database(name)


if __name__ == "__main__":
    main()
