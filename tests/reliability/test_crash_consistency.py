"""Kill the server with SIGKILL at random moments while two drivers stream requests at it, and restart it:
one appends batches of events (SDK, deduplicationId on every event), the other transfers, retires and
transfer-retires credits (Idempotency-Key on every action, retried with the same key until answered). At the
end every acknowledged request is stored exactly once, no batch is partial, replaying an action's key
returns its transaction, the holdings add up, and `massledger verify` (chains and registry invariants)
passes."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from massledger.client import Client, RetryPolicy
from massledger.registry.tables import registry_idempotency, registry_transactions
from massledger.traceability.tables import events
from tests.conftest import Factory, cli, fetch_token, free_port, server_env
from tests.registry.helpers import REGISTRY_SCOPES, retire_body
from tests.traceability.helpers import document_body

KILLS = 3
BATCHES = 300
BATCH_SIZE = 5
ACTIONS = ("transfer", "retire", "transfer_retire")
TONNES_PER_ACTION = 0.01  # 10 kg: friendbot's 100 t last 10,000 actions
GIFT_TONNES = 100


def _start(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "massledger", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120  # a loaded CI machine may take long to import and start
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise AssertionError("server did not start")


def _until_answered(
    http: httpx.Client, path: str, body: dict[str, Any], headers: dict[str, str]
) -> httpx.Response:
    """POST until the server answers (connection refused or cut while it is down: the same request again)."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            response = http.post(path, json=body, headers=headers)
        except httpx.TransportError:
            time.sleep(0.05)
            continue
        if response.status_code < 500:
            return response
        time.sleep(0.05)
    raise AssertionError(f"{path}: no answer in 180 s")


def _action_body(action: str, credit_id: str, receiver: str) -> dict[str, Any]:
    body: dict[str, Any] = {"creditId": credit_id, "amount": TONNES_PER_ACTION}
    if action != "transfer":
        body = retire_body(credit_id, TONNES_PER_ACTION)
    if action != "retire":
        body["toOrganizationId"] = receiver
    return body


def test_sigkill_during_batch_appends_and_registry_actions(
    factory: Factory, database_url: str, data_dir: Path, session_database: object
) -> None:
    rng = random.Random(20261123)
    env = server_env(database_url, data_dir)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    creds = factory.client()
    owner = factory.client(creds.organization_id, "TEST", REGISTRY_SCOPES)
    receiver = factory.organization("Receiver")
    process = _start(env, port)
    with httpx.Client(base_url=url, timeout=10) as http:
        headers = {"Authorization": f"Bearer {fetch_token(http, owner)}"}
        http.get(f"/organizations/{owner.organization_id}/friendbot", headers=headers).raise_for_status()
        [credit] = http.get(f"/organizations/{owner.organization_id}/inventory", headers=headers).json()[
            "credits"
        ]
    acknowledged: dict[int, list[str]] = {}
    transactions: dict[str, tuple[str, str, dict[str, Any]]] = {}  # key -> (transaction id, action, body)
    errors: list[BaseException] = []
    done = threading.Event()

    def append_batches() -> None:
        # Retries outlast a slow restart on a loaded machine (jittered delays average 0.25 s): the test is
        # about what is stored, not about how fast the server comes back.
        retry = RetryPolicy(max_retries=600, initial_delay=0.05, max_delay=0.5)
        try:
            with Client(url, creds.client_id, creds.client_secret, retry=retry) as client:
                documents = [client.documents.create(document_body()).id for _ in range(25)]
                for batch in range(BATCHES):
                    body = [
                        {
                            "name": f"b{batch}-e{index}",
                            "externalCreatedAt": "2025-03-10T09:00:00Z",
                            "isPublic": True,
                            "value": batch,
                            "deduplicationId": f"crash-{batch}-{index}",
                        }
                        for index in range(BATCH_SIZE)
                    ]
                    result = client.documents.append_batch(documents[batch % len(documents)], body)
                    acknowledged[batch] = [item.eventId for item in result.events]
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            done.set()

    def act() -> None:
        path = f"/organizations/{owner.organization_id}/inventory/action/"
        try:
            with httpx.Client(base_url=url, timeout=10) as http:
                index = 0
                while not done.is_set():  # as long as the batches stream, so every kill hits both
                    action, key = ACTIONS[index % len(ACTIONS)], f"crash-action-{index}"
                    body = _action_body(action, credit["id"], receiver)
                    answer = _until_answered(http, path + action, body, {**headers, "Idempotency-Key": key})
                    assert answer.status_code == 200, answer.text
                    transactions[key] = (answer.json()["id"], action, body)
                    index += 1
        except BaseException as exc:
            errors.append(exc)

    drivers = [threading.Thread(target=append_batches), threading.Thread(target=act)]
    for driver in drivers:
        driver.start()
    progress_at_kills: list[tuple[int, int]] = []
    try:
        # Kill at random points spread over the stream (by progress, not by clock, so never after the end).
        window = BATCHES // (KILLS + 1)
        targets = [rng.randint(k * window, (k + 1) * window - 1) for k in range(1, KILLS + 1)]
        for target in targets:
            while len(acknowledged) < target and not done.is_set():
                time.sleep(0.005)
            time.sleep(rng.uniform(0, 0.02))  # land anywhere inside the next requests
            progress_at_kills.append((len(acknowledged), len(transactions)))
            process.kill()
            process.wait()
            process = _start(env, port)
        assert done.wait(600), "driver did not finish"
        for driver in drivers:
            driver.join(60)
        assert errors == []

        # Replaying every acknowledged key returns its transaction, and moves nothing again.
        with httpx.Client(base_url=url, timeout=10) as http:
            for key, (transaction_id, action, body) in transactions.items():
                path = f"/organizations/{owner.organization_id}/inventory/action/{action}"
                replay = http.post(path, json=body, headers={**headers, "Idempotency-Key": key})
                assert replay.status_code == 200 and replay.json()["id"] == transaction_id, replay.text
                assert replay.headers["idempotent-replayed"] == "true"
            inventory = http.get(f"/organizations/{owner.organization_id}/inventory", headers=headers).json()
    finally:
        process.kill()
        process.wait()

    # Every kill landed while both drivers were still streaming.
    assert all(0 < batches < BATCHES and actions > 0 for batches, actions in progress_at_kills), (
        progress_at_kills
    )
    assert len(acknowledged) == BATCHES

    with factory.database.engine.connect() as conn:
        stored = list(conn.execute(select(events.c.id, events.c.name)))
        stored_transactions = list(
            conn.execute(
                select(registry_transactions.c.id, registry_transactions.c.action).where(
                    registry_transactions.c.from_organization_id == owner.organization_id
                )
            )
        )
        keys = dict(
            conn.execute(
                select(registry_idempotency.c.key, registry_idempotency.c.transaction_id).where(
                    registry_idempotency.c.organization_id == owner.organization_id
                )
            ).all()
        )
        key_rows = conn.execute(select(func.count()).select_from(registry_idempotency)).scalar_one()
    names = [name for _id, name in stored]
    ids = {event_id for event_id, _name in stored}
    assert len(names) == len(set(names)) == BATCHES * BATCH_SIZE  # each exactly once, none partial
    for batch, event_ids in acknowledged.items():
        assert set(event_ids) <= ids, f"acknowledged batch {batch} lost"

    # Each acknowledged action is one transaction, under its key; nothing else moved the owner's credits.
    assert key_rows == len(keys) == len(transactions)
    assert keys == {key: transaction_id for key, (transaction_id, _a, _b) in transactions.items()}
    assert sorted(stored_transactions) == sorted((tx, action) for tx, action, _b in transactions.values())
    moved_kg = round(TONNES_PER_ACTION * 1000) * len(transactions)
    [held] = [c for c in inventory["credits"] if c["id"] == credit["id"]]
    assert round(held["amount"] * 1000) == GIFT_TONNES * 1000 - moved_kg
    assert Counter(action for _tx, action, _b in transactions.values()).keys() == set(ACTIONS)

    report = json.loads(cli(["verify", "--json"], env).stdout)
    assert report["ok"] is True, report
    assert report["checked"]["transactions"] >= len(transactions) and report["checked"]["events"] == len(
        names
    )
