"""Small portable SQL helpers (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table, select
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


def insert_ignoring_conflicts(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT … ON CONFLICT DO NOTHING for every unique constraint of the table (rows already there, or
    rows colliding with another on a unique key, are left out; the caller reads back what it needs)."""
    if rows:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        conn.execute(dialect.insert(table).on_conflict_do_nothing(), list(rows))


def rows_by_id(conn: Connection, table: Table, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """id → row (as a dict) for the ids that exist."""
    if not ids:
        return {}
    query = select(table).where(table.c.id.in_(sorted(set(ids))))
    return {row["id"]: dict(row) for row in conn.execute(query).mappings()}
