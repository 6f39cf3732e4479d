"""SQL of attachments (SQLAlchemy Core; none of it is on a hot path)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select, update

from massledger.attachments.tables import attachments


def get(conn: Connection, attachment_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(attachments).where(attachments.c.id == attachment_id)).mappings().first()
    return dict(row) if row is not None else None


def get_by_name(conn: Connection, document_id: str, file_name: str) -> dict[str, Any] | None:
    row = (
        conn.execute(
            select(attachments).where(
                attachments.c.document_id == document_id, attachments.c.file_name == file_name
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


def get_by_names(conn: Connection, document_id: str, file_names: Sequence[str]) -> dict[str, dict[str, Any]]:
    rows = conn.execute(
        select(attachments).where(
            attachments.c.document_id == document_id, attachments.c.file_name.in_(list(file_names))
        )
    ).mappings()
    return {row["file_name"]: dict(row) for row in rows}


def insert(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(attachments.insert().values(**values))


def reissue(conn: Connection, attachment_id: str, values: dict[str, Any]) -> None:
    conn.execute(update(attachments).where(attachments.c.id == attachment_id).values(**values))


def complete(conn: Connection, attachment_id: str, nonce: str, sha256: str, uploaded_at_us: int) -> bool:
    """Record the received bytes once: False when this upload was already completed or superseded."""
    result = conn.execute(
        update(attachments)
        .where(
            attachments.c.id == attachment_id,
            attachments.c.upload_nonce == nonce,
            attachments.c.uploaded_at_us.is_(None),
        )
        .values(sha256=sha256, uploaded_at_us=uploaded_at_us)
    )
    return result.rowcount == 1


def insert_many(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(attachments.insert(), list(rows))


def uploaded_of_documents(conn: Connection, document_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The completed attachments of these documents (what an export carries)."""
    if not document_ids:
        return []
    query = (
        select(attachments)
        .where(attachments.c.document_id.in_(list(document_ids)), attachments.c.uploaded_at_us.is_not(None))
        .order_by(attachments.c.document_id, attachments.c.created_at_us, attachments.c.id)
    )
    return [dict(row) for row in conn.execute(query).mappings()]
