"""Liveness and readiness for operators."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel
from sqlalchemy import Connection, text

from massledger.db import migrate

router = APIRouter(tags=["operations"])


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    database: str
    migration: str | None
    expectedMigration: str | None


@router.get("/health", summary="Liveness: the process answers")
async def health() -> Health:
    return Health(status="ok")


def _revision(conn: Connection) -> str | None:
    conn.execute(text("SELECT 1"))
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


@router.get(
    "/ready",
    summary="Readiness: database reachable and migrated to head",
    responses={503: {"model": Readiness}},
)
async def ready(request: Request, response: Response) -> Readiness:
    expected = migrate.head_revision()
    try:
        current = await request.app.state.database.read(_revision)
    except Exception:  # any database failure means "not ready", never a 500
        response.status_code = 503
        return Readiness(
            status="unavailable", database="unreachable", migration=None, expectedMigration=expected
        )
    if current != expected:
        response.status_code = 503
        return Readiness(status="migrating", database="ok", migration=current, expectedMigration=expected)
    return Readiness(status="ok", database="ok", migration=current, expectedMigration=expected)
