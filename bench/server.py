"""The server under test: a real `massledger serve` process (1 worker) pinned to the server core."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from bench.config import SERVER_CORE

# The benchmark server differs from a default one only here (documented in bench/README.md):
# no per-client rate limit, and documents may hold more than 100 events so that scenario 1 can spread
# 32 connections over 1,000 documents for the whole run.
BENCH_SERVER_ENV = {
    "MASSLEDGER_RATE_LIMIT_ENABLED": "false",
    "MASSLEDGER_MAX_EVENTS_PER_DOCUMENT": "1000000000",
    "MASSLEDGER_LOG_LEVEL": "warning",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    command: str

    def __enter__(self) -> Server:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far (/proc/<pid>/stat), in seconds: what a request
    costs the server, whatever else shares the machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def settle(pid: int, timeout_s: float = 60) -> None:
    """Wait until the server is idle (its CPU time stops growing): requests the load generator gave up
    on (timeouts) or that were in flight when it stopped still finish on the server."""
    deadline = time.monotonic() + timeout_s
    last = cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = cpu_seconds(pid)
        if now - last < 0.02:
            return
        last = now


def server_env(database_url: str, data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(BENCH_SERVER_ENV)
    env.update(MASSLEDGER_DATABASE_URL=database_url, MASSLEDGER_DATA_DIR=str(data_dir))
    return env


def start(database_url: str, data_dir: Path) -> Server:
    port = free_port()
    args = [
        "taskset",
        "-c",
        str(SERVER_CORE),
        sys.executable,
        "-m",
        "massledger",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
    ]
    process = subprocess.Popen(
        args, env=server_env(database_url, data_dir), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            error = process.stderr.read().decode() if process.stderr else ""
            raise RuntimeError(f"massledger serve exited: {error}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                shown = " ".join(args[:4]) + " massledger serve --workers 1"
                return Server(url, process, shown)
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    process.wait()
    raise RuntimeError("massledger serve did not become healthy in 60 s")


def fetch_token(base_url: str, client_id: str, client_secret: str) -> str:
    response = httpx.post(
        f"{base_url}/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(client_id, client_secret),
        timeout=10,
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def openapi_paths(base_url: str) -> set[str]:
    response = httpx.get(f"{base_url}/openapi.json", timeout=10)
    response.raise_for_status()
    return set(response.json().get("paths", {}))


def verify(database_url: str, data_dir: Path) -> dict[str, Any]:
    """`massledger verify --json` on the benchmark database, as an operator would run it."""
    env = server_env(database_url, data_dir)
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", "massledger", "verify", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    try:
        report_json = json.loads(completed.stdout)
    except json.JSONDecodeError:
        report_json = {"ok": False, "error": completed.stderr.strip()[-500:]}
    return {
        "exit_code": completed.returncode,
        "ok": completed.returncode == 0 and bool(report_json.get("ok")),
        "checked": report_json.get("checked"),
        "problems": report_json.get("problems", [])[:5],
        "seconds": round(time.perf_counter() - started, 1),
    }
