"""docs/sdk.md stays true: its complete example is run as written, twice, against a real server."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from massledger.attachments.tables import attachments
from massledger.traceability.tables import documents, events
from tests.conftest import Factory, LiveServer

SDK_DOC = Path(__file__).resolve().parents[2] / "docs" / "sdk.md"


def example_code() -> str:
    text = SDK_DOC.read_text()
    found = re.search(r"<!-- sdk-example[^>]*-->\n```python\n(.*?)\n```", text, re.DOTALL)
    assert found, "docs/sdk.md lost its marked example"
    return found.group(1)


def test_the_documented_example_runs_and_is_safe_to_run_twice(
    live_server: LiveServer, live: httpx.Client, factory: Factory, tmp_path: Path
) -> None:
    creds = factory.client()
    script = tmp_path / "example.py"
    script.write_text(example_code())
    env = {
        **live_server.env,
        "MASSLEDGER_URL": live_server.url,
        "MASSLEDGER_CLIENT_ID": creds.client_id,
        "MASSLEDGER_CLIENT_SECRET": creds.client_secret,
    }
    runs = [
        subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=60)
        for _ in range(2)
    ]
    for run in runs:
        assert run.returncode == 0, run.stderr
    first, second = (run.stdout.splitlines() for run in runs)
    assert first[0].endswith("created") and second[0].endswith("replayed")
    assert first[1:4] == second[1:4]  # the same attachment, events and state both times
    assert "status CLOSED currentValue 1500.0" in first
    assert any(line.startswith("listed ") and line.endswith(" CLOSED 3") for line in first)
    assert first[-1].startswith("public taxId 11") and not first[-1].endswith("11111111111")  # masked

    def count(table: Any) -> int:
        query = select(func.count()).select_from(table)
        return int(factory.database.run_read(lambda conn: conn.execute(query).scalar_one()))

    assert (count(documents), count(events), count(attachments)) == (1, 3, 1)
