"""GET /health (liveness) and GET /ready (database reachable, migrations at head) for operators."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from massledger.app import create_app
from massledger.db import migrate
from massledger.db.engine import Database
from massledger.settings import Settings
from tests.backends import create_postgres_database
from tests.conftest import _worker, free_port


@pytest.fixture
def empty_database_url(backend: str, tmp_path: Path) -> str:
    """A database nobody has migrated yet."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    return create_postgres_database(f"massledger_test_{_worker()}_fresh")


def _client(database_url: str, data_dir: Path) -> TestClient:
    return TestClient(create_app(Settings(data_dir=data_dir, database_url=database_url)))


def test_ready_is_503_until_the_database_is_migrated(empty_database_url: str, tmp_path: Path) -> None:
    head = migrate.head_revision()
    with _client(empty_database_url, tmp_path) as client:
        assert client.get("/health").json() == {"status": "ok"}
        fresh = client.get("/ready")
        assert fresh.status_code == 503
        assert fresh.json() == {
            "status": "migrating",
            "database": "ok",
            "migration": None,
            "expectedMigration": head,
        }

        database = Database(empty_database_url)
        migrate.upgrade(database, "0001")  # behind: an older revision
        behind = client.get("/ready")
        assert behind.status_code == 503 and behind.json()["migration"] == "0001" != head

        migrate.upgrade(database)
        database.dispose_sync()
        ready = client.get("/ready")
        assert ready.status_code == 200
        assert ready.json() == {
            "status": "ok",
            "database": "ok",
            "migration": head,
            "expectedMigration": head,
        }


def test_ready_is_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    nowhere = f"postgresql://postgres@127.0.0.1:{free_port()}/massledger"
    with _client(nowhere, tmp_path) as client:
        assert client.get("/health").status_code == 200  # alive, even without a database
        response = client.get("/ready")
        assert response.status_code == 503
        assert response.json()["status"] == "unavailable" and response.json()["database"] == "unreachable"
