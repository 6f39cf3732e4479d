"""Hot-path SQL through the DBAPI cursor of the current SQLAlchemy connection.

SQLAlchemy Core costs ~70-150 µs per statement in its execution layer; the driver itself ~10 µs. The few
statements on the request hot paths (read a document and its events, append events) are written once
with ``:name`` placeholders and run here, inside the same transaction as everything else. Everything
else uses Core."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection

_NAMED = re.compile(r"(?<!:):([A-Za-z_][A-Za-z0-9_]*)")


class Sql:
    """One statement in the parameter style of each driver (sqlite3 ``:name``, psycopg ``%(name)s``)."""

    __slots__ = ("postgresql", "sqlite")

    def __init__(self, text: str) -> None:
        self.sqlite = text
        self.postgresql = _NAMED.sub(r"%(\1)s", text.replace("%", "%%"))

    def for_dialect(self, name: str) -> str:
        return self.postgresql if name == "postgresql" else self.sqlite


def _cursor(conn: Connection) -> Any:
    if not conn.in_transaction():
        conn.begin()  # the engine's begin hook issues BEGIN (IMMEDIATE for writers on SQLite)
    return conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]


def fetch_one(conn: Connection, sql: Sql, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
    cursor = _cursor(conn)
    try:
        cursor.execute(sql.for_dialect(conn.dialect.name), params)
        row = cursor.fetchone()
        return tuple(row) if row is not None else None
    finally:
        cursor.close()


def fetch_all(conn: Connection, sql: Sql, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    cursor = _cursor(conn)
    try:
        cursor.execute(sql.for_dialect(conn.dialect.name), params)
        return [tuple(row) for row in cursor.fetchall()]
    finally:
        cursor.close()


def execute(conn: Connection, sql: Sql, params: Mapping[str, Any]) -> int:
    cursor = _cursor(conn)
    try:
        cursor.execute(sql.for_dialect(conn.dialect.name), params)
        return int(cursor.rowcount)
    finally:
        cursor.close()


def execute_many(conn: Connection, sql: Sql, rows: Sequence[Mapping[str, Any]]) -> None:
    if not rows:
        return
    cursor = _cursor(conn)
    try:
        cursor.executemany(sql.for_dialect(conn.dialect.name), rows)
    finally:
        cursor.close()


def copy_rows(
    conn: Connection, table: str, columns: Sequence[str], rows: Sequence[Mapping[str, Any]]
) -> None:
    """PostgreSQL only: insert rows with one ``COPY … FROM STDIN`` (psycopg formats the rows in C). For a
    batch of events this costs about a third of ``executemany``'s client CPU (one Bind/Execute per row)
    and less server CPU too."""
    if not rows:
        return
    cursor = _cursor(conn)
    try:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[column] for column in columns])
    finally:
        cursor.close()
