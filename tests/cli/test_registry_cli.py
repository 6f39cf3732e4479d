"""Registry administration from the shell, as real subprocesses: orgs update, projects create/list,
credits issue; --json prints one object, errors go to stderr with exit 1 or 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from massledger.db.engine import Database
from massledger.registry import issuance
from massledger.registry.serials import parse_serialization
from tests.conftest import cli, server_env


def _json(args: str, env: dict[str, str], *extra: str) -> Any:
    return json.loads(cli([*args.split(), *extra, "--json"], env).stdout)


def test_projects_and_issuance(database_url: str, data_dir: Path, db: Database) -> None:
    env = server_env(database_url, data_dir)
    org = _json("orgs create --name Acme", env)["id"]
    updated = _json(f"orgs update {org} --city Recife --website https://acme.example --private", env)
    assert updated["city"] == "Recife" and updated["isPublic"] is False and updated["fullName"] == "Acme"

    project = _json(
        "projects create --country BR --estimate 2024=1000 --estimate 2025=10 --buffer 10"
        f" --proponent {org} --external-key site-1",
        env,
        *["--name", "Compost site", "--methodology", "BOLD Carbon"],
    )
    assert project["development"] is False and project["bufferPercentage"] == 10
    assert project["estimatedAnnualMitigations"] == [
        {"vintage": "2024", "amount": 1000},
        {"vintage": "2025", "amount": 10},
    ]
    issued = _json(
        f"credits issue --project {project['num']} --vintage 2024 --amount 1000 --type exPost --to {org}",
        env,
        *["--provenance", '{"certificateId": "c-9"}'],
    )
    assert issued["supply"] == 1000 and issued["buffer"] == 100 and issued["amount"] == 900
    assert issued["toOrganizationId"] == org and issued["provenance"] == {"certificateId": "c-9"}
    parsed = parse_serialization(issued["serialization"])
    assert parsed.data_set == "PROD" and parsed.project_num == int(project["num"]) and parsed.vintage == 2024
    ex_ante = _json(
        f"credits issue --project {project['id']} --vintage 2025 --amount 0.5 --type exAnte --to {org}"
        " --data-set PROD",
        env,
    )
    assert ex_ante["creditId"].startswith("exAnte-2-") and ex_ante["amount"] == 0.5
    assert db.run_read(issuance.get_batch_provenance, issued["creditId"]) == {"certificateId": "c-9"}

    listed = _json("projects list", env)["projects"]
    assert [p["id"] for p in listed] == [project["id"]]
    assert _json("projects list --data-set TEST", env)["projects"] == []
    human = cli(f"credits issue --project {project['id']} --vintage 2024 --amount 2 --to {org}".split(), env)
    assert "Issued 2 t" in human.stdout


def test_registry_cli_errors(database_url: str, data_dir: Path, db: Database) -> None:
    env = server_env(database_url, data_dir)
    org = _json("orgs create --name Acme", env)["id"]
    project = _json("projects create --name P --country BR --methodology M --data-set TEST", env)["id"]
    issue = f"credits issue --project {project} --vintage 2024 --to {org}"
    cases = [
        (f"{issue} --amount 1.0001", 2, "3 decimal"),
        (f"{issue} --amount 1 --type x", 2, "exPost"),
        (f"{issue} --amount 1 --data-set PROD", 1, "not found"),
        (f"{issue} --amount 1 --type exAnte", 2, "no estimated"),
        (f"credits issue --project 999 --vintage 2024 --amount 1 --to {org}", 1, "999"),
        ("projects create --name P --country Brazil --methodology M", 2, "countryCode"),
        ("orgs update nope --city X", 1, "nope"),
        (f"orgs update {org} --country Portugal", 2, "countryCode"),
    ]
    for args, code, needle in cases:
        result = cli([*args.split(), "--json"], env, check=False)
        assert result.returncode == code and result.stdout == "", (args, result.returncode, result.stderr)
        assert needle in result.stderr.replace("\n", " "), (args, result.stderr)
