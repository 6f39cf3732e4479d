"""Test databases: every DB-backed test runs on SQLite and on PostgreSQL. PostgreSQL never skips: when it
cannot be reached (and cannot be started) the session stops with an error."""

from __future__ import annotations

import glob
import os
import subprocess
import time

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from massledger.db import migrate
from massledger.db.engine import Database
from massledger.db.tables import metadata

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def postgres_admin_url() -> str:
    return os.environ.get("MASSLEDGER_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def _reachable(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=3, autocommit=True) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.OperationalError:
        return False


def ensure_postgres() -> str:
    url = postgres_admin_url()
    if _reachable(url):
        return url
    if "MASSLEDGER_TEST_POSTGRES_URL" not in os.environ:
        versions = sorted(os.path.basename(p) for p in glob.glob("/etc/postgresql/*"))
        if versions:
            subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"],
                check=False,
                capture_output=True,
            )
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                if _reachable(url):
                    return url
                time.sleep(0.5)
    pytest.exit(
        f"PostgreSQL is required for the test suite and is not reachable at {url} "
        "(set MASSLEDGER_TEST_POSTGRES_URL or start the local cluster)",
        returncode=3,
    )


def create_postgres_database(name: str) -> str:
    admin = ensure_postgres()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(admin).set(database=name)
    return url.render_as_string(hide_password=False).replace("postgresql+psycopg", "postgresql")


def migrated(url: str) -> Database:
    database = Database(url)
    migrate.upgrade(database)
    return database


def truncate_all(database: Database) -> None:
    tables = [table.name for table in metadata.sorted_tables]
    with database.engine.begin() as conn:
        if database.is_postgresql:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in reversed(tables):
                conn.execute(text(f"DELETE FROM {name}"))
