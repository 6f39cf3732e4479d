"""`massledger methodologies` and `massledger audit` as real subprocesses, the audit against a running
server with client credentials from the environment."""

from __future__ import annotations

import json
import os

import httpx

from tests.conftest import Factory, LiveServer, cli
from tests.methodology.world import make_world


def test_methodologies_list() -> None:
    env = dict(os.environ)  # no server, no database: the list is compiled in
    listing = json.loads(cli(["methodologies", "--json"], env).stdout)
    assert [(m["slug"], len(m["rules"])) for m in listing["methodologies"]] == [
        ("bold-recycling", 19),
        ("bold-carbon", 20),
    ]
    human = cli(["methodologies"], env).stdout
    assert "bold-carbon" in human and "prevented-emissions" in human


def test_audit_from_the_shell(live_server: LiveServer, live: httpx.Client, factory: Factory) -> None:
    world = make_world(live, factory)
    creds = world.operator.creds
    env = {
        **live_server.env,
        "MASSLEDGER_URL": live_server.url,
        "MASSLEDGER_CLIENT_ID": creds.client_id,
        "MASSLEDGER_CLIENT_SECRET": creds.client_secret,
    }
    result = cli(["audit", world.mass_id, "--methodology", "bold-recycling", "--json"], env)
    audit = json.loads(result.stdout)
    assert audit["result"] == "PASSED" and audit["credits"]["amount"] == 3.12
    assert audit["auditedAt"] and audit["documentId"] == world.mass_id

    # Audited already: the audit is stored, FAILED, exit code 1; the table shows which rule failed.
    again = cli(["audit", world.mass_id, "-m", "bold-recycling"], env, check=False)
    assert again.returncode == 1, again.stderr
    assert "FAILED" in again.stdout and "no-conflicting-recycled-id-or-credit" in again.stdout

    unknown = cli(["audit", world.mass_id, "-m", "bold-nothing"], env, check=False)
    assert unknown.returncode == 2 and "bold-nothing" in unknown.stderr
    integrator = {**env, "MASSLEDGER_CLIENT_ID": world.integrator.creds.client_id}
    integrator["MASSLEDGER_CLIENT_SECRET"] = world.integrator.creds.client_secret
    refused = cli(["audit", world.mass_id, "-m", "bold-carbon"], integrator, check=False)
    assert refused.returncode == 1 and "methodology:run" in refused.stderr
