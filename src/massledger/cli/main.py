"""The `massledger` command: serve, migrate, verify, import, export and the admin groups."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from massledger.cli.common import (
    JsonOption,
    RateColumn,
    console,
    err_console,
    fail,
    open_database,
    print_error,
    print_json,
    run_command,
    settings,
)
from massledger.cli.demo import demo_command
from massledger.cli.methodology import audit_command, methodologies_command
from massledger.cli.registry import credits_app, projects_app
from massledger.ids import us_to_iso

# Locals are never shown in tracebacks: they may hold client secrets.
app = typer.Typer(
    help="massledger: MassID traceability and carbon-credit registry.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
orgs_app = typer.Typer(help="Organizations (admin).", no_args_is_help=True)
clients_app = typer.Typer(help="API clients: OAuth2 client credentials (admin).", no_args_is_help=True)
app.add_typer(orgs_app, name="orgs")
app.add_typer(clients_app, name="clients")
app.add_typer(projects_app, name="projects")
app.add_typer(credits_app, name="credits")
app.command("methodologies")(methodologies_command)
app.command("audit")(audit_command)
app.command("demo")(demo_command)


def _pepper() -> bytes:
    from massledger.auth.keys import load_pepper

    config = settings()
    return load_pepper(config.data_dir, config.secret_pepper)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="TCP port."),
    workers: int = typer.Option(1, min=1, help="Worker processes."),
) -> None:
    """Migrate the database, then serve the API (OpenAPI docs at /docs)."""
    from massledger.auth.keys import load_signing_key, load_url_signing_key
    from massledger.organizations import store as organization_store

    config = settings()
    database = open_database()
    with database.read_engine.connect() as conn:
        has_orgs = bool(organization_store.list_organizations(conn))
    database.dispose_sync()
    load_signing_key(config.data_dir)  # create keys once, before workers race for them
    load_url_signing_key(config.data_dir)
    _pepper()
    if not has_orgs:
        console.print(
            "[bold]massledger is empty.[/bold] Create an organization and a client to get a token:\n"
            "  massledger orgs create --name 'My Recycler' --json\n"
            "  massledger clients create --org <organization id> --data-set TEST --json\n"
            f"Then POST http://{host}:{port}/oauth2/token with HTTP Basic client credentials.",
        )
    console.print(f"Serving on http://{host}:{port} (docs at /docs, database {config.resolved_database_url})")
    import uvicorn

    uvicorn.run(
        "massledger.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=config.log_level,
        access_log=False,
    )


@app.command()
def migrate(json_output: bool = JsonOption) -> None:
    """Upgrade the database schema to the latest revision."""
    from massledger.db import migrate as migrations

    database = open_database(migrated=False)
    migrations.upgrade(database)
    revision = migrations.current_revision(database)
    database.dispose_sync()
    if json_output:
        print_json({"revision": revision, "database": settings().resolved_database_url})
    else:
        console.print(f"Database at revision {revision}")


@orgs_app.command("create")
def orgs_create(
    name: str = typer.Option(..., "--name", help="Full name of the organization."),
    type_: str = typer.Option("projectProponent", "--type", help="projectProponent, projectDeveloper, ..."),
    country: str = typer.Option("BR", "--country", help="ISO 3166-1 alpha-2 country code."),
    city: str | None = typer.Option(None, help="City."),
    registration_number: str | None = typer.Option(
        None, "--registration-number", help="Registration/tax id."
    ),
    tax_id_type: str | None = typer.Option(None, "--tax-id-type", help="Tax id type, e.g. CNPJ."),
    website: str | None = typer.Option(None, help="Web site."),
    json_output: bool = JsonOption,
) -> None:
    """Create an organization (also its participant in the TEST and PROD data sets)."""
    from pydantic import ValidationError

    from massledger.organizations import service as organization_service
    from massledger.organizations.schemas import OrganizationCreate

    try:
        data = OrganizationCreate(
            fullName=name,
            type=type_,  # type: ignore[arg-type]
            countryCode=country,
            city=city,
            registrationNumber=registration_number,
            taxIdType=tax_id_type,
            website=website,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        raise fail(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}", 2) from exc
    database = open_database()
    row, participant_ids = database.run_write(organization_service.create_organization, data)
    database.dispose_sync()
    rendered = organization_service.render_organization(row, settings().public_url).model_dump()
    rendered["participantIds"] = participant_ids
    if json_output:
        print_json(rendered)
    else:
        console.print(f"Organization [bold]{rendered['fullName']}[/bold] created: id {rendered['id']}")


@orgs_app.command("update")
def orgs_update(
    organization_id: str = typer.Argument(..., help="Organization id."),
    name: str | None = typer.Option(None, "--name", help="Full name."),
    type_: str | None = typer.Option(None, "--type", help="projectProponent, projectDeveloper, ..."),
    country: str | None = typer.Option(None, "--country", help="ISO 3166-1 alpha-2 country code."),
    city: str | None = typer.Option(None, "--city", help="City."),
    zip_code: str | None = typer.Option(None, "--zip", help="Postal code."),
    physical_address: str | None = typer.Option(None, "--address", help="Street address."),
    registration_number: str | None = typer.Option(None, "--registration-number", help="Registration id."),
    website: str | None = typer.Option(None, "--website", help="Web site."),
    logo: str | None = typer.Option(None, "--logo", help="Logo URL."),
    public: bool | None = typer.Option(None, "--public/--private", help="Listed publicly or not."),
    json_output: bool = JsonOption,
) -> None:
    """Change an organization's registry data (only the options given)."""
    from pydantic import ValidationError

    from massledger.organizations import service as organization_service
    from massledger.organizations.schemas import OrganizationUpdate

    given: dict[str, object] = {
        "fullName": name,
        "type": type_,
        "countryCode": country,
        "city": city,
        "zip": zip_code,
        "physicalAddress": physical_address,
        "registrationNumber": registration_number,
        "website": website,
        "logo": logo,
        "isPublic": public,
    }
    try:
        data = OrganizationUpdate.model_validate(
            {key: value for key, value in given.items() if value is not None}
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        raise fail(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}", 2) from exc
    database = open_database()
    row = run_command(
        lambda: database.run_write(organization_service.update_organization, organization_id, data)
    )
    database.dispose_sync()
    rendered = organization_service.render_organization(row, settings().public_url).model_dump()
    if json_output:
        print_json(rendered)
    else:
        console.print(f"Organization [bold]{rendered['fullName']}[/bold] updated")


@orgs_app.command("list")
def orgs_list(json_output: bool = JsonOption) -> None:
    """List organizations."""
    from massledger.organizations import service as organization_service
    from massledger.organizations import store as organization_store

    database = open_database()
    rows = database.run_read(organization_store.list_organizations)
    database.dispose_sync()
    public_url = settings().public_url
    items = [organization_service.render_organization(row, public_url).model_dump() for row in rows]
    if json_output:
        print_json({"organizations": items})
        return
    table = Table("id", "name", "type", "country")
    for item in items:
        table.add_row(item["id"], item["fullName"], item["type"], item["countryCode"])
    console.print(table)


@clients_app.command("create")
def clients_create(
    org: str = typer.Option(..., "--org", help="Organization id."),
    data_set: str = typer.Option("TEST", "--data-set", help="TEST or PROD."),
    scope: list[str] = typer.Option(
        [], "--scope", help="Scope to grant (repeatable); default: integrator scopes."
    ),
    name: str | None = typer.Option(None, help="A label for the client."),
    json_output: bool = JsonOption,
) -> None:
    """Create an API client. The secret is shown only now."""
    from massledger.auth import service as client_service

    if data_set not in ("TEST", "PROD"):
        raise fail("--data-set must be TEST or PROD", 2)
    database = open_database()
    created = run_command(
        lambda: database.run_write(
            client_service.create_client, _pepper(), org, data_set, scope or None, name
        )
    )
    database.dispose_sync()
    if json_output:
        print_json(created.as_json())
        return
    console.print(f"Client id:     {created.client_id}")
    console.print(f"Client secret: {created.client_secret}  (shown once; store it now)")
    console.print(f"Data set:      {created.data_set}   Scopes: {' '.join(created.scopes)}")


@clients_app.command("list")
def clients_list(org: str | None = typer.Option(None, "--org"), json_output: bool = JsonOption) -> None:
    """List clients (never their secrets)."""
    from massledger.auth import store as client_store

    database = open_database()
    rows = database.run_read(client_store.list_clients, org)
    database.dispose_sync()
    items = [
        {
            "clientId": row["id"],
            "organizationId": row["organization_id"],
            "dataSetName": row["data_set"],
            "scopes": row["scopes"].split(),
            "name": row["name"],
            "createdAt": us_to_iso(row["created_at_us"]),
            "revokedAt": us_to_iso(row["revoked_at_us"]) if row["revoked_at_us"] else None,
        }
        for row in rows
    ]
    if json_output:
        print_json({"clients": items})
        return
    table = Table("client id", "organization", "data set", "scopes", "revoked")
    for item in items:
        table.add_row(
            item["clientId"],
            item["organizationId"],
            item["dataSetName"],
            " ".join(item["scopes"]),
            item["revokedAt"] or "",
        )
    console.print(table)


@clients_app.command("revoke")
def clients_revoke(
    client_id: str = typer.Argument(..., help="Client id."), json_output: bool = JsonOption
) -> None:
    """Revoke a client: its tokens stop working within seconds."""
    from massledger.auth import service as client_service

    database = open_database()
    run_command(lambda: database.run_write(client_service.revoke_client, client_id))
    database.dispose_sync()
    if json_output:
        print_json({"clientId": client_id, "revoked": True})
    else:
        console.print(f"Client {client_id} revoked")


@clients_app.command("rotate-secret")
def clients_rotate(
    client_id: str = typer.Argument(..., help="Client id."), json_output: bool = JsonOption
) -> None:
    """Issue a new secret for a client (the old one stops working). Shown only now."""
    from massledger.auth import service as client_service

    database = open_database()
    secret = run_command(lambda: database.run_write(client_service.rotate_secret, _pepper(), client_id))
    database.dispose_sync()
    if json_output:
        print_json({"clientId": client_id, "clientSecret": secret})
    else:
        console.print(f"New secret for {client_id}: {secret}  (shown once)")


@app.command()
def verify(json_output: bool = JsonOption) -> None:
    """Recompute every hash chain and projection; exit 1 naming the first problem found."""
    from rich.progress import Progress, TaskID

    from massledger.verify import run_all

    database = open_database()
    with database.read_engine.connect() as conn:
        if database.is_postgresql:
            # One snapshot: a server appending meanwhile must not look like a broken chain.
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        if json_output or not os.isatty(2):
            report = run_all(conn)
        else:
            with Progress(console=err_console, transient=True) as progress:
                tasks: dict[str, TaskID] = {}

                def advance(stage: str, step: int, total: int) -> None:
                    if stage not in tasks:
                        tasks[stage] = progress.add_task(f"verifying {stage}", total=total)
                    progress.advance(tasks[stage], step)

                report = run_all(conn, advance)
    database.dispose_sync()
    counts = ", ".join(f"{value} {key}" for key, value in report.checked.items())
    if json_output:
        print_json(report.as_json())
    elif report.ok:
        console.print(f"[green]OK[/green]: {counts} checked, every chain and invariant holds")
    if not report.ok:
        first = report.problems[0]
        err_console.print(f"[red]FAILED[/red] ({len(report.problems)} problems; {counts} checked)")
        err_console.print(f"first: {first.subject}: {first.message}", markup=False, soft_wrap=True)
        raise typer.Exit(1)


def _progress(unit: str) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(unit),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    )


@app.command("import")
def import_command(
    file: Path = typer.Argument(..., help="NDJSON, or a JSON array, of records (docs/cli.md)."),
    url: str = typer.Option("http://127.0.0.1:8000", "--url", envvar="MASSLEDGER_URL", help="Server URL."),
    client_id: str | None = typer.Option(
        None, "--client-id", envvar="MASSLEDGER_CLIENT_ID", help="Client id."
    ),
    client_secret: str | None = typer.Option(
        None, "--client-secret", envvar="MASSLEDGER_CLIENT_SECRET", help="Client secret (prefer the env var)."
    ),
    key: str | None = typer.Option(
        None,
        "--key",
        help="Import key of the deduplication ids (default: the file's name); keep it to resume.",
    ),
    concurrency: int = typer.Option(4, "--concurrency", min=1, max=32, help="Documents in flight at once."),
    batch_size: int = typer.Option(100, "--batch-size", min=1, max=100, help="Events per batch request."),
    json_output: bool = JsonOption,
) -> None:
    """Import documents with their events through the API: resumable, re-runs create nothing twice.

    Integrator records (a POST /documents body plus `events`) are created; export records (from
    `massledger export`) are restored verbatim (the client needs the documents:admin scope)."""
    import asyncio

    from massledger.cli import importer
    from massledger.client import AsyncClient, RetryPolicy

    if not client_id or not client_secret:
        raise fail("import needs --client-id and --client-secret (or MASSLEDGER_CLIENT_ID/_SECRET)", 2)
    try:
        documents, events = importer.scan(file)
    except importer.BadInput as exc:
        raise fail(str(exc), 2) from exc
    summary = importer.Summary(file=str(file), key=importer.import_key(file, key))

    async def run(advance: Any) -> None:
        retry = RetryPolicy(max_retries=8, initial_delay=0.2, max_delay=10.0)
        async with AsyncClient(url, client_id, client_secret, retry=retry) as client:
            engine = importer.Importer(client, summary, batch_size=batch_size, on_record=advance)
            await engine.run(importer.read_records(file), concurrency)

    if json_output or not err_console.is_terminal:
        asyncio.run(run(None))
    else:
        with _progress("docs/s") as progress:
            task = progress.add_task(f"import ({events} events)", total=documents)
            asyncio.run(run(lambda _record: progress.advance(task)))
    result = summary.as_json()
    if json_output:
        print_json(result)
    else:
        for name in ("documents", "events"):
            counts = result[name]
            console.print(
                f"{name}: {counts['created']} created, {counts['skipped']} skipped (already there),"
                f" {counts['failed']} failed"
            )
    if summary.aborted is not None:
        raise fail(f"import stopped: {summary.aborted}", 1)
    if not summary.ok:
        print_error(f"{result['failedRecords']} records failed; first errors:")
        for error in result["errors"]:
            where = f"line {error['line']}" if error["line"] is not None else f"record {error['record']}"
            err_console.print(f"  {where}: {error['message']}", markup=False, soft_wrap=True)
        raise typer.Exit(1)


@app.command("export")
def export_command(
    document: list[str] = typer.Option([], "--document", help="Export this document (repeatable)."),
    data_set: str | None = typer.Option(None, "--data-set", help="Export the TEST or the PROD data set."),
    out: Path | None = typer.Option(None, "--out", help="Write the NDJSON here (default: stdout)."),
    json_output: bool = JsonOption,
) -> None:
    """Export documents as stored (NDJSON, one record per document) for `massledger import`.

    Records carry every stored record with its hash and what they reference (never secrets), so an
    import elsewhere reproduces identical chains. Reads the database directly, in one snapshot."""
    from massledger.traceability import export
    from massledger.traceability.schemas import ARCHIVE_FORMAT

    if document and data_set:
        raise fail("give --document or --data-set, not both", 2)
    if data_set is not None and data_set not in ("TEST", "PROD"):
        raise fail("--data-set must be TEST or PROD", 2)
    if json_output and out is None:
        raise fail("--json prints a summary: give --out FILE for the records", 2)
    ids = list(dict.fromkeys(document)) or None
    database = open_database()
    with database.read_engine.connect() as conn:
        if database.is_postgresql:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")  # one snapshot
        with conn.begin():
            missing = export.missing(conn, ids or [])
            if missing:
                raise fail(f"document {missing[0]} was not found", 1)
            total = export.count(conn, data_set, ids)
            written = _write_export(export.export_documents(conn, data_set, ids), out, total)
    database.dispose_sync()
    summary = {"format": ARCHIVE_FORMAT, "out": str(out) if out else None, **written}
    if json_output:
        print_json(summary)
    elif out is not None:
        console.print(f"Exported {written['documents']} documents, {written['events']} events to {out}")
    else:
        err_console.print(f"Exported {written['documents']} documents, {written['events']} events")


def _write_export(records: Any, out: Path | None, total: int) -> dict[str, int]:
    """Write NDJSON to ``out`` (through a temporary file renamed at the end, so a crash never leaves a
    truncated export under the final name) or to stdout."""
    import orjson

    counts = {"documents": 0, "events": 0}
    temporary = out.with_name(f".{out.name}.partial") if out is not None else None
    try:
        stream = temporary.open("wb") if temporary is not None else sys.stdout.buffer
    except OSError as exc:
        raise fail(f"cannot write {out}: {exc.strerror or exc}", 1) from exc
    progress = _progress("docs/s") if err_console.is_terminal and out is not None else None
    try:
        task = progress.add_task("export", total=total) if progress else None
        if progress is not None:
            progress.start()
        for record in records:
            stream.write(orjson.dumps(record) + b"\n")
            counts["documents"] += 1
            counts["events"] += len(record["events"])
            if progress is not None and task is not None:
                progress.advance(task)
        stream.flush()
        if temporary is not None and out is not None:
            os.fsync(stream.fileno())
            stream.close()
            os.replace(temporary, out)
    finally:
        if progress is not None:
            progress.stop()
        if temporary is not None:
            if not stream.closed:
                stream.close()
            temporary.unlink(missing_ok=True)
    return counts


def main() -> None:
    """Entry point: a database that cannot be opened is an error message, not a traceback."""
    try:
        app()
    except Exception as exc:
        from sqlalchemy.exc import ArgumentError, OperationalError

        from massledger.db.engine import UnsupportedDatabaseUrl

        if isinstance(exc, (UnsupportedDatabaseUrl, ArgumentError)):
            print_error(f"MASSLEDGER_DATABASE_URL: {exc}")
            sys.exit(2)
        if isinstance(exc, OperationalError):
            print_error(f"the database cannot be reached: {exc.orig}")
            sys.exit(1)
        raise


if __name__ == "__main__":  # pragma: no cover
    main()
