"""Engine settings: SQLite connection pragmas (PostgreSQL's are the server's), and the thread switch
interval of the PostgreSQL thread pool (see THREAD_SWITCH_INTERVAL_S)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from massledger.app import create_app
from massledger.db import raw
from massledger.db.engine import THREAD_SWITCH_INTERVAL_S, Database
from massledger.settings import DEFAULT_SQLITE_CACHE_MIB, Settings

INSERT = raw.Sql("INSERT INTO t (v) VALUES (:v)")


def _database(tmp_path: Path, **settings: int) -> tuple[Database, Path]:
    path = tmp_path / "db.sqlite3"
    database = Database(f"sqlite:///{path}", **settings)
    with database.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)"))
    return database, path


def _insert(database: Database, rows: int) -> None:
    async def write() -> None:
        for index in range(rows):
            await database.write(lambda conn, v=f"row {index}": raw.execute(conn, INSERT, {"v": v}))

    asyncio.run(write())


def _pragma(database: Database, name: str) -> object:
    async def read() -> object:
        return await database.read(lambda conn: conn.exec_driver_sql(f"PRAGMA {name}").scalar())

    return asyncio.run(read())


def test_every_connection_gets_the_settings(tmp_path: Path) -> None:
    database, _path = _database(tmp_path, sqlite_cache_mib=48)
    try:
        with database.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -48 * 1024
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        # The HTTP handlers' inline connection too.
        assert _pragma(database, "cache_size") == -48 * 1024
        assert _pragma(database, "journal_mode") == "wal"
    finally:
        database.dispose_sync()


def test_the_server_takes_the_settings(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, sqlite_cache_mib=16, database_url=f"sqlite:///{tmp_path}/a")
    database = create_app(settings).state.database
    try:
        assert _pragma(database, "cache_size") == -16 * 1024
    finally:
        database.dispose_sync()
    assert Settings().sqlite_cache_mib == DEFAULT_SQLITE_CACHE_MIB


def test_writes_of_the_inline_connection_are_durable(tmp_path: Path) -> None:
    database, path = _database(tmp_path, sqlite_cache_mib=1)  # a cache smaller than what is written
    try:
        _insert(database, 300)
    finally:
        database.dispose_sync()
    reopened = Database(f"sqlite:///{path}")
    try:
        assert reopened.run_read(lambda conn: conn.execute(text("SELECT count(*) FROM t")).scalar()) == 300
    finally:
        reopened.dispose_sync()


def test_only_the_postgresql_pool_shortens_the_switch_interval(database_url: str, backend: str) -> None:
    """Handler threads coming back from a round trip wait at most 0.5 ms for the GIL on PostgreSQL;
    SQLite runs inline on the event loop and leaves CPython's default alone."""
    default = sys.getswitchinterval()
    sys.setswitchinterval(0.005)  # CPython's default
    try:
        database = Database(database_url)
        try:
            expected = THREAD_SWITCH_INTERVAL_S if backend == "postgresql" else 0.005
            assert sys.getswitchinterval() == pytest.approx(expected)
        finally:
            database.dispose_sync()
    finally:
        sys.setswitchinterval(default)
