"""CPU cost of getting a request to its route, in process: `python -m bench.routing`.

Calls the ASGI app directly (no HTTP, no server) with requests that stop early — at the token check (401)
or at no route (404) — so what is measured is the middleware stack, route matching and the first
dependency. Each line is the process CPU time per call over ``--calls`` calls after 200 warm-up calls.
Used to compare FastAPI's `app.include_router` (since 0.137 it keeps every router as a nested branch
walked on each request) with the flat registration of `massledger.http.include_flat`."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from massledger.app import create_app
from massledger.settings import Settings

# (method, path): early in the route list, hot-route dispatch, late routes, and no route at all.
PROBES = [
    ("GET", "/health"),
    ("GET", "/documents/abc"),
    ("GET", "/v1/documents"),
    ("POST", "/organizations/x/inventory/action/transfer"),
    ("POST", "/methodologies/bold-carbon/audits"),
    ("GET", "/nothing/here"),
]


async def cost(app: Any, method: str, path: str, calls: int) -> tuple[int, float]:
    """(last status, CPU µs per call)."""
    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "scheme": "http",
        "query_string": b"",
        "headers": [(b"host", b"bench")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    for _ in range(200):
        await app(dict(scope, state={}), receive, send)
    start = time.process_time()
    for _ in range(calls):
        await app(dict(scope, state={}), receive, send)
    return statuses[-1], (time.process_time() - start) / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=3000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(data_dir=Path(scratch), database_url=f"sqlite:///{scratch}/routing.sqlite3")
        app = create_app(settings)
        for method, path in PROBES:
            status, micros = asyncio.run(cost(app, method, path, args.calls))
            print(f"{method:4} {path:48} {status}  {micros:6.0f} µs")


if __name__ == "__main__":
    main()
