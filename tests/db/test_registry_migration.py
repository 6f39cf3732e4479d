"""Migration 0004 gives organizations that existed before the registry their accounts in both ledgers."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, text

from massledger.db import migrate
from massledger.db.engine import Database
from massledger.registry import accounts
from massledger.registry.tables import registry_accounts


def test_existing_organizations_get_their_accounts(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    migrate.upgrade(database, "0001")
    with database.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO organizations (id, full_name, type, country_code, is_public, created_at_us,"
                " updated_at_us) VALUES ('org-1', 'Old', 'projectProponent', 'BR', 1, 1, 1)"
            )
        )
    migrate.upgrade(database)
    with database.engine.connect() as conn:
        rows = conn.execute(select(registry_accounts.c.address, registry_accounts.c.kind)).all()
    database.dispose_sync()
    expected = {
        (accounts.account_address("org-1", data_set, kind), kind)
        for data_set in accounts.DATA_SETS
        for kind in accounts.ORGANIZATION_KINDS
    }
    assert set(rows) == expected
