"""`massledger projects ...` and `massledger credits ...`: registry administration from the shell."""

from __future__ import annotations

from typing import Any

import orjson
import typer
from pydantic import ValidationError
from rich.table import Table

from massledger.cli.common import JsonOption, console, fail, open_database, print_json, run_command, settings
from massledger.registry import issuance, queries, render
from massledger.registry.ledger import AmountError, tonnes_to_kg
from massledger.registry.schemas import ProjectCreate

projects_app = typer.Typer(help="Registry projects (admin).", no_args_is_help=True)
credits_app = typer.Typer(help="Credit issuance (admin).", no_args_is_help=True)

DataSetOption = typer.Option("PROD", "--data-set", help="TEST or PROD ledger.")


def _estimates(items: list[str]) -> list[dict[str, Any]]:
    result = []
    for item in items:
        vintage, separator, amount = item.partition("=")
        if not separator:
            raise fail(f"--estimate {item!r}: expected VINTAGE=TONNES, e.g. 2024=1000", 2)
        try:
            result.append(
                {"vintage": vintage.strip(), "amount": float(amount) if "." in amount else int(amount)}
            )
        except ValueError as exc:
            raise fail(f"--estimate {item!r}: {amount!r} is not a number", 2) from exc
    return result


@projects_app.command("create")
def projects_create(
    name: str = typer.Option(..., "--name", help="Full name of the project."),
    country: str = typer.Option(..., "--country", help="ISO 3166-1 alpha-2 country code."),
    methodology: str = typer.Option(..., "--methodology", help="Methodology, e.g. 'BOLD Carbon'."),
    type_: str = typer.Option("removal", "--type", help="removal or reduction."),
    estimate: list[str] = typer.Option(
        [], "--estimate", help="Estimated mitigation of a vintage, VINTAGE=TONNES (repeatable)."
    ),
    buffer: float = typer.Option(0, "--buffer", help="Buffer percentage of each ex-post issuance (0-100)."),
    private: bool = typer.Option(False, "--private", help="Hide the project from GET /projects."),
    proponent: str | None = typer.Option(None, "--proponent", help="Organization id of the proponent."),
    external_key: str | None = typer.Option(None, "--external-key", help="A stable key of your choosing."),
    description: str | None = typer.Option(None, "--description", help="Description."),
    data_set: str = DataSetOption,
    json_output: bool = JsonOption,
) -> None:
    """Register a project."""
    try:
        data = ProjectCreate(
            fullName=name,
            countryCode=country,
            methodology=methodology,
            type=type_,  # type: ignore[arg-type]
            estimatedAnnualMitigations=_estimates(estimate),  # type: ignore[arg-type]
            isPublic=not private,
            bufferPercentage=int(buffer) if buffer == int(buffer) else buffer,
            proponentOrganizationId=proponent,
            externalKey=external_key,
            description=description,
            dataSetName=data_set,  # type: ignore[arg-type]
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        raise fail(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}", 2) from exc
    database = open_database()
    row = run_command(lambda: database.run_write(issuance.create_project, data, data_set))
    database.dispose_sync()
    rendered = render.project(settings().public_url, row)
    if json_output:
        print_json(rendered)
    else:
        console.print(
            f"Project [bold]{rendered['fullName']}[/bold] registered:"
            f" num {rendered['num']}, id {rendered['id']}"
        )


@projects_app.command("list")
def projects_list(
    data_set: str | None = typer.Option(None, "--data-set", help="Only this ledger (TEST or PROD)."),
    json_output: bool = JsonOption,
) -> None:
    """List every project, public or not."""
    if data_set is not None and data_set not in ("TEST", "PROD"):
        raise fail("--data-set must be TEST or PROD", 2)
    database = open_database()
    rows = database.run_read(queries.all_projects, data_set)
    database.dispose_sync()
    items = [render.project(settings().public_url, row) for row in rows]
    if json_output:
        print_json({"projects": items})
        return
    table = Table("num", "id", "name", "country", "methodology", "ledger", "public")
    for item in items:
        table.add_row(
            item["num"],
            item["id"],
            item["fullName"],
            item["countryCode"],
            item["methodology"]["title"],
            "TEST" if item["development"] else "PROD",
            "yes" if item["isPublic"] else "no",
        )
    console.print(table)


@credits_app.command("issue")
def credits_issue(
    project: str = typer.Option(..., "--project", help="Project id or number."),
    vintage: int = typer.Option(..., "--vintage", help="Vintage year."),
    amount: str = typer.Option(..., "--amount", help="Tonnes (at most 3 decimals)."),
    type_: str = typer.Option("exPost", "--type", help="exPost or exAnte."),
    to: str | None = typer.Option(None, "--to", help="Organization id receiving the credits."),
    to_address: str | None = typer.Option(None, "--to-address", help="Or an account address."),
    data_set: str | None = typer.Option(None, "--data-set", help="TEST or PROD; default: the project's."),
    provenance: str | None = typer.Option(None, "--provenance", help="JSON object stored on the batch."),
    json_output: bool = JsonOption,
) -> None:
    """Issue credits: a new batch of a project vintage."""
    if type_ not in ("exPost", "exAnte"):
        raise fail("--type must be exPost or exAnte", 2)
    if data_set is not None and data_set not in ("TEST", "PROD"):
        raise fail("--data-set must be TEST or PROD", 2)
    try:
        amount_kg = tonnes_to_kg(amount)
    except AmountError as exc:
        raise fail(f"--amount: {exc}", 2) from exc
    extra: dict[str, Any] = {}
    if provenance is not None:
        try:
            extra = orjson.loads(provenance)
        except orjson.JSONDecodeError as exc:
            raise fail(f"--provenance: not JSON ({exc})", 2) from exc
        if not isinstance(extra, dict):
            raise fail("--provenance: must be a JSON object", 2)
    database = open_database()

    def issue(conn: Any) -> issuance.IssuedBatch:
        row = issuance.find_project(conn, project)
        return issuance.issue_credits(
            conn,
            project_id=row["id"],
            vintage=vintage,
            amount_kg=amount_kg,
            credit_type=type_,
            to_organization_id=to,
            to_address=to_address,
            data_set=data_set,
            provenance=extra,
        )

    issued = run_command(lambda: database.run_write(issue))
    database.dispose_sync()
    rendered = render.issuance(settings().public_url, issued)
    if json_output:
        print_json(rendered)
    else:
        console.print(
            f"Issued {rendered['supply']} t as [bold]{rendered['creditId']}[/bold]"
            f" ({rendered['serialization']}); {rendered['amount']} t to {rendered['toAddress']},"
            f" buffer {rendered['buffer']} t"
        )
