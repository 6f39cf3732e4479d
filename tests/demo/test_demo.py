"""`massledger demo` as a real subprocess on both backends: the story is complete and verifies, the
printed credentials work, the failing MassIDs say why in their stored audits, and re-running changes
nothing (a dump of every table before and after compares equal; `--reset` shows the dump would notice)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from massledger.db.engine import Database
from massledger.db.tables import metadata
from massledger.demo import story
from massledger.traceability.tables import documents
from tests.conftest import cli, server_env

DEMO_TIMEOUT = 600.0


def dump(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the schema, sorted: equal dumps mean equal databases."""
    with database.engine.connect() as conn:
        return {
            table.name: sorted((tuple(row) for row in conn.execute(select(table))), key=repr)
            for table in metadata.sorted_tables
        }


def _demo(env: dict[str, str], *args: str) -> dict[str, Any]:
    result = cli(["demo", *args, "--json"], env, timeout=DEMO_TIMEOUT)
    output = json.loads(result.stdout)
    assert isinstance(output, dict)
    return output


def test_demo_on_an_empty_database_tells_the_whole_story(
    database_url: str, data_dir: Path, db: Database, app_client: TestClient
) -> None:
    env = server_env(database_url, data_dir)
    demo = _demo(env)
    assert demo["created"] is True
    verified = json.loads(cli(["verify", "--json"], env, timeout=DEMO_TIMEOUT).stdout)
    assert verified["ok"] is True and verified["checked"]["retirements"] == 1

    assert set(demo["organizations"]) == {role.key for role in story.ROLES}
    assert len(demo["massIds"]) == story.MASS_IDS == 20
    audits = demo["audits"]
    assert len(audits) == 2 * story.MASS_IDS
    flawed = {number: flaw.rule for number, flaw in story.FLAWS.items()}
    for audit in audits:
        rule = flawed.get(audit["number"])
        if rule is None:
            assert audit["result"] == "PASSED" and audit["credits"]["amount"] > 0, audit
        else:
            assert audit["result"] == "FAILED" and audit["credits"] is None
            assert [reason.split(":")[0] for reason in audit["failedRules"]] == [rule]

    # Every printed client works; the operator reads the stored audits back, reasons included.
    credentials = demo["credentials"]
    tokens = {}
    for key, item in credentials.items():
        answer = app_client.post(
            "/oauth2/token",
            data={"grant_type": "client_credentials"},
            auth=(item["clientId"], item["clientSecret"]),
        )
        assert answer.status_code == 200, (key, answer.text)
        tokens[key] = {"Authorization": f"Bearer {answer.json()['access_token']}"}
    failed = next(a for a in audits if a["number"] == 4 and a["methodology"] == "bold-carbon")
    stored = app_client.get(
        f"/methodologies/bold-carbon/audits/{failed['auditId']}", headers=tokens["operator"]
    )
    assert stored.status_code == 200
    [weighing] = [rule for rule in stored.json()["rules"] if rule["result"] != "PASSED"]
    assert weighing["slug"] == "weighing" and "tare" in weighing["message"]

    # The buyer holds what it bought minus what it retired, and gets the retirement's PDF.
    buyer = demo["organizations"]["buyer"]
    inventory = app_client.get(f"/organizations/{buyer}/inventory", headers=tokens["buyer"]).json()
    assert [(c["id"], c["amount"]) for c in inventory["credits"]] == [(demo["creditId"], 0.5)]
    pdf = app_client.get(
        f"/organizations/{buyer}/retirements/{demo['retirementId']}/pdf", headers=tokens["buyer"]
    )
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # The next steps name real things.
    assert any(demo["retirementId"] in line for line in demo["next"]["curl"])
    assert (
        app_client.get(demo["next"]["publicMassId"].removeprefix("http://127.0.0.1:8000")).status_code == 200
    )


def test_demo_twice_changes_nothing_and_reset_starts_over(
    database_url: str, data_dir: Path, db: Database
) -> None:
    env = server_env(database_url, data_dir)
    first = _demo(env)
    before = dump(db)
    again = _demo(env)
    assert again["created"] is False and again["credentials"] is None  # secrets are shown once
    assert again["organizations"] == first["organizations"]
    assert again["retirementId"] == first["retirementId"]
    assert dump(db) == before

    # The comparison notices a difference: --reset writes the story again with new ids.
    reset = _demo(env, "--reset")
    assert reset["created"] is True and reset["organizations"] != first["organizations"]
    after = dump(db)
    assert after != before
    assert {name: len(rows) for name, rows in after.items()} == {
        name: len(rows) for name, rows in before.items()
    }  # the old demo is gone, not doubled
    assert json.loads(cli(["verify", "--json"], env, timeout=DEMO_TIMEOUT).stdout)["ok"] is True


def test_demo_next_to_other_data_reuses_nothing_of_it(
    database_url: str, data_dir: Path, db: Database
) -> None:
    """The demo adds its story beside what a database already holds (its participants and accreditations
    are its own), and --reset empties the whole database, as documented."""
    env = server_env(database_url, data_dir)
    other = json.loads(cli(["orgs", "create", "--name", "Someone else", "--json"], env).stdout)["id"]
    _demo(env)
    with db.engine.connect() as conn:
        assert (
            conn.execute(select(documents.c.id).where(documents.c.organization_id == other)).first() is None
        )
    organizations = json.loads(cli(["orgs", "list", "--json"], env).stdout)["organizations"]
    assert other in {o["id"] for o in organizations} and len(organizations) == 1 + len(story.ROLES)
    _demo(env, "--reset")
    organizations = json.loads(cli(["orgs", "list", "--json"], env).stdout)["organizations"]
    assert other not in {o["id"] for o in organizations} and len(organizations) == len(story.ROLES)
