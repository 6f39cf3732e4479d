"""`massledger methodologies` and `massledger audit`: the methodology engine from the shell.

`methodologies` lists what this installation runs (no server needed). `audit` is an API client: it asks a
running server to audit a MassID, with the client credentials of a methodology operator (scope
``methodology:run``) given by flags or by MASSLEDGER_URL, MASSLEDGER_CLIENT_ID, MASSLEDGER_CLIENT_SECRET,
so the audit is recorded as that client's like any API call. Exit codes of `audit`: 0 PASSED; 1 the audit
was stored but did not pass (the result is still printed, as JSON with --json), or any other failure
(credentials, permissions, connection); 2 bad input (unknown methodology or document, invalid request)."""

from __future__ import annotations

import typer
from rich.table import Table

from massledger.cli.common import JsonOption, console, fail, print_json
from massledger.client import Client, MassledgerError, NotFound, ValidationError
from massledger.methodology.service import list_methodologies

NOT_PASSED = 1  # the command's documented codes are 0 / 1 / 2: not passing is a failure


def methodologies_command(json_output: bool = JsonOption) -> None:
    """List the methodologies (BOLD Recycling, BOLD Carbon) and their rules, in order."""
    listing = list_methodologies()
    if json_output:
        print_json(listing)
        return
    for methodology in listing["methodologies"]:
        console.print(
            f"[bold]{methodology['slug']}[/bold]  {methodology['name']}: certificate"
            f" {methodology['certificateType']} ({methodology['certificateUnit']}),"
            f" credits {methodology['creditSymbol']}"
        )
        table = Table("#", "rule", "name")
        for rule in methodology["rules"]:
            table.add_row(str(rule["order"]), rule["slug"], rule["name"])
        console.print(table)


def audit_command(
    document_id: str = typer.Argument(..., help="The MassID document id."),
    methodology: str = typer.Option(..., "--methodology", "-m", help="bold-recycling or bold-carbon."),
    issue_to: str | None = typer.Option(
        None, "--issue-to", help="Organization that receives the credits (default: the client's)."
    ),
    url: str = typer.Option("http://127.0.0.1:8000", "--url", envvar="MASSLEDGER_URL", help="Server URL."),
    client_id: str = typer.Option(..., "--client-id", envvar="MASSLEDGER_CLIENT_ID", help="API client id."),
    client_secret: str = typer.Option(
        ...,
        "--client-secret",
        envvar="MASSLEDGER_CLIENT_SECRET",
        help="API client secret (prefer the environment variable: flags show in the process list).",
    ),
    json_output: bool = JsonOption,
) -> None:
    """Audit a MassID on a running server; a passed audit stores the certificate and mints the credits."""
    try:
        with Client(url, client_id, client_secret) as client:
            audit = client.methodologies.audit(methodology, document_id, issue_to=issue_to)
    except (ValidationError, NotFound) as exc:
        raise fail(str(exc), 2) from exc
    except MassledgerError as exc:
        raise fail(str(exc), 1) from exc
    if json_output:
        print_json(audit.model_dump(mode="json"))
    else:
        table = Table("#", "rule", "result", "message")
        for order, rule in enumerate(audit.rules, start=1):
            colour = {"PASSED": "green", "FAILED": "red"}.get(rule.result, "yellow")
            table.add_row(str(order), rule.slug, f"[{colour}]{rule.result}[/{colour}]", rule.message)
        console.print(table)
        for rule in audit.rules:
            if rule.result != "PASSED":
                console.print(f"{rule.result} {rule.slug}: {rule.message}", soft_wrap=True, markup=False)
        console.print(f"Audit {audit.auditId} of MassID {audit.documentId}: [bold]{audit.result}[/bold]")
        if audit.certificateDocumentId:
            console.print(
                f"Certificate {audit.certificateType} {audit.certificateDocumentId}:"
                f" {audit.certificateValue} {audit.certificateUnit}"
            )
        if audit.credits:
            console.print(
                f"Credits {audit.credits.creditId}: {audit.credits.amount} t"
                f" ({audit.credits.serialization}, vintage {audit.credits.vintage})"
            )
    if audit.result != "PASSED":
        raise typer.Exit(NOT_PASSED)
