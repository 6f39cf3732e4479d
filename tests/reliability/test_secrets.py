"""Client secrets never appear in logs, error bodies or the database (full dump of every table)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import select

from massledger.db.engine import Database
from massledger.db.tables import metadata
from tests.conftest import cli, free_port, server_env


def _dump(database_url: str) -> str:
    database = Database(database_url)
    with database.engine.connect() as conn:
        rows = {
            table.name: [list(row) for row in conn.execute(select(table))] for table in metadata.sorted_tables
        }
    database.dispose_sync()
    return json.dumps(rows, default=str)


def test_secrets_stay_out_of_logs_errors_and_storage(
    database_url: str, data_dir: Path, db: Database, tmp_path: Path
) -> None:
    env = server_env(database_url, data_dir, MASSLEDGER_LOG_LEVEL="debug")
    organization = json.loads(cli(["orgs", "create", "--name", "Secretive", "--json"], env).stdout)
    created = cli(["clients", "create", "--org", organization["id"], "--json"], env)
    client = json.loads(created.stdout)
    rotated = cli(["clients", "rotate-secret", client["clientId"], "--json"], env)
    new_secret = json.loads(rotated.stdout)["clientSecret"]
    secrets = [client["clientSecret"], new_secret]

    log_path = tmp_path / "server.log"
    port = free_port()
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "massledger", "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=log,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            for _ in range(300):
                try:
                    httpx.get(f"{url}/health", timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.05)
            bodies = []
            for secret in secrets:  # the old one is refused, the new one works
                answer = httpx.post(
                    f"{url}/oauth2/token",
                    data={"grant_type": "client_credentials"},
                    auth=(client["clientId"], secret),
                )
                bodies.append(answer.text)
                in_form = httpx.post(
                    f"{url}/oauth2/token",
                    data={
                        "grant_type": "client_credentials",
                        "client_id": client["clientId"],
                        "client_secret": secret,
                    },
                )
                bodies.append(in_form.text)
            assert [json.loads(b).get("token_type") for b in bodies] == [None, None, "Bearer", "Bearer"]
            bad_scope = httpx.post(
                f"{url}/oauth2/token",
                data={"grant_type": "client_credentials", "scope": "registry:admin"},
                auth=(client["clientId"], new_secret),
            )
            bodies.append(bad_scope.text)
        finally:
            server.terminate()
            server.wait(timeout=10)
    logs = log_path.read_text() + created.stderr + rotated.stderr
    assert "Uvicorn running" in logs or "Application startup" in logs  # the capture really captured
    stored = _dump(database_url)
    for secret in secrets:
        assert secret not in logs
        assert all(secret not in body for body in bodies)
        assert secret not in stored
