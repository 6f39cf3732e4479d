"""A real HTTP proxy in front of the live server that injects 429/503 answers, for retry tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx


@dataclass
class Fault:
    """For requests whose path contains ``path``: answer ``status`` the next ``times`` times.
    ``after_forwarding`` forwards the request first (the server does the work) and then lies."""

    path: str
    status: int
    times: int
    after_forwarding: bool = False
    retry_after: str | None = None


@dataclass
class FaultyProxy:
    upstream: str
    faults: list[Fault] = field(default_factory=list)
    seen: list[tuple[str, str, int]] = field(default_factory=list)
    url: str = ""

    def _pick(self, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.path in path and fault.times > 0:
                fault.times -= 1
                return fault
        return None


@contextmanager
def faulty_proxy(upstream: str, faults: list[Fault]) -> Iterator[FaultyProxy]:
    proxy = FaultyProxy(upstream, faults)
    lock = threading.Lock()
    http = httpx.Client(base_url=upstream, timeout=30)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: object) -> None:
            pass

        def _handle(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            with lock:
                fault = proxy._pick(self.path)
            status, headers, content = 0, {}, b""
            if fault is None or fault.after_forwarding:
                forwarded = http.request(
                    self.command,
                    self.path,
                    content=body,
                    # The Host header goes through, so URLs the server builds (signed attachment
                    # URLs) point back at this proxy.
                    headers={k: v for k, v in self.headers.items() if k.lower() != "content-length"},
                )
                status, content = forwarded.status_code, forwarded.content
                headers = {"content-type": forwarded.headers.get("content-type", "application/json")}
                if "idempotent-replayed" in forwarded.headers:
                    headers["idempotent-replayed"] = forwarded.headers["idempotent-replayed"]
            if fault is not None:
                status, content = (
                    fault.status,
                    b'{"statusCode": %d, "errors": [{"code": "x", "message": "injected"}]}' % fault.status,
                )
                headers = {"content-type": "application/json"}
                if fault.retry_after is not None:
                    headers["retry-after"] = fault.retry_after
            with lock:
                proxy.seen.append((self.command, self.path, status))
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("content-length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_POST = do_PUT = _handle

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    proxy.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        server.shutdown()
        server.server_close()
        http.close()
