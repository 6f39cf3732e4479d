"""The handlers' PostgreSQL path: each thread keeps its connections between requests, and one that broke
is replaced."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import psycopg
import pytest
from sqlalchemy import Connection
from sqlalchemy.engine import make_url

from massledger.db import raw
from massledger.db.engine import Database
from tests.backends import create_postgres_database
from tests.conftest import _worker


def _pid(conn: Connection) -> int:
    # Through the DBAPI cursor, as the hot paths' statements: SQLAlchemy does not see their failures.
    row = raw.fetch_one(conn, raw.Sql("SELECT pg_backend_pid()"), {})
    assert row is not None
    return int(row[0])


def _terminate(database_url: str, pid: int) -> None:
    url = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


@pytest.fixture(scope="module")
def database_url() -> str:
    """A PostgreSQL database of its own: the thread pool is the PostgreSQL path only (SQLite runs
    inline on the event loop), so these tests run once, on PostgreSQL, never skipped."""
    return create_postgres_database(f"massledger_test_threads_{_worker()}")


@pytest.fixture
def one_thread(database_url: str) -> Database:
    return Database(database_url, pool_size=1)


def test_a_thread_keeps_its_connections_between_requests(one_thread: Database) -> None:
    async def scenario() -> list[int]:
        pids = [await one_thread.write(_pid), await one_thread.write(_pid)]
        pids += [await one_thread.read(_pid), await one_thread.read(_pid)]
        await one_thread.dispose()
        return pids

    write_1, write_2, read_1, read_2 = asyncio.run(scenario())
    assert write_1 == write_2 and read_1 == read_2
    assert write_1 != read_1  # writes in transactions, reads in autocommit: two connections


def test_a_broken_connection_is_replaced(one_thread: Database, database_url: str) -> None:
    """The server ends the held connections: the request that finds one broken fails, the next one runs
    on a new connection."""

    async def scenario() -> tuple[list[int], list[int]]:
        writer, reader = await one_thread.write(_pid), await one_thread.read(_pid)
        _terminate(database_url, writer)
        _terminate(database_url, reader)
        with pytest.raises(Exception, match=r"(?i)terminat|closed|connection"):
            await one_thread.write(_pid)
        with pytest.raises(Exception, match=r"(?i)terminat|closed|connection"):
            await one_thread.read(_pid)
        after = [await one_thread.write(_pid), await one_thread.read(_pid)]
        await one_thread.dispose()
        return [writer, reader], after

    before, after = asyncio.run(scenario())
    assert after[0] not in before and after[1] not in before


def test_a_request_cancelled_before_its_turn_does_not_run(one_thread: Database) -> None:
    """With the one thread busy, a queued write whose caller gives up (cancelled) never runs; the others
    do, in order."""
    release = threading.Event()
    ran: list[str] = []

    def hold(conn: Connection) -> int:
        release.wait(10)
        ran.append("hold")
        return _pid(conn)

    def note(name: str) -> Callable[[Connection], None]:
        return lambda _conn: ran.append(name)

    async def scenario() -> None:
        first = asyncio.ensure_future(one_thread.write(hold))
        await asyncio.sleep(0.05)  # the thread is now inside `hold`
        dropped = asyncio.ensure_future(one_thread.write(note("dropped")))
        kept = asyncio.ensure_future(one_thread.read(note("kept")))
        await asyncio.sleep(0.05)
        dropped.cancel()
        release.set()
        await first
        await kept
        with pytest.raises(asyncio.CancelledError):
            await dropped
        await one_thread.dispose()

    asyncio.run(scenario())
    assert ran == ["hold", "kept"]
