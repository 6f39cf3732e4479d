"""SQLite connection settings and the WAL checkpointer of the HTTP writer (SQLite only: PostgreSQL has
neither)."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import time
from pathlib import Path

from sqlalchemy import Connection, text

from massledger.app import create_app
from massledger.db import raw
from massledger.db.engine import WAL_BOUND_PAGES, Database
from massledger.settings import DEFAULT_SQLITE_CACHE_MIB, Settings

INSERT = raw.Sql("INSERT INTO t (v) VALUES (:v)")


def _database(tmp_path: Path, **settings: int) -> tuple[Database, Path]:
    path = tmp_path / "db.sqlite3"
    database = Database(f"sqlite:///{path}", **settings)
    with database.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)"))
    plain = sqlite3.connect(path)
    plain.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the table in the file, the WAL empty
    plain.close()
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


def _rows_in_main_file(path: Path, tmp_path: Path) -> int:
    """Rows in the database file alone, without its WAL: what a checkpoint has copied there."""
    copy = tmp_path / "main-only.sqlite3"
    shutil.copyfile(path, copy)
    conn = sqlite3.connect(f"file:{copy}?immutable=1", uri=True)
    try:
        return int(conn.execute("SELECT count(*) FROM t").fetchone()[0])
    finally:
        conn.close()


def _wal_frames(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        # A PASSIVE checkpoint reports the WAL's size in frames (and copies it: harmless here).
        return int(conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1])
    finally:
        conn.close()


def test_every_connection_gets_the_settings(tmp_path: Path) -> None:
    database, _path = _database(tmp_path, sqlite_cache_mib=48)
    try:
        with database.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -48 * 1024
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000  # SQLite's default
        # The HTTP writer leaves checkpoints to the thread, up to the bound.
        assert _pragma(database, "cache_size") == -48 * 1024
        assert _pragma(database, "wal_autocheckpoint") == WAL_BOUND_PAGES
        assert database._inline is not None and database._inline.checkpointer is not None
    finally:
        database.dispose_sync()


def test_without_the_thread_the_writer_checkpoints_as_sqlite_does(tmp_path: Path) -> None:
    database, _path = _database(tmp_path, sqlite_checkpoint_ms=0)
    try:
        assert _pragma(database, "wal_autocheckpoint") == 1000
        assert database._inline is not None and database._inline.checkpointer is None
    finally:
        database.dispose_sync()


def test_the_server_takes_the_settings(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path, sqlite_cache_mib=16, sqlite_checkpoint_ms=0, database_url=f"sqlite:///{tmp_path}/a"
    )
    database = create_app(settings).state.database
    try:
        assert _pragma(database, "cache_size") == -16 * 1024
        assert database._inline is not None and database._inline.checkpointer is None
    finally:
        database.dispose_sync()
    assert Settings().sqlite_cache_mib == DEFAULT_SQLITE_CACHE_MIB


def test_the_thread_copies_the_wal_into_the_database_file(tmp_path: Path) -> None:
    database, path = _database(tmp_path, sqlite_checkpoint_ms=10)
    try:
        _insert(database, 50)
        checkpointer = database._inline.checkpointer if database._inline else None
        assert checkpointer is not None
        rounds = checkpointer.rounds
        deadline = time.monotonic() + 30
        while checkpointer.rounds < rounds + 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert checkpointer.rounds >= rounds + 2
        assert _rows_in_main_file(path, tmp_path) == 50
    finally:
        database.dispose_sync()
    assert checkpointer._thread is None  # stopped with the database


def test_a_full_wal_is_restarted_by_the_writer(tmp_path: Path) -> None:
    # An hour between rounds: this test runs them itself.
    database, path = _database(tmp_path, sqlite_checkpoint_ms=3_600_000)
    own = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        _insert(database, 20)
        checkpointer = database._inline.checkpointer if database._inline else None
        assert checkpointer is not None
        assert _rows_in_main_file(path, tmp_path) == 0  # all still in the WAL: the writer did not copy
        frames = _wal_frames(path)
        assert frames >= 20

        checkpointer.restart_pages = 10**9  # below the restart size: the thread copies, the writer not
        checkpointer.checkpoint(own)
        assert not checkpointer.catch_up
        assert _rows_in_main_file(path, tmp_path) == 20

        checkpointer.restart_pages = 1
        _insert(database, 5)
        checkpointer.checkpoint(own)
        assert checkpointer.catch_up
        catch_ups = checkpointer.catch_ups
        _insert(database, 1)  # this commit copies what the thread left; the next write restarts the WAL
        assert (checkpointer.catch_ups, checkpointer.catch_up) == (catch_ups + 1, False)
        _insert(database, 1)
        assert _wal_frames(path) < frames  # (which copies the last row too)
        assert _rows_in_main_file(path, tmp_path) == 27

        def count(conn: Connection) -> int:
            return int(conn.execute(text("SELECT count(*) FROM t")).scalar_one())

        assert database.run_read(count) == 27
    finally:
        own.close()
        database.dispose_sync()
    reopened = Database(f"sqlite:///{path}")
    try:
        assert reopened.run_read(lambda conn: conn.execute(text("SELECT count(*) FROM t")).scalar()) == 27
    finally:
        reopened.dispose_sync()
