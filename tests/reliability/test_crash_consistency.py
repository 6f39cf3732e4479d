"""Kill the server with SIGKILL at random moments while a driver streams batch appends; restart it. At the
end every acknowledged request is stored exactly once, no batch is partial, and verify passes."""

from __future__ import annotations

import json
import random
import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import select

from massledger.client import Client, RetryPolicy
from massledger.traceability.tables import events
from tests.conftest import Factory, cli, free_port, server_env
from tests.traceability.helpers import document_body

KILLS = 3
BATCHES = 400
BATCH_SIZE = 5


def _start(env: dict[str, str], port: int) -> object:
    import subprocess
    import sys

    process = subprocess.Popen(
        [sys.executable, "-m", "massledger", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise AssertionError("server did not start")


def test_sigkill_during_batch_appends(
    factory: Factory, database_url: str, data_dir: Path, session_database: object
) -> None:
    rng = random.Random(20261123)
    env = server_env(database_url, data_dir)
    port = free_port()
    creds = factory.client()
    process = _start(env, port)
    retry = RetryPolicy(max_retries=60, initial_delay=0.05, max_delay=0.5)
    acknowledged: dict[int, list[str]] = {}
    sent_names: dict[int, list[str]] = {}
    errors: list[BaseException] = []
    done = threading.Event()

    def drive() -> None:
        try:
            with Client(
                f"http://127.0.0.1:{port}", creds.client_id, creds.client_secret, retry=retry
            ) as client:
                documents = [client.documents.create(document_body()).id for _ in range(25)]
                for batch in range(BATCHES):
                    names = [f"b{batch}-e{i}" for i in range(BATCH_SIZE)]
                    sent_names[batch] = names
                    body = [
                        {
                            "name": name,
                            "externalCreatedAt": "2025-03-10T09:00:00Z",
                            "isPublic": True,
                            "value": batch,
                            "deduplicationId": f"crash-{batch}-{index}",
                        }
                        for index, name in enumerate(names)
                    ]
                    result = client.documents.append_batch(documents[batch % len(documents)], body)
                    acknowledged[batch] = [item.eventId for item in result.events]
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            done.set()

    driver = threading.Thread(target=drive)
    driver.start()
    progress_at_kills: list[int] = []
    try:
        # Kill at random points spread over the stream (by progress, not by clock, so never after the end).
        window = BATCHES // (KILLS + 1)
        targets = [rng.randint(k * window, (k + 1) * window - 1) for k in range(1, KILLS + 1)]
        for target in targets:
            while len(acknowledged) < target and not done.is_set():
                time.sleep(0.005)
            time.sleep(rng.uniform(0, 0.02))  # land anywhere inside the next request
            progress_at_kills.append(len(acknowledged))
            process.kill()  # type: ignore[attr-defined]
            process.wait()  # type: ignore[attr-defined]
            process = _start(env, port)
        assert done.wait(180), "driver did not finish"
    finally:
        process.kill()  # type: ignore[attr-defined]
        process.wait()  # type: ignore[attr-defined]
    driver.join()
    assert errors == []
    # Every kill landed while the driver was still streaming.
    assert all(0 < done_batches < BATCHES for done_batches in progress_at_kills), progress_at_kills
    assert len(acknowledged) == BATCHES

    with factory.database.engine.connect() as conn:
        stored = list(conn.execute(select(events.c.id, events.c.name)))
    names = [name for _id, name in stored]
    ids = {event_id for event_id, _name in stored}
    assert len(names) == len(set(names)) == BATCHES * BATCH_SIZE  # each exactly once, none partial
    for batch, event_ids in acknowledged.items():
        assert set(event_ids) <= ids, f"acknowledged batch {batch} lost"
    report = json.loads(cli(["verify", "--json"], env).stdout)
    assert report["ok"] is True, report
