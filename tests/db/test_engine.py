"""The PostgreSQL thread pool shortens CPython's thread switch interval (see THREAD_SWITCH_INTERVAL_S)."""

from __future__ import annotations

import sys

import pytest

from massledger.db.engine import THREAD_SWITCH_INTERVAL_S, Database


def test_a_postgresql_database_shortens_the_thread_switch_interval(database_url: str, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite runs inline on the event loop: no handler threads")
    default = sys.getswitchinterval()
    sys.setswitchinterval(0.005)  # CPython's default
    try:
        database = Database(database_url)
        try:
            assert sys.getswitchinterval() == pytest.approx(THREAD_SWITCH_INTERVAL_S)
        finally:
            database.dispose_sync()
    finally:
        sys.setswitchinterval(default)
