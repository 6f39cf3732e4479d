"""Alembic driven from code: ``massledger migrate`` upgrades; ``python -m massledger.db.migrate new MSG``
autogenerates a revision (for developers) against a scratch SQLite database at head."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from massledger.db.engine import Database

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    return config


def upgrade(database: Database, revision: str = "head") -> None:
    config = alembic_config()
    with database.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(database: Database) -> str | None:
    with database.read_engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _new_revision(message: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        database = Database(f"sqlite:///{scratch}/scratch.sqlite3")
        upgrade(database)
        config = alembic_config()
        with database.engine.begin() as conn:
            config.attributes["connection"] = conn
            count = len(list(MIGRATIONS_DIR.joinpath("versions").glob("[0-9]*.py")))
            command.revision(config, message=message, autogenerate=True, rev_id=f"{count + 1:04d}")
        database.dispose_sync()


if __name__ == "__main__":  # pragma: no cover - developer tool
    if len(sys.argv) != 3 or sys.argv[1] != "new":
        sys.exit("usage: python -m massledger.db.migrate new MESSAGE")
    _new_revision(sys.argv[2])
