"""The CLI as a real subprocess: --json prints one JSON object; errors go to stderr with exit 1 or 2."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import cli, server_env


def test_orgs_and_clients_json(database_url: str, data_dir: Path, db: object) -> None:
    env = server_env(database_url, data_dir)
    organization = json.loads(
        cli(["orgs", "create", "--name", "Acme", "--country", "BR", "--json"], env).stdout
    )
    assert organization["fullName"] == "Acme" and organization["type"] == "projectProponent"
    assert set(organization["participantIds"]) == {"TEST", "PROD"}
    created = json.loads(
        cli(
            [
                "clients",
                "create",
                "--org",
                organization["id"],
                "--data-set",
                "PROD",
                "--scope",
                "documents:read",
                "--json",
            ],
            env,
        ).stdout
    )
    assert created["dataSetName"] == "PROD" and created["scopes"] == ["documents:read"]
    assert created["organizationId"] == organization["id"] and len(created["clientSecret"]) >= 40
    listed = json.loads(cli(["clients", "list", "--json"], env).stdout)
    assert [c["clientId"] for c in listed["clients"]] == [created["clientId"]]
    assert created["clientSecret"] not in json.dumps(listed)
    assert (
        json.loads(cli(["orgs", "list", "--json"], env).stdout)["organizations"][0]["id"]
        == organization["id"]
    )
    assert json.loads(cli(["migrate", "--json"], env).stdout)["revision"]


def test_errors_go_to_stderr_with_exit_codes(database_url: str, data_dir: Path, db: object) -> None:
    env = server_env(database_url, data_dir)
    unknown_org = cli(["clients", "create", "--org", "nope", "--json"], env, check=False)
    assert unknown_org.returncode == 1 and unknown_org.stdout == "" and "nope" in unknown_org.stderr
    bad_data_set = cli(["clients", "create", "--org", "x", "--data-set", "LIVE"], env, check=False)
    assert bad_data_set.returncode == 2 and bad_data_set.stdout == ""
    bad_type = cli(["orgs", "create", "--name", "X", "--type", "nonsense"], env, check=False)
    assert bad_type.returncode == 2
    usage = cli(["orgs", "create"], env, check=False)
    assert usage.returncode == 2


def test_secrets_are_not_stored_in_clear(database_url: str, data_dir: Path, db: object) -> None:
    from massledger.auth.tables import clients
    from massledger.db.engine import Database

    env = server_env(database_url, data_dir)
    organization = json.loads(cli(["orgs", "create", "--name", "Acme", "--json"], env).stdout)
    secret = json.loads(cli(["clients", "create", "--org", organization["id"], "--json"], env).stdout)[
        "clientSecret"
    ]
    database = Database(database_url)
    with database.engine.connect() as conn:
        rows = [dict(row) for row in conn.execute(clients.select()).mappings()]
    database.dispose_sync()
    assert secret not in json.dumps(rows, default=str)
