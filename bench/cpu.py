"""CPU cost per request of the server: `python -m bench.cpu --backend sqlite --scenario single_append`.

Wall-clock throughput on a shared 2-core machine moves by ±30 % with whatever else runs; the CPU time
the server process spends per request does not (much). This starts a real `massledger serve --workers 1`
(as the benchmark does), drives ``--requests`` requests over ``--connections`` keep-alive connections with
a minimal asyncio HTTP/1.1 client (cheap, so the server is kept busy), and reads the server's user+sys
CPU time from ``/proc/<pid>/stat`` before and after. On PostgreSQL it also adds up the CPU time of the
database's backend processes (``pg_stat_activity``), which is the rest of a request's cost.

At one core, 2,000 requests/s is a budget of 500 µs per request, database included.
Scenarios: ``single_append`` (one event), ``batch`` (100 events, fresh document each), ``get`` (15-event
document)."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import psycopg

from bench import server
from bench.config import LOAD_CORE
from bench.profile import record, summarize
from bench.scenarios.base import batch_json, event_json
from bench.world import (
    create_documents,
    create_world,
    drop_postgres_database,
    fresh_database,
    postgres_admin_url,
)

OUT = Path(__file__).resolve().parent / "out"
_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float:
    """utime + stime of one process (fields 14 and 15 of /proc/<pid>/stat), in seconds."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def postgres_backend_pids(database: str) -> list[int]:
    with psycopg.connect(postgres_admin_url(), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (database,)
        ).fetchall()
    return [int(row[0]) for row in rows]


def _cpu_of(pids: list[int]) -> dict[int, float]:
    seen = {}
    for pid in pids:
        try:
            seen[pid] = process_cpu_seconds(pid)
        except (FileNotFoundError, ProcessLookupError):
            continue
    return seen


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes


def build(request: Request, host: str, token: str) -> bytes:
    head = [
        f"{request.method} {request.path} HTTP/1.1",
        f"Host: {host}",
        f"Authorization: Bearer {token}",
    ]
    if request.body:
        head += ["Content-Type: application/json", f"Content-Length: {len(request.body)}"]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + request.body


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    if length:
        await reader.readexactly(length)
    return status


async def drive(url: str, payloads: list[bytes], connections: int) -> Counter[int]:
    """Send every payload once, over ``connections`` keep-alive connections; count the statuses."""
    host_port = url.removeprefix("http://")
    host, _, port = host_port.partition(":")
    statuses: Counter[int] = Counter()
    queue = iter(payloads)

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            for payload in queue:
                writer.write(payload)
                statuses[await _read_response(reader)] += 1
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    return statuses


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.cpu")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--scenario", choices=("single_append", "get", "batch"), default="single_append")
    parser.add_argument("--requests", type=int, default=0, help="measured requests (default per scenario)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--database", default="", help="PostgreSQL database name (default per scenario)")
    parser.add_argument("--repeat", type=int, default=3, help="measured rounds (the lowest is reported)")
    parser.add_argument(
        "--profile", action="store_true", help="also record the server with py-spy (bench/out/cpu-*.folded)"
    )
    args = parser.parse_args()
    os.sched_setaffinity(0, {LOAD_CORE})  # the client stays off the server's core
    requests = args.requests or {"single_append": 4000, "get": 4000, "batch": 300}[args.scenario]
    warmup = max(200, requests // 4) if args.scenario != "batch" else 50

    workdir = OUT / f"cpu-{args.backend}-{args.scenario}"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    name = args.database or f"massledger_bench_cpu_{args.scenario}"
    url = fresh_database(args.backend, workdir, name)
    try:
        world = create_world(url, workdir / "data")
        total = warmup + requests * args.repeat
        if args.scenario == "single_append":
            ids = create_documents(world, 1000, tag="append")
            body = event_json(world).encode()
            plan = [Request("POST", f"/documents/{ids[k % len(ids)]}/events", body) for k in range(total)]
        elif args.scenario == "get":
            ids = create_documents(world, 1000, events_each=15, tag="get")
            plan = [Request("GET", f"/documents/{ids[k % len(ids)]}", b"") for k in range(total)]
        else:
            ids = create_documents(world, total, tag="batch")
            template = batch_json(world, 100)
            plan = [
                Request("POST", "/documents/events", template.replace("{id}", ids[k]).encode())
                for k in range(total)
            ]
        with server.start(url, world.data_dir) as live:
            token = server.fetch_token(live.url, world.client_id, world.client_secret)
            host = live.url.removeprefix("http://")
            payloads = [build(request, host, token) for request in plan]
            asyncio.run(drive(live.url, payloads[:warmup], args.connections))
            backends = postgres_backend_pids(name) if args.backend == "postgresql" else []
            folded = OUT / f"cpu-{args.backend}-{args.scenario}.folded"
            spy = record(live.pid, 600, folded) if args.profile else None
            rounds = []
            for index in range(args.repeat):
                chunk = payloads[warmup + index * requests : warmup + (index + 1) * requests]
                db_before = _cpu_of(backends)
                before = process_cpu_seconds(live.pid)
                started = time.perf_counter()
                statuses = asyncio.run(drive(live.url, chunk, args.connections))
                elapsed = time.perf_counter() - started
                server_us = (process_cpu_seconds(live.pid) - before) * 1e6 / requests
                db_after = _cpu_of(backends)
                db_us = sum(db_after[p] - db_before[p] for p in db_after if p in db_before) * 1e6 / requests
                rounds.append((server_us, db_us, elapsed, dict(statuses)))
                print(
                    f"round {index + 1}: server {server_us:7.1f} µs/request"
                    + (f", postgres backends {db_us:6.1f} µs/request" if backends else "")
                    + f"  ({requests / elapsed:,.0f} req/s wall, statuses {dict(statuses)})"
                )
            if spy is not None:
                spy.send_signal(signal.SIGINT)
                spy.wait(timeout=60)
                summary = summarize(folded.read_text())
                (OUT / f"cpu-{args.backend}-{args.scenario}.md").write_text(summary)
                print(summary)
            best = min(rounds, key=lambda r: r[0] + r[1])
            print(
                f"{args.backend} {args.scenario}: server {best[0]:.1f} µs/request"
                + (f" + postgres {best[1]:.1f} = {best[0] + best[1]:.1f} µs/request" if backends else "")
                + (f" ({best[0] / 100:.1f} µs/event)" if args.scenario == "batch" else "")
            )
    finally:
        if args.backend == "postgresql":
            drop_postgres_database(name)


if __name__ == "__main__":
    main()
