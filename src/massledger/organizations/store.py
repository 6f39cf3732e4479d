from __future__ import annotations

from sqlalchemy import Connection, RowMapping, insert, select, update

from massledger.db import raw
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
