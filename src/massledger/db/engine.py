"""Database access: SQLite inline on the event loop (statements are sub-millisecond), PostgreSQL with sync
psycopg connections in a thread pool (the driver releases the GIL while it waits). Domain code is written
once as sync Core functions ``fn(conn, ...)`` and runs on either path through :meth:`Database.write` /
:meth:`Database.read`."""

from __future__ import annotations

import asyncio
import contextlib
import queue
import random
import sys
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from massledger.settings import DEFAULT_SQLITE_CACHE_MIB

T = TypeVar("T")
P = ParamSpec("P")

# SQLSTATEs worth retrying: serialization failure and deadlock (PostgreSQL and its distributed cousins).
_RETRYABLE_SQLSTATES = {"40001", "40P01"}
_MAX_ATTEMPTS = 8
# How long a thread may keep the GIL while another wants it (CPython's default: 5 ms). With PostgreSQL the
# handlers run in a thread pool and give the GIL up at every round trip; a transaction that holds a hot row
# lock (an audit's project and account rows until its commit) then waited up to 5 ms per statement behind
# threads busy in Python, and everyone queued on the lock meanwhile. 0.5 ms raised HTTP audits by ~50 %.
THREAD_SWITCH_INTERVAL_S = 0.0005


class UnsupportedDatabaseUrl(ValueError):
    pass


def normalize_url(url: str) -> str:
    """Accept the documented forms and pick our drivers: ``sqlite:///PATH``, ``postgresql://...``."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+pysqlite").render_as_string(hide_password=False)
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    raise UnsupportedDatabaseUrl(f"unsupported database URL scheme {parsed.drivername!r}")


def sqlite_pragmas(synchronous: str, cache_mib: int) -> list[str]:
    """The settings of every massledger SQLite connection (the bench's bare driver uses them too)."""
    return [
        "PRAGMA journal_mode=WAL",
        f"PRAGMA synchronous={synchronous}",
        "PRAGMA busy_timeout=30000",
        "PRAGMA foreign_keys=ON",
        f"PRAGMA cache_size={-1024 * cache_mib}",  # negative: KiB, not pages
    ]


def _sqlite_engine(url: str, *, immediate: bool | None, synchronous: str, cache_mib: int) -> Engine:
    """``immediate``: writers (BEGIN IMMEDIATE) or readers (BEGIN) on every SQLAlchemy transaction;
    None: no BEGIN at all, the caller issues it (:class:`_InlineSqlite`)."""
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
    pragmas = sqlite_pragmas(synchronous, cache_mib)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite so BEGIN IMMEDIATE below is what really runs.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in pragmas:
            cursor.execute(pragma)
        cursor.close()

    if immediate is not None:

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            # Writers take the write lock up front: no lock upgrades, no SQLITE_BUSY mid-transaction.
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _in_transaction(conn: Connection) -> Connection:
    """``conn`` inside SQLAlchemy's transaction, begun once and left open on a held connection (it issues
    no SQL; the request's COMMIT or ROLLBACK goes straight to the DBAPI connection)."""
    transaction = conn.get_transaction()
    if transaction is None or not transaction.is_active:
        if transaction is not None:
            transaction.rollback()
        conn.begin()
    return conn


class _InlineSqlite:
    """The HTTP handlers' SQLite connection: one, long-lived, used only on the event loop.

    A request's transaction runs inline without an await, so requests never interleave on it. BEGIN
    (IMMEDIATE for writers) and COMMIT/ROLLBACK go straight to the DBAPI connection: a SQLAlchemy
    transaction per request (pool checkout, begin hook through the execution layer, reset on return)
    cost about as much CPU as the statements of an append. SQLAlchemy's own transaction on this
    connection is begun once and left open (it issues no SQL: the engine has no begin hook), so Core
    statements inside ``fn`` neither autobegin nor commit anything."""

    def __init__(self, url: str, synchronous: str, cache_mib: int) -> None:
        self._engine = _sqlite_engine(url, immediate=None, synchronous=synchronous, cache_mib=cache_mib)
        self._conn: Connection | None = None

    def _connection(self) -> Connection:
        conn = self._conn
        if conn is None or conn.closed or conn.invalidated:
            conn = self._conn = self._engine.connect()
        return _in_transaction(conn)

    def run(
        self, write: bool, fn: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        conn = self._connection()
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None
        dbapi.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            result = fn(conn, *args, **kwargs)
            if write:
                dbapi.commit()
        except BaseException:
            # Whatever failed (fn, or the COMMIT itself), the connection leaves with no transaction open.
            if dbapi.in_transaction:
                dbapi.rollback()
            raise
        if not write:
            dbapi.rollback()
        return result

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self._engine.dispose()


_Job = tuple[asyncio.AbstractEventLoop, "asyncio.Future[Any]", Callable[[], Any]]


class _Workers:
    """Up to ``size`` threads running jobs from one queue, each result handed back to the event loop with
    ``call_soon_threadsafe``. ``run_in_executor`` does the same through a concurrent Future chained to an
    asyncio one, which costs ~15 µs of CPU per call against ~2 µs here (measured on uvloop). As an
    executor does, a thread is started only when none is idle (each one ends up holding connections), and
    the threads end when the pool is shut down or dropped."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._idle = threading.Semaphore(0)
        self._threads: list[threading.Thread] = []
        weakref.finalize(self, _stop, self._jobs, self._threads)

    def run(self, call: Callable[[], T]) -> asyncio.Future[T]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._jobs.put((loop, future, call))
        if not self._idle.acquire(blocking=False) and len(self._threads) < self._size:
            thread = threading.Thread(
                target=_work,
                args=(self._jobs, self._idle),
                name=f"massledger-db-{len(self._threads)}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)
        return future

    def shutdown(self) -> None:
        _stop(self._jobs, self._threads)
        for thread in self._threads:
            thread.join()


def _work(jobs: queue.SimpleQueue[_Job | None], idle: threading.Semaphore) -> None:
    while (job := jobs.get()) is not None:
        loop, future, call = job
        if not future.cancelled():  # else its caller gave up before it started: skipped, as an executor does
            try:
                result = call()
            except BaseException as exc:  # handed to the caller, as an executor does
                _hand_back(loop, future, None, exc)
            else:
                _hand_back(loop, future, result, None)
        idle.release()


def _stop(jobs: queue.SimpleQueue[_Job | None], threads: list[threading.Thread]) -> None:
    for _ in threads:
        jobs.put(None)


def _hand_back(
    loop: asyncio.AbstractEventLoop, future: asyncio.Future[Any], result: Any, exc: BaseException | None
) -> None:
    with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nobody is waiting
        loop.call_soon_threadsafe(_settle, future, result, exc)


def _settle(future: asyncio.Future[Any], result: Any, exc: BaseException | None) -> None:
    if future.cancelled():
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(result)


class _ThreadedPostgres:
    """The HTTP handlers' PostgreSQL access: ``fn`` runs with a plain (sync) psycopg connection in one of
    ``size`` threads. psycopg releases the GIL while it waits on the server, so transactions overlap as
    they did on the async engine, and each statement costs a blocking call instead of a trip through
    the event loop and a greenlet switch (about half the server's CPU per append went there).

    Each thread keeps its own two connections (a writer, and a reader in autocommit) for as long as it
    lives, as the SQLite path keeps its one: no pool checkout, SQLAlchemy transaction, reset and check-in
    per request. SQLAlchemy's transaction on a held connection is begun once and left open (it issues no
    SQL: psycopg begins a transaction with the first statement), and the request's COMMIT or ROLLBACK goes
    straight to the psycopg connection. A connection found broken after a failure is dropped and the next
    request on that thread opens a new one."""

    def __init__(self, url: str, size: int) -> None:
        self._size = size
        if sys.getswitchinterval() > THREAD_SWITCH_INTERVAL_S:
            sys.setswitchinterval(THREAD_SWITCH_INTERVAL_S)  # process-wide: see the constant
        self._engine = create_engine(url, pool_size=size, max_overflow=0, pool_pre_ping=False)
        # Reads in autocommit: no BEGIN and no ROLLBACK round trip. Under READ COMMITTED every statement
        # sees its own snapshot inside a transaction too, so a read sees exactly what it did before.
        self._read_engine = create_engine(
            url, pool_size=size, max_overflow=0, pool_pre_ping=False, isolation_level="AUTOCOMMIT"
        )
        self._workers: _Workers | None = None
        self._local = threading.local()
        self._held: list[Connection] = []  # every thread's connections, closed by close()
        self._lock = threading.Lock()

    async def run(
        self, write: bool, fn: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        if self._workers is None:  # (again) after close: a disposed Database stays usable, as engines do
            self._workers = _Workers(self._size)
        call = partial(self._write if write else self._read, lambda conn: fn(conn, *args, **kwargs))
        return await self._workers.run(call)

    def _connection(self, write: bool) -> Connection:
        """This thread's writer or reader, inside SQLAlchemy's (open, SQL-less) transaction."""
        name = "writer" if write else "reader"
        conn: Connection | None = getattr(self._local, name, None)
        if conn is None or conn.closed or conn.invalidated:
            conn = (self._engine if write else self._read_engine).connect()
            setattr(self._local, name, conn)
            with self._lock:
                self._held.append(conn)
        return _in_transaction(conn)

    def _write(self, call: Callable[[Connection], T]) -> T:
        conn = self._connection(True)
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None
        try:
            result = call(conn)
            dbapi.commit()
        except BaseException:
            self._after_failure(conn, dbapi)
            raise
        return result

    def _read(self, call: Callable[[Connection], T]) -> T:
        conn = self._connection(False)
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None
        try:
            return call(conn)
        except BaseException:
            self._after_failure(conn, dbapi)
            raise

    def _after_failure(self, conn: Connection, dbapi: Any) -> None:
        """Whatever failed (``fn``, or the COMMIT itself), the connection is left with no transaction open,
        or dropped when it is broken (the server went away, the socket closed)."""
        try:
            if not dbapi.broken and not dbapi.closed:
                dbapi.rollback()  # nothing to do (no round trip) when no transaction is open
                return
        except Exception:  # one that cannot roll back is dropped too
            pass
        conn.invalidate()

    def close(self) -> None:
        if self._workers is not None:
            self._workers.shutdown()
            self._workers = None
        # The threads are gone: their connections go back and are closed with the pools.
        with self._lock:
            held, self._held = self._held, []
        for conn in held:
            if not conn.closed:
                conn.close()
        self._local = threading.local()
        self._engine.dispose()
        self._read_engine.dispose()


class Database:
    """Owns the engines for one database URL."""

    def __init__(
        self,
        url: str,
        *,
        sqlite_synchronous: str = "NORMAL",
        sqlite_cache_mib: int = DEFAULT_SQLITE_CACHE_MIB,
        pool_size: int = 10,
    ) -> None:
        self.url = normalize_url(url)
        self.dialect = make_url(self.url).get_backend_name()
        self._inline: _InlineSqlite | None = None
        self._threads: _ThreadedPostgres | None = None
        if self.is_sqlite:
            self._inline = _InlineSqlite(self.url, sqlite_synchronous, sqlite_cache_mib)
            self.engine = _sqlite_engine(
                self.url, immediate=True, synchronous=sqlite_synchronous, cache_mib=sqlite_cache_mib
            )
            self.read_engine = _sqlite_engine(
                self.url, immediate=False, synchronous=sqlite_synchronous, cache_mib=sqlite_cache_mib
            )
        else:
            self.engine = create_engine(self.url, pool_pre_ping=True)
            self.read_engine = self.engine
            self._threads = _ThreadedPostgres(self.url, pool_size)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @property
    def is_postgresql(self) -> bool:
        return self.dialect == "postgresql"

    # -- synchronous API: CLI, migrations, tests ---------------------------------------------------------
    @contextmanager
    def begin(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    def run_write(self, fn: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        for attempt in range(_MAX_ATTEMPTS):
            try:
                with self.engine.begin() as conn:
                    return fn(conn, *args, **kwargs)
            except DBAPIError as exc:
                if not _retryable(exc) or attempt == _MAX_ATTEMPTS - 1:
                    raise
                _sleep_sync(attempt)
        raise AssertionError("unreachable")

    def run_read(self, fn: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        with self.read_engine.connect() as conn:
            return fn(conn, *args, **kwargs)

    # -- asynchronous API: HTTP handlers ------------------------------------------------------------------
    async def write(
        self, fn: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run ``fn`` in one write transaction; retried on serialization failures and deadlocks."""
        if self._inline is not None:
            # Inline: SQLite admits one writer, and without an await inside nothing interleaves here.
            return self._inline.run(True, fn, *args, **kwargs)
        assert self._threads is not None
        for attempt in range(_MAX_ATTEMPTS):
            try:
                return await self._threads.run(True, fn, *args, **kwargs)
            except DBAPIError as exc:
                if not _retryable(exc) or attempt == _MAX_ATTEMPTS - 1:
                    raise
                await asyncio.sleep(_backoff(attempt))
        raise AssertionError("unreachable")

    async def read(self, fn: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        if self._inline is not None:
            return self._inline.run(False, fn, *args, **kwargs)
        assert self._threads is not None
        return await self._threads.run(False, fn, *args, **kwargs)

    async def dispose(self) -> None:
        if self._inline is not None:
            self._inline.close()
        if self._threads is not None:
            self._threads.close()
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()

    def dispose_sync(self) -> None:
        if self._inline is not None:
            self._inline.close()
        if self._threads is not None:
            self._threads.close()
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()


def _retryable(exc: DBAPIError) -> bool:
    sqlstate = getattr(exc.orig, "sqlstate", None)
    return sqlstate in _RETRYABLE_SQLSTATES


def _backoff(attempt: int) -> float:
    delay: float = min(0.5, 0.005 * 2**attempt) * (0.5 + random.random())
    return delay


def _sleep_sync(attempt: int) -> None:
    import time

    time.sleep(_backoff(attempt))


def single_use_engine(url: str) -> Engine:
    """An engine without pooling, for one-off administrative work (migrations, verify)."""
    return create_engine(normalize_url(url), poolclass=NullPool)
