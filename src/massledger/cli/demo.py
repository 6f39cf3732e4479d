"""`massledger demo [--reset] [--json]`: fill the configured database with the demo story (embedded, no
server needed; see massledger.demo.service), then say what to open and which curl to try."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from massledger.cli.common import JsonOption, console, open_database, print_json, run_command, settings


def demo_command(
    reset: bool = typer.Option(
        False, "--reset", help="Empty the WHOLE database first (every table, not only the demo's rows)."
    ),
    json_output: bool = JsonOption,
) -> None:
    """Fill the database with a complete story: 7 organizations with clients, accreditations, 20 MassIDs
    (4 failing a rule), audits under BOLD Recycling and BOLD Carbon, certificates, credits, a transfer and
    a retirement with its PDF. Running it again changes nothing; credentials are printed only once."""
    from massledger.attachments.storage import FileStorage
    from massledger.auth.keys import load_pepper
    from massledger.demo.service import Limits, reset_database, write_demo

    config = settings()
    pepper = load_pepper(config.data_dir, config.secret_pepper)
    storage = FileStorage(config.data_dir / "attachments")
    limits = Limits(config.clock_skew_seconds * 1_000_000, config.max_events_per_document)
    database = open_database()

    def write(conn: Any) -> dict[str, Any]:
        if reset:
            reset_database(conn)  # same transaction: an interrupted reset leaves the database as it was
        return write_demo(conn, pepper, storage, limits)

    try:
        result = run_command(lambda: database.run_write(write))
    finally:
        database.dispose_sync()
    result["next"] = next_steps(result, str(config.public_url).rstrip("/"))
    if json_output:
        print_json(result)
    else:
        _print(result)


def next_steps(result: dict[str, Any], url: str) -> dict[str, Any]:
    organizations = result["organizations"]
    buyer = organizations.get("buyer")
    retirement = result.get("retirementId")
    steps: dict[str, Any] = {"serve": "massledger serve", "docs": f"{url}/docs"}
    mass_ids = result.get("massIds") or []
    if mass_ids:
        steps["publicMassId"] = f"{url}/public/documents/{mass_ids[0]['documentId']}"
    if result.get("creditId"):
        steps["provenance"] = f"{url}/public/credits/{result['creditId']}/provenance"
    credentials = (result.get("credentials") or {}).get("buyer")
    client = (
        f"{credentials['clientId']}:{credentials['clientSecret']}" if credentials else "BUYER_ID:BUYER_SECRET"
    )
    steps["curl"] = [
        f"TOKEN=$(curl -s -u {client} -d grant_type=client_credentials {url}/oauth2/token"
        " | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])')",
        f'curl -s -H "Authorization: Bearer $TOKEN" {url}/organizations/{buyer}/inventory',
        f'curl -s -H "Authorization: Bearer $TOKEN" {url}/organizations/{buyer}/retirements',
    ]
    if retirement:
        steps["curl"].append(
            f'curl -s -H "Authorization: Bearer $TOKEN" -o retirement.pdf'
            f" {url}/organizations/{buyer}/retirements/{retirement}/pdf"
        )
    return steps


def _print(result: dict[str, Any]) -> None:
    if not result["created"]:
        console.print(
            "[bold]The demo is already in this database[/bold]: nothing was changed. Its client secrets were"
            " printed when it was created (`massledger clients rotate-secret CLIENT_ID` makes a new one;"
            " `massledger demo --reset` starts over with an empty database)."
        )
    else:
        table = Table(title="Who is who")
        for column in ("role", "organization", "client id", "client secret (shown once)"):
            table.add_column(column, overflow="fold")  # ids and secrets are never cut short
        for item in result["credentials"].values():
            table.add_row(item["role"], item["organizationId"], item["clientId"], item["clientSecret"])
        console.print(table)
        audits = Table("MassID", "BOLD Recycling", "BOLD Carbon", "why it failed", title="Audits")
        by_mass: dict[int, dict[str, Any]] = {}
        for audit in result["audits"]:
            by_mass.setdefault(audit["number"], {})[audit["methodology"]] = audit
        for number, found in sorted(by_mass.items()):
            cells = []
            for slug in ("bold-recycling", "bold-carbon"):
                audit = found[slug]
                credits = audit["credits"]
                shown = f"PASSED {credits['amount']} t" if credits else audit["result"]
                cells.append(f"[green]{shown}[/green]" if credits else f"[red]{shown}[/red]")
            reasons = found["bold-recycling"]["failedRules"] or found["bold-carbon"]["failedRules"]
            audits.add_row(f"#{number}", *cells, "; ".join(reasons))
        console.print(audits)
        console.print(
            f"The recycler transferred credits {result['creditId']} to the buyer (transaction"
            f" {result['transferTransactionId']}); the buyer retired part of them (retirement"
            f" {result['retirementId']})."
        )
    steps = result["next"]
    console.print("\n[bold]Next[/bold]")
    console.print(f"  {steps['serve']}    # then open {steps['docs']}", markup=False, soft_wrap=True)
    for key in ("publicMassId", "provenance"):
        if key in steps:
            console.print(f"  open {steps[key]}", markup=False, soft_wrap=True)
    for line in steps["curl"]:
        console.print(f"  {line}", markup=False, soft_wrap=True)
