"""What the numbers were measured on: machine, versions, commit, date."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _command_output(args: list[str]) -> str | None:
    try:
        result = subprocess.run(args, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (result.stdout or result.stderr).strip()
    return text.splitlines()[0] if text else None


def _package(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _wrk_version() -> str | None:
    line = _command_output(["wrk", "--version"])  # "wrk debian/4.1.0-3+b2 [epoll] Copyright ..."
    return " ".join(line.split()[:2]) if line else None


def postgres_version(admin_url: str) -> str | None:
    try:
        with psycopg.connect(admin_url, connect_timeout=3) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            return str(row[0]) if row else None
    except psycopg.Error:
        return None


def describe(admin_url: str) -> dict[str, Any]:
    commit = _command_output(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    dirty = _command_output(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"])
    memory_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory_kb = int(line.split()[1])
    except OSError:
        pass
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {
            "cpu": _cpu_model(),
            "cores": os.cpu_count(),
            "memory_gib": round(memory_kb / 1024 / 1024, 1),
            "kernel": platform.release(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
        },
        "versions": {
            "massledger": _package("massledger"),
            "massledger_commit": f"{commit}{'+dirty' if dirty else ''}" if commit else None,
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
            "postgresql": postgres_version(admin_url),
            "psycopg": _package("psycopg"),
            "fastapi": _package("fastapi"),
            "uvicorn": _package("uvicorn"),
            "eventsourcing": _package("eventsourcing"),
            "wrk": _wrk_version(),
        },
        "python_executable": sys.executable,
    }
