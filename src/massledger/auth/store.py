"""SQL for clients."""

from __future__ import annotations

from sqlalchemy import Connection, RowMapping, insert, select, update

from massledger.auth.tables import clients


def insert_client(conn: Connection, values: dict[str, object]) -> None:
    conn.execute(insert(clients).values(**values))


def get_client(conn: Connection, client_id: str) -> RowMapping | None:
    return conn.execute(select(clients).where(clients.c.id == client_id)).mappings().first()


def list_clients(conn: Connection, organization_id: str | None = None) -> list[RowMapping]:
    query = select(clients).order_by(clients.c.created_at_us, clients.c.id)
    if organization_id:
        query = query.where(clients.c.organization_id == organization_id)
    return list(conn.execute(query).mappings())


def set_revoked(conn: Connection, client_id: str, revoked_at_us: int) -> bool:
    result = conn.execute(
        update(clients)
        .where(clients.c.id == client_id, clients.c.revoked_at_us.is_(None))
        .values(revoked_at_us=revoked_at_us)
    )
    return result.rowcount == 1


def set_secret(conn: Connection, client_id: str, secret_hmac: str) -> bool:
    result = conn.execute(update(clients).where(clients.c.id == client_id).values(secret_hmac=secret_hmac))
    return result.rowcount == 1
