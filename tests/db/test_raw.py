"""The DBAPI fast path runs inside the caller's transaction on both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from massledger.db import raw
from massledger.db.engine import Database
from massledger.ids import now_us
from massledger.organizations.tables import organizations

INSERT = raw.Sql(
    "INSERT INTO organizations (id, full_name, type, country_code, is_public, created_at_us, updated_at_us)"
    " VALUES (:id, :name, 'other', 'BR', :public, :now, :now)"
)
SELECT = raw.Sql("SELECT id, full_name FROM organizations WHERE full_name LIKE '100%' OR id = :id")


def test_placeholders_are_rendered_per_driver() -> None:
    statement = raw.Sql(
        "SELECT a FROM t WHERE b = :b AND c LIKE '5%' AND d = CAST(:d AS TEXT) AND e::text = 'x'"
    )
    assert statement.sqlite.count(":b") == 1
    assert "%(b)s" in statement.postgresql and "%(d)s" in statement.postgresql
    assert "'5%%'" in statement.postgresql and "e::text" in statement.postgresql


def test_statements_share_the_transaction(db: Database) -> None:
    rows = [{"id": f"org-{i}", "name": f"{i}% recycled", "public": True, "now": now_us()} for i in (100, 200)]
    with pytest.raises(RuntimeError), db.begin() as conn:
        raw.execute_many(conn, INSERT, rows)
        assert raw.fetch_one(conn, SELECT, {"id": "org-200"}) is not None
        raise RuntimeError("roll back")
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM organizations")).scalar() == 0

    db.run_write(lambda conn: raw.execute_many(conn, INSERT, rows))
    found = db.run_read(lambda conn: raw.fetch_all(conn, SELECT, {"id": "org-200"}))
    assert sorted(found) == [("org-100", "100% recycled"), ("org-200", "200% recycled")]
    assert db.run_read(lambda conn: raw.fetch_one(conn, SELECT, {"id": "none"})) == (
        "org-100",
        "100% recycled",
    )
    with db.engine.connect() as conn:
        assert len(list(conn.execute(organizations.select()))) == 2


async def _async_read(db: Database) -> list[tuple[object, ...]]:
    return await db.read(lambda conn: raw.fetch_all(conn, SELECT, {"id": "org-200"}))


def test_async_path(db: Database) -> None:
    import asyncio

    rows = [{"id": "org-200", "name": "x", "public": True, "now": now_us()}]

    async def scenario() -> list[tuple[object, ...]]:
        await db.write(lambda conn: raw.execute_many(conn, INSERT, rows))
        result = await _async_read(db)
        await db.dispose()
        return result

    assert asyncio.run(scenario()) == [("org-200", "x")]


def test_async_transactions_commit_roll_back_and_mix_core_with_raw(db: Database) -> None:
    """The handlers' path (SQLite: one long-lived connection with BEGIN/COMMIT on the DBAPI connection;
    PostgreSQL: sync connections in threads): a failed write leaves nothing and the next one works, Core
    and raw statements share one transaction, a read sees committed rows, and a write made meanwhile
    through another connection is seen too."""
    import asyncio

    def row(i: int) -> dict[str, object]:
        return {"id": f"org-{i}", "name": f"{i}", "public": True, "now": now_us()}

    def insert_then_fail(conn: Connection) -> None:
        raw.execute_many(conn, INSERT, [row(1)])
        conn.execute(text("UPDATE organizations SET full_name = 'changed'"))
        raise RuntimeError("roll back")

    def insert_both_ways(conn: Connection) -> int:
        raw.execute_many(conn, INSERT, [row(2)])
        conn.execute(text("UPDATE organizations SET full_name = 'core' WHERE id = 'org-2'"))
        return int(raw.fetch_one(conn, raw.Sql("SELECT count(*) FROM organizations"), {})[0])  # type: ignore[index]

    def names(conn: Connection) -> list[tuple[object, ...]]:
        return raw.fetch_all(conn, raw.Sql("SELECT id, full_name FROM organizations ORDER BY id"), {})

    async def scenario() -> list[list[tuple[object, ...]]]:
        seen = []
        for _ in range(2):  # the second round runs on the same (SQLite) connection as the first
            with pytest.raises(RuntimeError):
                await db.write(insert_then_fail)
            seen.append(await db.read(names))
        assert await db.write(insert_both_ways) == 1
        db.run_write(lambda conn: raw.execute_many(conn, INSERT, [row(3)]))  # another connection
        seen.append(await db.read(names))
        with pytest.raises(DBAPIError):  # a failed statement inside a read
            await db.read(lambda conn: [names(conn), conn.execute(text("SELECT nonsense_column FROM x"))])
        seen.append(await db.read(names))
        await db.dispose()
        seen.append(await db.read(names))  # usable again after dispose, as engines are
        await db.dispose()
        return seen

    empty: list[tuple[object, ...]] = []
    both = [("org-2", "core"), ("org-3", "3")]
    assert asyncio.run(scenario()) == [empty, empty, both, both, both]
