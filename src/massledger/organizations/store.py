from __future__ import annotations

from sqlalchemy import Connection, RowMapping, insert, select, update

from massledger.organizations.tables import organizations


def insert_organization(conn: Connection, values: dict[str, object]) -> None:
    conn.execute(insert(organizations).values(**values))


def get_organization(conn: Connection, organization_id: str) -> RowMapping | None:
    query = select(organizations).where(organizations.c.id == organization_id)
    return conn.execute(query).mappings().first()


def list_organizations(conn: Connection) -> list[RowMapping]:
    query = select(organizations).order_by(organizations.c.created_at_us, organizations.c.id)
    return list(conn.execute(query).mappings())


def update_organization(conn: Connection, organization_id: str, values: dict[str, object]) -> None:
    conn.execute(update(organizations).where(organizations.c.id == organization_id).values(**values))
