from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, insert, select, update

from massledger.db import raw
from massledger.db.sql import insert_ignoring_conflicts
from massledger.organizations.tables import organizations

_EXISTS = raw.Sql("SELECT 1 FROM organizations WHERE id = :id")


def insert_organization(conn: Connection, values: dict[str, object]) -> None:
    conn.execute(insert(organizations).values(**values))


def get_organization(conn: Connection, organization_id: str) -> RowMapping | None:
    query = select(organizations).where(organizations.c.id == organization_id)
    return conn.execute(query).mappings().first()


def organization_exists(conn: Connection, organization_id: str) -> bool:
    return raw.fetch_one(conn, _EXISTS, {"id": organization_id}) is not None


def list_organizations(conn: Connection) -> list[RowMapping]:
    query = select(organizations).order_by(organizations.c.created_at_us, organizations.c.id)
    return list(conn.execute(query).mappings())


def update_organization(conn: Connection, organization_id: str, values: dict[str, object]) -> None:
    conn.execute(update(organizations).where(organizations.c.id == organization_id).values(**values))


def insert_if_absent(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Restored organizations: those already stored are kept as they are."""
    insert_ignoring_conflicts(conn, organizations, rows)


def existing_ids(conn: Connection, organization_ids: Iterable[str]) -> set[str]:
    ids = sorted(set(organization_ids))
    if not ids:
        return set()
    return set(conn.execute(select(organizations.c.id).where(organizations.c.id.in_(ids))).scalars())


def get_organizations(conn: Connection, organization_ids: Iterable[str]) -> list[RowMapping]:
    ids = sorted(set(organization_ids))
    if not ids:
        return []
    return list(conn.execute(select(organizations).where(organizations.c.id.in_(ids))).mappings())
