"""Shared CLI plumbing: settings, database, output in human or --json form, exit codes (0 ok, 1 failure,
2 usage).

Domain modules (database, migrations, services) are imported inside the commands that use them, so
``--help`` and ``import`` (an HTTP client) start fast."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import orjson
import typer
from rich.console import Console
from rich.progress import ProgressColumn, Task
from rich.text import Text

if TYPE_CHECKING:
    from massledger.db.engine import Database
    from massledger.settings import Settings

T = TypeVar("T")

console = Console()
err_console = Console(stderr=True)

JsonOption = typer.Option(False, "--json", help="Print exactly one JSON object on stdout.")


def settings() -> Settings:
    from massledger.settings import Settings

    return Settings()


def open_database(*, migrated: bool = True) -> Database:
    from massledger.db import migrate
    from massledger.db.engine import Database

    config = settings()
    database = Database(
        config.resolved_database_url,
        sqlite_synchronous=config.sqlite_synchronous,
        sqlite_cache_mib=config.sqlite_cache_mib,
    )
    if migrated:
        migrate.upgrade(database)
    return database


def print_json(value: Any) -> None:
    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode() + "\n")
    sys.stdout.flush()


def print_error(message: str) -> None:
    """``error: message`` on stderr, the message printed as it is (no markup, no wrapping)."""
    err_console.print("[red]error:[/red] ", end="")
    err_console.print(message, markup=False, highlight=False, soft_wrap=True)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print the error; raise the returned Exit (1 failure, 2 bad input)."""
    print_error(message)
    return typer.Exit(code)


def run_command(fn: Callable[[], T]) -> T:
    """Turn domain errors into a message on stderr and exit code 1 (2 for bad input)."""
    from massledger.errors import ApiError

    try:
        return fn()
    except ApiError as exc:
        raise fail(exc.message, 2 if exc.status_code in (400, 422) else 1) from exc


class RateColumn(ProgressColumn):
    """Items per second, e.g. "125 documents/s"."""

    def __init__(self, unit: str) -> None:
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} {self.unit}" if speed is not None else f"- {self.unit}")
