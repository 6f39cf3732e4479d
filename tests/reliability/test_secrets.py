"""Secrets never appear in logs, answers or the database: client secrets (created and rotated), the secret
pepper, the attachment URL signing key and the token signing key. The server runs with debug logs and the
CLI's stderr is kept; the database is scanned as stored — the SQLite file with its WAL, byte for byte, or a
pg_dump of the PostgreSQL database."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from sqlalchemy import inspect, select, table, text
from sqlalchemy.engine import make_url

from massledger.auth.keys import PEPPER_FILE, SIGNING_KEY_FILE, URL_SIGNING_KEY_FILE
from massledger.db.engine import Database
from tests.conftest import cli, free_port, server_env
from tests.traceability.helpers import document_body


def _stored(database_url: str) -> bytes:
    """Everything the database holds, as stored."""
    if database_url.startswith("sqlite"):
        path = Path(make_url(database_url).database or "")
        files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
        return b"".join(file.read_bytes() for file in files if file.exists())
    if shutil.which("pg_dump"):
        dump = subprocess.run(["pg_dump", "--dbname", database_url], capture_output=True, check=True)
        return dump.stdout
    # No PostgreSQL client tools here: every row of every table the database has, as text.
    database = Database(database_url)
    try:
        with database.engine.connect() as conn:
            names = inspect(conn).get_table_names()
            rows = {
                name: [list(r) for r in conn.execute(select(text("*")).select_from(table(name)))]
                for name in names
            }
    finally:
        database.dispose_sync()
    return json.dumps(rows, default=str).encode()


def _key_material(data_dir: Path) -> dict[str, str]:
    pem = (data_dir / SIGNING_KEY_FILE).read_text()
    return {
        "secret pepper": (data_dir / PEPPER_FILE).read_text().strip(),
        "attachment URL signing key": (data_dir / URL_SIGNING_KEY_FILE).read_text().strip(),
        "token signing key": "".join(line for line in pem.splitlines() if not line.startswith("-----")),
    }


def test_secrets_stay_out_of_logs_answers_and_storage(
    database_url: str, data_dir: Path, db: Database, tmp_path: Path
) -> None:
    env = server_env(database_url, data_dir, MASSLEDGER_LOG_LEVEL="debug")
    organization = json.loads(cli(["orgs", "create", "--name", "Secretive", "--json"], env).stdout)
    created = cli(["clients", "create", "--org", organization["id"], "--json"], env)
    client = json.loads(created.stdout)
    rotated = cli(["clients", "rotate-secret", client["clientId"], "--json"], env)
    new_secret = json.loads(rotated.stdout)["clientSecret"]
    secrets = {"client secret": client["clientSecret"], "rotated client secret": new_secret}

    log_path = tmp_path / "server.log"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    answers: list[str] = []  # every body the server sent back, except the token grants
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "massledger", "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=log,
        )
        try:
            for _ in range(300):
                try:
                    httpx.get(f"{url}/health", timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.05)
            grants = []
            for secret in secrets.values():  # the old secret is refused, the new one works
                answer = httpx.post(
                    f"{url}/oauth2/token",
                    data={"grant_type": "client_credentials"},
                    auth=(client["clientId"], secret),
                )
                in_form = httpx.post(
                    f"{url}/oauth2/token",
                    data={
                        "grant_type": "client_credentials",
                        "client_id": client["clientId"],
                        "client_secret": secret,
                    },
                )
                grants += [answer, in_form]
            assert [g.json().get("token_type") for g in grants] == [None, None, "Bearer", "Bearer"]
            answers += [g.text for g in grants[:2]]
            for form in (
                {"grant_type": "client_credentials", "scope": "registry:admin"},
                {"grant_type": "password"},
            ):
                answers.append(
                    httpx.post(f"{url}/oauth2/token", data=form, auth=(client["clientId"], new_secret)).text
                )
            token = grants[2].json()["access_token"]

            # Signed attachment URLs: made with the URL signing key, which must not leak with them.
            with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as http:
                document = http.post("/documents", json=document_body())
                grant = http.put(
                    f"/documents/{document.json()['id']}/attachments/ticket.pdf",
                    json={"contentLength": 4, "contentType": "application/pdf"},
                )
                upload = urlsplit(grant.json()["uploadUrl"])
                forged = http.put(
                    f"{upload.path}?{upload.query[:-4]}0000",
                    content=b"%PDF",
                    headers={"Content-Type": "application/pdf"},
                )
                uploaded = http.put(
                    f"{upload.path}?{upload.query}",
                    content=b"%PDF",
                    headers={"Content-Type": "application/pdf"},
                )
                download = http.get(f"/documents/{document.json()['id']}/attachments/ticket.pdf")
                answers += [r.text for r in (document, grant, forged, uploaded, download)]
                assert [r.status_code for r in (document, grant, forged, uploaded, download)] == [
                    201,
                    200,
                    403,
                    200,
                    200,
                ]
        finally:
            server.terminate()
            server.wait(timeout=10)
    logs = log_path.read_text() + created.stderr + rotated.stderr
    assert "Uvicorn running" in logs or "Application startup" in logs  # the capture really captured
    stored = _stored(database_url)
    assert client["clientId"].encode() in stored  # the scan reads real data
    for name, secret in {**secrets, **_key_material(data_dir)}.items():
        assert len(secret) >= 32, name
        assert secret not in logs, f"{name} in the logs"
        assert all(secret not in answer for answer in answers), f"{name} in an answer"
        assert secret.encode() not in stored, f"{name} in the database"
