"""Load generation: wrk (Debian's, with bench/lua/plan.lua) pinned to the load core, or, for the smoke run
only, a small threaded Python client. Both execute the same request plan and report the same fields."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.config import LOAD_CORE, Generator

LUA_PLAN = Path(__file__).parent / "lua" / "plan.lua"


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Plan:
    """Requests to send. Request k uses row ``ids[(offset + k) % len(ids)]``: a row is one value or several
    separated by tabs; in the path, body and header templates ``{id}`` (or ``{1}``) is the row's first
    value, ``{2}``, ``{3}``... the next ones, and ``{seq}`` is ``offset + k`` (unique within a run). The
    token, when not empty, is sent as a bearer token unless ``headers`` sets Authorization."""

    method: str
    path: str
    ids: list[str]
    token: str
    body: str = ""
    offset: int = 0
    headers: dict[str, str] = field(default_factory=dict)

    def write(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "method").write_text(self.method)
        (directory / "path").write_text(self.path)
        (directory / "body").write_text(self.body)
        (directory / "ids").write_text("\n".join(self.ids) + "\n")
        (directory / "token").write_text(self.token)
        (directory / "offset").write_text(str(self.offset))
        (directory / "headers").write_text("".join(f"{k}: {v}\n" for k, v in self.headers.items()))
        return directory

    def request(self, k: int) -> tuple[str, str, str, dict[str, str]]:
        """Method, path, body and headers of request k (what plan.lua sends)."""
        seq = self.offset + k
        row = self.ids[seq % len(self.ids)].split("\t")

        def fill(template: str) -> str:
            def value(match: re.Match[str]) -> str:
                name = match.group(1)
                if name == "seq":
                    return str(seq)
                index = 0 if name == "id" else int(name) - 1 if name.isdigit() else -1
                return row[index] if 0 <= index < len(row) else match.group(0)

            return _PLACEHOLDER.sub(value, template)

        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        if self.body:
            headers["Content-Type"] = "application/json"
        headers.update({name: fill(value) for name, value in self.headers.items()})
        return self.method, fill(self.path), fill(self.body) if self.body else "", headers


@dataclass(frozen=True)
class LoadResult:
    generator: str
    connections: int
    seconds: float
    requests: int
    ok: int  # 2xx/3xx
    errors: dict[str, int]
    throughput: float  # successful requests per second
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    command: str

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def ensure_wrk() -> str:
    """wrk from Debian's packages, installed when missing (benchmarks run as root on a Debian machine)."""
    found = shutil.which("wrk")
    if found:
        return found
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, capture_output=True)
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk could not be installed (apt-get install -y wrk)")
    return found


def run(
    generator: Generator, base_url: str, plan: Plan, workdir: Path, connections: int, seconds: float
) -> LoadResult:
    if generator == "wrk":
        return run_wrk(base_url, plan, workdir, connections, seconds)
    return run_python(base_url, plan, connections, seconds)


def run_wrk(base_url: str, plan: Plan, workdir: Path, connections: int, seconds: float) -> LoadResult:
    wrk = ensure_wrk()
    plan_dir = plan.write(workdir)
    args = [
        "taskset",
        "-c",
        str(LOAD_CORE),
        wrk,
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA_PLAN),
        base_url,
        "--",
        str(plan_dir),
    ]
    completed = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 120, check=False)
    lines = [line for line in completed.stdout.splitlines() if line.startswith("BENCH_JSON ")]
    if completed.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed ({completed.returncode}): {completed.stderr.strip()}")
    data = json.loads(lines[-1].removeprefix("BENCH_JSON "))
    duration = data["duration_us"] / 1e6
    errors = {key: int(value) for key, value in data["errors"].items()}
    # Failed connections/reads are not responses; status errors are responses outside 2xx/3xx.
    ok = max(0, int(data["requests"]) - errors["status"] - errors["timeout"])
    latency = data["latency_us"]
    shown = " ".join([*args[3:-2], "bench/lua/plan.lua", base_url])
    return LoadResult(
        generator="wrk",
        connections=connections,
        seconds=round(duration, 3),
        requests=int(data["requests"]),
        ok=ok,
        errors=errors,
        throughput=round(ok / duration, 1) if duration else 0.0,
        p50_ms=latency["p50"] / 1000,
        p90_ms=latency["p90"] / 1000,
        p99_ms=latency["p99"] / 1000,
        max_ms=latency["max"] / 1000,
        command=f"taskset -c {LOAD_CORE} {shown} -- PLAN_DIR",
    )


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def run_python(base_url: str, plan: Plan, connections: int, seconds: float) -> LoadResult:
    """Threaded keep-alive client; used only by the smoke run (it is itself a bottleneck)."""
    counter = iter(range(10**12))
    lock = threading.Lock()
    latencies: list[float] = []
    errors = {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0}
    deadline = time.monotonic() + seconds

    def worker() -> None:
        with httpx.Client(base_url=base_url, timeout=10) as http:
            first = True
            # At least one request per connection, however late the thread started on a busy machine:
            # the smoke run checks that every path produces results, not how many.
            while first or time.monotonic() < deadline:
                first = False
                with lock:
                    k = next(counter)
                method, path, body, headers = plan.request(k)
                started = time.perf_counter()
                try:
                    response = http.request(method, path, content=body or None, headers=headers)
                except httpx.TransportError:
                    with lock:
                        errors["read"] += 1
                    continue
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    if response.status_code >= 400:
                        errors["status"] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    duration = time.monotonic() - started
    latencies.sort()
    ok = len(latencies) - errors["status"]
    return LoadResult(
        generator="python",
        connections=connections,
        seconds=round(duration, 3),
        requests=len(latencies),
        ok=ok,
        errors=errors,
        throughput=round(ok / duration, 1),
        p50_ms=round(percentile(latencies, 0.50) * 1000, 3),
        p90_ms=round(percentile(latencies, 0.90) * 1000, 3),
        p99_ms=round(percentile(latencies, 0.99) * 1000, 3),
        max_ms=round((latencies[-1] if latencies else 0.0) * 1000, 3),
        command=f"python threaded client, {connections} connections",
    )
