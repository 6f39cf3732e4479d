"""Accounts: who holds credits. Each account heads a hash chain of its journal entries, whose genesis is
its creation record (``chain_hash("massledger:account:v1", canonical(record))``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from massledger.canonical import canonical_json, chain_hash
from massledger.db.sql import insert_ignore
from massledger.errors import Conflict, NotFound, ValidationFailed
from massledger.ids import now_us, us_to_iso
from massledger.registry.serials import account_address
from massledger.registry.tables import registry_accounts

GENESIS = "massledger:account:v1"
DATA_SETS = ("TEST", "PROD")

DEFAULT = "default"
SUBACCOUNT = "subaccount"
RETIRED = "retired"
CANCELLED = "cancelled"
BUFFER = "buffer"
CONVERTED = "converted"

LIVE_KINDS = (DEFAULT, SUBACCOUNT)  # may send credits
TERMINAL_KINDS = (RETIRED, CANCELLED, CONVERTED)  # units that arrive never move again
ORGANIZATION_KINDS = (DEFAULT, RETIRED, CANCELLED)  # created with every organization, in each data set


def account_record(
    organization_id: str | None, data_set: str, kind: str, name: str | None, created_at_us: int
) -> dict[str, Any]:
    return {
        "address": account_address(organization_id, data_set, kind, name),
        "organizationId": organization_id,
        "dataSetName": data_set,
        "kind": kind,
        "name": name,
        "createdAt": us_to_iso(created_at_us),
    }


def account_row(record: dict[str, Any], created_at_us: int) -> dict[str, Any]:
    body = canonical_json(record)
    return {
        "address": record["address"],
        "data_set": record["dataSetName"],
        "organization_id": record["organizationId"],
        "kind": record["kind"],
        "name": record["name"],
        "body": body.decode(),
        "entry_count": 0,
        "head_hash": chain_hash(GENESIS, body),
        "created_at_us": created_at_us,
    }


def new_account_row(
    organization_id: str | None, data_set: str, kind: str, name: str | None = None
) -> dict[str, Any]:
    now = now_us()
    return account_row(account_record(organization_id, data_set, kind, name, now), now)


def ensure_account(
    conn: Connection, organization_id: str | None, data_set: str, kind: str, name: str | None = None
) -> str:
    """Create the account if it does not exist yet; returns its address."""
    row = new_account_row(organization_id, data_set, kind, name)
    insert_ignore(conn, registry_accounts, row, ["address"])
    return str(row["address"])


def create_organization_accounts(conn: Connection, organization_id: str) -> None:
    """The default account and the two sinks of a new organization, in both data sets."""
    rows = [
        new_account_row(organization_id, data_set, kind)
        for data_set in DATA_SETS
        for kind in ORGANIZATION_KINDS
    ]
    conn.execute(registry_accounts.insert(), rows)


def ensure_organization_accounts(conn: Connection, organization_id: str) -> None:
    """The accounts of an organization that arrived without them (restored from an export)."""
    for data_set in DATA_SETS:
        for kind in ORGANIZATION_KINDS:
            ensure_account(conn, organization_id, data_set, kind)


def default_address(organization_id: str, data_set: str) -> str:
    return account_address(organization_id, data_set, DEFAULT)


def sink_address(organization_id: str, data_set: str, kind: str) -> str:
    return account_address(organization_id, data_set, kind)


def create_subaccount(conn: Connection, organization_id: str, data_set: str, name: str) -> dict[str, Any]:
    """A named subaccount of an organization in one ledger; its address derives from the name."""
    from massledger.organizations.tables import organizations

    if conn.execute(select(organizations.c.id).where(organizations.c.id == organization_id)).first() is None:
        raise NotFound(f"Organization {organization_id} was not found")
    if data_set not in DATA_SETS:
        raise ValidationFailed("dataSetName", "must be TEST or PROD")
    row = new_account_row(organization_id, data_set, SUBACCOUNT, name)
    if not insert_ignore(conn, registry_accounts, row, ["address"]):
        raise Conflict(f"name: the organization already has a subaccount {name!r} in the {data_set} ledger")
    return row
