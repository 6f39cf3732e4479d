"""The CLI as real subprocesses, table-driven over every command: `--help` works, `--json` prints exactly one
JSON object on stdout, errors go to stderr with exit code 1 (failure) or 2 (bad input). A command missing
from the tables fails the test, so new commands are covered as they are added."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import typer

from massledger.cli.main import app
from massledger.db.engine import Database
from tests.conftest import Api, Factory, LiveServer, cli, server_env
from tests.methodology.world import make_world
from tests.traceability.helpers import document_body, event_body

# Commands without --json, and why.
NO_JSON = {"serve": "a long-running server, not a report"}


def command_paths() -> list[tuple[str, ...]]:
    """Every leaf command of the app, e.g. ("clients", "rotate-secret")."""
    found: list[tuple[str, ...]] = []

    def walk(command: Any, path: tuple[str, ...]) -> None:
        # Typer may ship its own copy of Click: recognise groups by their sub-commands.
        subcommands = getattr(command, "commands", None)
        if subcommands:
            for name, sub in subcommands.items():
                walk(sub, (*path, name))
        else:
            found.append(path)

    walk(typer.main.get_command(app), ())
    return found


def _run_all(calls: list[Callable[[], Any]]) -> list[Any]:
    # Subprocesses mostly wait on their interpreter start: a few at a time keeps the test short.
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(lambda call: call(), calls))


def test_every_command_has_help() -> None:
    env = dict(os.environ)  # --help needs no database
    paths = command_paths()
    assert ("clients", "rotate-secret") in paths and ("import",) in paths and ("export",) in paths
    groups = sorted({path[:1] for path in paths if len(path) > 1})
    results = _run_all([lambda p=path: cli([*p, "--help"], env) for path in [(), *groups, *paths]])
    for result in results:
        assert "Usage:" in result.stdout and result.stderr == ""


@dataclass
class Case:
    args: list[str]
    code: int = 0
    env: dict[str, str] = field(default_factory=dict)
    check: Callable[[dict[str, Any]], bool] = lambda _output: True  # on the JSON object printed, if any
    timeout: float = 60  # seconds


def test_json_output_and_error_exits_of_every_command(
    live_server: LiveServer, live: httpx.Client, factory: Factory, db: Database, tmp_path: Path
) -> None:
    env = live_server.env
    organization = json.loads(cli(["orgs", "create", "--name", "Acme", "--json"], env).stdout)["id"]
    writer = json.loads(cli(["clients", "create", "--org", organization, "--json"], env).stdout)
    doomed = json.loads(cli(["clients", "create", "--org", organization, "--json"], env).stdout)
    spare = json.loads(cli(["clients", "create", "--org", organization, "--json"], env).stdout)
    world = make_world(live, factory)
    operator = {
        "MASSLEDGER_URL": live_server.url,
        "MASSLEDGER_CLIENT_ID": world.operator.creds.client_id,
        "MASSLEDGER_CLIENT_SECRET": world.operator.creds.client_secret,
    }
    project = json.loads(
        cli(
            ["projects", "create", "--name", "Site", "--country", "BR", "--methodology", "M", "--json"], env
        ).stdout
    )["id"]
    api = {
        "MASSLEDGER_URL": live_server.url,
        "MASSLEDGER_CLIENT_ID": writer["clientId"],
        "MASSLEDGER_CLIENT_SECRET": writer["clientSecret"],
    }
    good = tmp_path / "good.ndjson"
    good.write_text(json.dumps({**document_body(), "events": [event_body("Pick-up")]}) + "\n")
    half_bad = tmp_path / "half-bad.ndjson"
    half_bad.write_text(
        json.dumps({**document_body(), "events": []})
        + "\n"
        + json.dumps({**document_body(), "events": [event_body("Weighing", value="heavy")]})
        + "\n"
    )
    not_json = tmp_path / "not.json"
    not_json.write_text('{"category": "MassID",\n')
    out = str(tmp_path / "out.ndjson")
    unknown = "00000000-0000-4000-8000-000000000000"
    cases = [
        Case(["migrate", "--json"], check=lambda o: bool(o["revision"])),
        Case(["verify", "--json"], check=lambda o: o["ok"] is True),
        Case(
            ["orgs", "create", "--name", "Beta", "--json"],
            check=lambda o: set(o["participantIds"]) == {"TEST", "PROD"},
        ),
        Case(
            ["orgs", "list", "--json"], check=lambda o: organization in {i["id"] for i in o["organizations"]}
        ),
        Case(
            [
                "clients",
                "create",
                "--org",
                organization,
                "--data-set",
                "PROD",
                "--scope",
                "documents:read",
                "--json",
            ],
            check=lambda o: o["scopes"] == ["documents:read"] and len(o["clientSecret"]) >= 40,
        ),
        Case(
            ["clients", "list", "--org", organization, "--json"],
            check=lambda o: (
                writer["clientId"] in {c["clientId"] for c in o["clients"]}
                and writer["clientSecret"] not in json.dumps(o)
            ),
        ),
        Case(["clients", "revoke", doomed["clientId"], "--json"], check=lambda o: o["revoked"] is True),
        Case(
            ["clients", "rotate-secret", spare["clientId"], "--json"],
            check=lambda o: o["clientSecret"] != spare["clientSecret"],
        ),
        Case(["export", "--out", out, "--json"], check=lambda o: o["out"] == out),
        Case(
            ["orgs", "update", organization, "--city", "Recife", "--json"],
            check=lambda o: o["city"] == "Recife",
        ),
        Case(
            ["projects", "create", "--name", "Other", "--country", "BR", "--methodology", "M", "--json"],
            check=lambda o: o["fullName"] == "Other",
        ),
        Case(["projects", "list", "--json"], check=lambda o: project in {p["id"] for p in o["projects"]}),
        Case(
            [
                "credits",
                "issue",
                "--project",
                project,
                "--vintage",
                "2024",
                "--amount",
                "5",
                "--to",
                organization,
                "--json",
            ],
            check=lambda o: o["amount"] == 5,
        ),
        Case(["import", str(good), "--json"], env=api, check=lambda o: o["documents"]["created"] == 1),
        Case(["methodologies", "--json"], check=lambda o: len(o["methodologies"]) == 2),
        Case(
            ["audit", world.mass_id, "--methodology", "bold-recycling", "--json"],
            env=operator,
            check=lambda o: o["result"] == "PASSED" and o["credits"]["amount"] == 3.12,
        ),
        Case(
            ["demo", "--json"],
            timeout=600,  # writes a whole story in one transaction: minutes on a loaded machine
            check=lambda o: (
                o["created"] is True
                and len(o["massIds"]) == 20
                and {a["result"] for a in o["audits"]} == {"PASSED", "FAILED"}
                and o["retirementId"] is not None
            ),
        ),
        # Errors: nothing on stdout (or the one JSON report), a message on stderr, exit 1 or 2.
        Case(["serve", "--port", "not-a-port"], code=2),
        Case(["migrate"], code=2, env={"MASSLEDGER_DATABASE_URL": "mysql://db/massledger"}),
        Case(["verify"], code=1, env={"MASSLEDGER_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/none"}),
        Case(["orgs", "create"], code=2),
        Case(["orgs", "create", "--name", "X", "--type", "nonsense"], code=2),
        Case(
            ["orgs", "list", "--json"],
            code=1,
            env={"MASSLEDGER_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/x"},
        ),
        Case(["clients", "create", "--org", "nope", "--json"], code=1),
        Case(["clients", "create", "--org", organization, "--data-set", "LIVE"], code=2),
        Case(["clients", "create", "--org", organization, "--scope", "everything"], code=2),
        Case(["clients", "list", "--bogus"], code=2),
        Case(["clients", "revoke", "mlc_unknown", "--json"], code=1),
        Case(["clients", "rotate-secret", "mlc_unknown", "--json"], code=1),
        Case(["orgs", "update", "nope", "--city", "X", "--json"], code=1),
        Case(["projects", "create", "--name", "P", "--country", "Brazil", "--methodology", "M"], code=2),
        Case(["projects", "list", "--data-set", "LIVE"], code=2),
        Case(
            ["credits", "issue", "--project", "999", "--vintage", "2024", "--amount", "1", "--to", "x"],
            code=1,
        ),
        Case(["export", "--data-set", "LIVE"], code=2),
        Case(["methodologies", "--bogus"], code=2),
        Case(["demo", "--reset", "--json"], code=2, env={"MASSLEDGER_DATABASE_URL": "mysql://db/massledger"}),
        Case(
            ["demo", "--json"], code=1, env={"MASSLEDGER_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/x"}
        ),
        Case(["audit", unknown, "--methodology", "bold-carbon", "--json"], code=2, env=operator),
        Case(["audit", world.mass_id, "--methodology", "bold-nothing"], code=2, env=operator),
        Case(["audit", world.mass_id, "--methodology", "bold-carbon"], code=1, env=api),  # no methodology:run
        Case(["export", "--json"], code=2),
        Case(["export", "--document", unknown, "--data-set", "TEST"], code=2),
        Case(["export", "--document", unknown, "--out", out], code=1),
        Case(["import", str(tmp_path / "missing.ndjson")], code=2, env=api),
        Case(["import", str(not_json)], code=2, env=api),
        Case(["import", str(good)], code=2, env={"MASSLEDGER_CLIENT_ID": "", "MASSLEDGER_CLIENT_SECRET": ""}),
        Case(["import", str(good), "--json"], code=1, env={**api, "MASSLEDGER_CLIENT_SECRET": "wrong"}),
        Case(
            ["import", str(half_bad), "--json"],
            code=1,
            env=api,
            check=lambda o: (
                o["documents"] == {"created": 2, "skipped": 0, "failed": 0}
                and o["events"]["failed"] == 1
                and o["errors"][0]["line"] == 2
            ),
        ),
    ]
    paths = command_paths()

    def path_of(args: list[str]) -> tuple[str, ...]:
        return next(tuple(args[:n]) for n in (2, 1) if tuple(args[:n]) in paths)

    covered_json = {path_of(case.args) for case in cases if case.code == 0 and "--json" in case.args}
    covered_errors = {path_of(case.args) for case in cases if case.code}
    for path in paths:
        assert path in covered_json or path[0] in NO_JSON, f"no --json case for {' '.join(path)}"
        assert path in covered_errors, f"no error case for {' '.join(path)}"

    results = _run_all(
        [lambda c=case: cli(c.args, {**env, **c.env}, check=False, timeout=c.timeout) for case in cases]
    )
    for case, result in zip(cases, results, strict=True):
        where = f"massledger {' '.join(case.args)}"
        assert result.returncode == case.code, f"{where}: exit {result.returncode}, stderr {result.stderr}"
        output = _one_json_object(result, where) if "--json" in case.args else None
        if case.code:
            assert result.stderr.strip(), f"{where}: an error must be explained on stderr"
            if output is None:
                assert result.stdout == "", f"{where}: stdout must stay empty on error"
        if output is not None:
            assert case.check(output), f"{where}: unexpected output {output}"


def _one_json_object(result: subprocess.CompletedProcess[str], where: str) -> dict[str, Any] | None:
    """Exactly one JSON object on stdout (or nothing at all, for errors found before any work)."""
    if result.returncode and result.stdout == "":
        return None
    parsed = json.loads(result.stdout)  # a second object, or any other text, fails here
    assert isinstance(parsed, dict), f"{where}: stdout is not one JSON object"
    return parsed


def test_verify_names_the_first_edited_record(
    database_url: str, data_dir: Path, api: Api, db: Database
) -> None:
    env = server_env(database_url, data_dir)
    document_id = api.post("/documents", json=document_body()).json()["id"]
    api.post(f"/documents/{document_id}/events", json=event_body("Weighing", value=10))
    with db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE events SET body = replace(body, '\"10\"', '\"11\"')")
    result = cli(["verify", "--json"], env, check=False)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["problems"][0]["subject"].startswith(f"document {document_id}")
    assert document_id in result.stderr


def test_secrets_are_not_stored_in_clear(database_url: str, data_dir: Path, db: object) -> None:
    from massledger.auth.tables import clients

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
