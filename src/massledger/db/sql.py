"""Small portable SQL helpers (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def insert_ignore(conn: Connection, table: Table, values: dict[str, object], keys: Sequence[str]) -> bool:
    """INSERT … ON CONFLICT (keys) DO NOTHING; True when the row was inserted by us."""
    # RETURNING, not rowcount: rowcount is unreliable for ON CONFLICT through some drivers.
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=list(keys))
        .returning(table.c[keys[0]])
    )
    return conn.execute(statement).first() is not None


def lock_clause_supported(conn: Connection) -> bool:
    """Row locks exist on PostgreSQL; SQLite serialises writers with BEGIN IMMEDIATE instead."""
    return conn.dialect.name == "postgresql"
