"""Fixtures: a migrated database per backend (SQLite and PostgreSQL), the app in-process, a real
`massledger serve` subprocess, and helpers to make organizations, clients and tokens."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from massledger.app import create_app
from massledger.auth import service as client_service
from massledger.auth.keys import load_pepper
from massledger.auth.scopes import DEFAULT_CLIENT_SCOPES, METHODOLOGY_RUN
from massledger.db.engine import Database
from massledger.organizations import service as organization_service
from massledger.organizations.schemas import OrganizationCreate
from massledger.settings import Settings
from tests.backends import create_postgres_database, ensure_postgres, migrated, truncate_all

BACKENDS = ["sqlite", "postgresql"]


def pytest_configure(config: pytest.Config) -> None:
    # Fail fast, once, before any test: the PostgreSQL half must run.
    if not hasattr(config, "workerinput"):
        ensure_postgres()


def _worker() -> str:
    # Checkouts side by side (git worktrees) must not share PostgreSQL test databases.
    checkout = hashlib.sha1(str(Path(__file__).resolve().parent).encode()).hexdigest()[:6]
    return f"{checkout}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="session")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'massledger.sqlite3'}"
    return create_postgres_database(f"massledger_test_{_worker()}")


@pytest.fixture(scope="session")
def session_database(database_url: str) -> Iterator[Database]:
    database = migrated(database_url)
    yield database
    database.dispose_sync()


@pytest.fixture
def db(session_database: Database) -> Database:
    """The migrated database of this backend, emptied before the test."""
    truncate_all(session_database)
    return session_database


@pytest.fixture
def settings(db: Database, database_url: str, data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, database_url=database_url, rate_limit_enabled=False)


@pytest.fixture
def app_client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


@dataclass
class Credentials:
    client_id: str
    client_secret: str
    organization_id: str
    participant_id: str
    data_set: str
    scopes: list[str] = field(default_factory=list)


class Factory:
    """Creates organizations and clients directly in the database, as an operator's CLI would."""

    def __init__(self, database: Database, settings: Settings) -> None:
        self.database = database
        self.pepper = load_pepper(settings.data_dir, settings.secret_pepper)

    def organization(self, name: str = "Org", **extra: Any) -> str:
        data = OrganizationCreate(fullName=name, **extra)
        row, _ = self.database.run_write(organization_service.create_organization, data)
        return str(row["id"])

    def client(
        self, organization_id: str | None = None, data_set: str = "TEST", scopes: list[str] | None = None
    ) -> Credentials:
        organization_id = organization_id or self.organization()
        created = self.database.run_write(
            client_service.create_client, self.pepper, organization_id, data_set, scopes
        )
        return Credentials(
            created.client_id,
            created.client_secret,
            organization_id,
            created.participant_id,
            data_set,
            created.scopes,
        )


@pytest.fixture
def factory(db: Database, settings: Settings) -> Factory:
    return Factory(db, settings)


def fetch_token(http: httpx.Client | TestClient, creds: Credentials, scope: str | None = None) -> str:
    form = {"grant_type": "client_credentials"}
    if scope:
        form["scope"] = scope
    response = http.post("/oauth2/token", data=form, auth=(creds.client_id, creds.client_secret))
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


class Api:
    """An authenticated caller: one client's token on one HTTP client."""

    def __init__(self, http: httpx.Client | TestClient, creds: Credentials, scope: str | None = None) -> None:
        self.http = http
        self.creds = creds
        self.headers = {"Authorization": f"Bearer {fetch_token(http, creds, scope)}"}

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.get(path, headers=self.headers, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        return self.http.post(path, json=json, headers=self.headers, **kwargs)


@pytest.fixture
def api(app_client: TestClient, factory: Factory) -> Api:
    """A TEST-data-set integrator with the default scopes."""
    return Api(app_client, factory.client())


OPERATOR_SCOPES = [*DEFAULT_CLIENT_SCOPES, METHODOLOGY_RUN]


@pytest.fixture
def operator(app_client: TestClient, factory: Factory) -> Api:
    """A TEST-data-set methodology operator: the default scopes plus methodology:run, which writing
    documents of category Methodology (accreditations, definitions, audits, certificates) needs."""
    return Api(app_client, factory.client(scopes=OPERATOR_SCOPES))


# -- a real server process -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        MASSLEDGER_DATABASE_URL=database_url,
        MASSLEDGER_DATA_DIR=str(data_dir),
        MASSLEDGER_RATE_LIMIT_ENABLED="false",
        MASSLEDGER_LOG_LEVEL="warning",
    )
    env.update(extra)
    return env


def cli(
    args: list[str], env: dict[str, str], check: bool = True, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "massledger", *args], env=env, capture_output=True, text=True, timeout=timeout
    )
    if check and result.returncode != 0:
        raise AssertionError(f"massledger {' '.join(args)} failed ({result.returncode}): {result.stderr}")
    return result


@dataclass
class LiveServer:
    url: str
    env: dict[str, str]
    process: subprocess.Popen[bytes]


def start_server(env: dict[str, str], workers: int = 1) -> LiveServer:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "massledger", "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited: {process.stderr.read().decode() if process.stderr else ''}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return LiveServer(url, env, process)
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("server did not become healthy in 30 s")


def stop_server(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture(scope="session")
def live_server(session_database: Database, database_url: str, data_dir: Path) -> Iterator[LiveServer]:
    server = start_server(server_env(database_url, data_dir))
    yield server
    stop_server(server)


@pytest.fixture
def live(live_server: LiveServer, db: Database) -> Iterator[httpx.Client]:
    """An HTTP client on the real server, with this backend's database emptied first."""
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        yield http
