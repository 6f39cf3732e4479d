"""Small portable SQL helpers (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def insert_ignore(conn: Connection, table: Table, values: dict[str, object], keys: Sequence[str]) -> bool:
    """INSERT … ON CONFLICT (keys) DO NOTHING; True when the row was inserted by us."""
    if conn.dialect.name == "postgresql":
        pg_stmt = postgresql.insert(table).values(**values).on_conflict_do_nothing(index_elements=list(keys))
        return conn.execute(pg_stmt).rowcount == 1
    lite_stmt = sqlite.insert(table).values(**values).on_conflict_do_nothing(index_elements=list(keys))
    return conn.execute(lite_stmt).rowcount == 1


def lock_clause_supported(conn: Connection) -> bool:
    """Row locks exist on PostgreSQL; SQLite serialises writers with BEGIN IMMEDIATE instead."""
    return conn.dialect.name == "postgresql"
