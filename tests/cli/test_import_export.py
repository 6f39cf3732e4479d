"""`massledger import` and `massledger export` as real subprocesses against real `massledger serve` processes.

- An import killed half way (SIGKILL) and re-run ends with every event exactly once.
- `export` then `import` into a fresh database of the other backend reproduces every record: same head
  hashes, same event hashes, same rows; `verify` passes there; exporting the target gives the same file."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from massledger.db.engine import Database
from massledger.traceability.tables import documents, events
from tests.backends import create_postgres_database, migrated
from tests.conftest import (
    Api,
    Credentials,
    Factory,
    LiveServer,
    _worker,
    cli,
    server_env,
    start_server,
    stop_server,
)
from tests.traceability.archive import build_world, contained, snapshot
from tests.traceability.helpers import document_body, event_body

DOCUMENTS = 500
EVENTS_PER_DOCUMENT = 20


def _count(database: Database, table: Any) -> int:
    with database.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _import_env(server: LiveServer, creds: Credentials) -> dict[str, str]:
    return {
        **server.env,
        "MASSLEDGER_URL": server.url,
        "MASSLEDGER_CLIENT_ID": creds.client_id,
        "MASSLEDGER_CLIENT_SECRET": creds.client_secret,
    }


def _write_plain_file(path: Path) -> None:
    with path.open("w") as file:
        for index in range(DOCUMENTS):
            record = {
                **document_body(externalId=f"DOC-{index}"),
                "events": [event_body(f"E{at}", value=at) for at in range(EVENTS_PER_DOCUMENT)],
            }
            file.write(json.dumps(record) + "\n")


def test_import_killed_half_way_then_resumed_stores_every_event_once(
    live_server: LiveServer, live: Any, factory: Factory, tmp_path: Path
) -> None:
    source = tmp_path / "massids.ndjson"
    _write_plain_file(source)
    env = _import_env(live_server, factory.client())
    total = DOCUMENTS * EVENTS_PER_DOCUMENT
    process = subprocess.Popen(
        [sys.executable, "-m", "massledger", "import", str(source), "--json"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Watch the server's database, not the clock: kill once half of the events are stored.
    deadline = time.monotonic() + 300
    try:
        while _count(factory.database, events) < total // 2:
            assert process.poll() is None, "the import ended before it could be interrupted"
            assert time.monotonic() < deadline, "the import made no progress"
            time.sleep(0.01)
        process.kill()
    finally:
        process.kill()
        process.wait()
    interrupted_at = _count(factory.database, events)
    assert total // 2 <= interrupted_at < total

    rerun = cli(["import", str(source), "--json"], env, timeout=300)
    summary = json.loads(rerun.stdout)
    assert summary["ok"] is True and summary["errors"] == []
    assert summary["documents"]["created"] + summary["documents"]["skipped"] == DOCUMENTS
    assert summary["events"]["created"] + summary["events"]["skipped"] == total
    assert summary["events"]["skipped"] >= total // 2  # what the killed run stored was not sent again
    assert summary["documents"]["failed"] == summary["events"]["failed"] == 0
    assert _count(factory.database, events) == total
    assert _count(factory.database, documents) == DOCUMENTS
    assert json.loads(cli(["verify", "--json"], env).stdout)["ok"] is True


@pytest.fixture
def other_backend(backend: str, tmp_path: Path) -> str:
    """A fresh, empty database on the other backend."""
    if backend == "sqlite":
        return create_postgres_database(f"massledger_test_{_worker()}_target")
    return f"sqlite:///{tmp_path / 'target.sqlite3'}"


def _admin(env: dict[str, str], data_set: str, organization: str) -> Credentials:
    args = ["clients", "create", "--org", organization, "--data-set", data_set]
    created = json.loads(cli([*args, "--scope", "documents:admin", "--json"], env).stdout)
    return Credentials(created["clientId"], created["clientSecret"], organization, "", data_set)


def test_export_then_import_into_the_other_backend_reproduces_identical_hashes(
    app_client: TestClient,
    factory: Factory,
    db: Database,
    database_url: str,
    data_dir: Path,
    other_backend: str,
    tmp_path: Path,
) -> None:
    owner_org = factory.organization("Owner")
    world = build_world(
        Api(app_client, factory.client(owner_org)),
        Api(app_client, factory.client(factory.organization("Partner"))),
        Api(app_client, factory.client(owner_org, "PROD")),
    )
    source_env = server_env(database_url, data_dir)
    files = {data_set: tmp_path / f"{data_set}.ndjson" for data_set in ("TEST", "PROD")}
    for data_set, path in files.items():
        exported = json.loads(
            cli(["export", "--data-set", data_set, "--out", str(path), "--json"], source_env).stdout
        )
        assert exported["out"] == str(path) and exported["documents"] == len(path.read_text().splitlines())

    # One document, to stdout: one NDJSON line, the record of that document.
    alone = cli(["export", "--document", world.children[0]], source_env).stdout.splitlines()
    assert [json.loads(line)["document"]["id"] for line in alone] == [world.children[0]]

    target_env = server_env(other_backend, tmp_path / "target-data")
    operator = json.loads(cli(["orgs", "create", "--name", "Operator", "--json"], target_env).stdout)["id"]
    admins = {data_set: _admin(target_env, data_set, operator) for data_set in files}
    server = start_server(target_env)
    target = migrated(other_backend)
    try:
        for data_set, path in files.items():
            result = cli(["import", str(path), "--json"], _import_env(server, admins[data_set]))
            summary = json.loads(result.stdout)
            assert summary["ok"] is True, summary
            assert summary["documents"]["created"] == len(path.read_text().splitlines())
        source_rows, target_rows = snapshot(db), snapshot(target)
        heads = {row["id"]: row["head_hash"] for row in source_rows["documents"]}
        assert {row["id"]: row["head_hash"] for row in target_rows["documents"]} == heads
        hashes = {row["id"]: row["hash"] for row in source_rows["events"]}
        assert {row["id"]: row["hash"] for row in target_rows["events"]} == hashes
        contained(source_rows, target_rows)  # and every other stored column, row by row
        assert json.loads(cli(["verify", "--json"], target_env).stdout)["ok"] is True

        # Exporting the target gives the same file; importing again changes nothing.
        again = tmp_path / "again.ndjson"
        cli(["export", "--data-set", "TEST", "--out", str(again)], target_env)
        assert again.read_bytes() == files["TEST"].read_bytes()
        rerun = json.loads(
            cli(["import", str(files["TEST"]), "--json"], _import_env(server, admins["TEST"])).stdout
        )
        test_documents = len(files["TEST"].read_text().splitlines())
        assert rerun["documents"]["created"] == 0 and rerun["documents"]["skipped"] == test_documents

        # An altered record is refused, naming it; the rest of the file is unaffected.
        lines = files["TEST"].read_text().splitlines()
        record = json.loads(lines[0])
        record["events"][2]["record"]["value"] = "1000"
        tampered = tmp_path / "tampered.ndjson"
        tampered.write_text("\n".join([json.dumps(record), *lines[1:]]) + "\n")
        refused = cli(["import", str(tampered), "--json"], _import_env(server, admins["TEST"]), check=False)
        assert refused.returncode == 1
        report = json.loads(refused.stdout)
        assert report["documents"]["failed"] == 1 and report["documents"]["skipped"] == len(lines) - 1
        assert report["errors"][0]["line"] == 1 and report["errors"][0]["message"].startswith(
            "events[2].hash"
        )
        assert "events[2].hash" in refused.stderr
    finally:
        stop_server(server)
        target.dispose_sync()
