"""SQL of the registry. The action hot path (find the batch, lock the accounts, read and write the
holdings, append journal lines, record the transaction) goes through :mod:`massledger.db.raw`, a handful
of statements per action; the rest uses SQLAlchemy Core."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection

from massledger.db import raw
from massledger.registry.ledger import Range, format_ranges, parse_ranges


@dataclass
class AccountRow:
    address: str
    data_set: str
    organization_id: str | None
    kind: str
    name: str | None
    entry_count: int
    head_hash: str


@dataclass
class HoldingRow:
    account: str
    batch_id: str
    amount_kg: int
    ranges: list[Range]


@dataclass(frozen=True)
class BatchInfo:
    id: str
    data_set: str
    credit_type: str
    vintage: int
    serialization: str
    supply_kg: int
    token_id: int
    token_address: str
    project_id: str
    project_num: int
    project_name: str

    @property
    def credit_id(self) -> str:
        return f"{self.credit_type}-{self.token_id}-{self.token_address}"


_ACCOUNT_COLUMNS = "address, data_set, organization_id, kind, name, entry_count, head_hash"
BATCH_COLUMNS = (
    "b.id, b.data_set, b.credit_type, b.vintage, b.serialization, b.supply_kg, b.token_id, b.token_address,"
    " p.id, p.num, p.full_name"
)
_FIND_BATCH = raw.Sql(
    f"SELECT {BATCH_COLUMNS} FROM registry_batches b JOIN registry_projects p ON p.id = b.project_id"
    " WHERE b.token_address = :token_address AND b.token_id = :token_id"
)
_GET_ACCOUNT = raw.Sql(f"SELECT {_ACCOUNT_COLUMNS} FROM registry_accounts WHERE address = :address")
TRANSACTION_COLUMNS = (
    "id",
    "data_set",
    "action",
    "batch_id",
    "source_batch_id",
    "amount_kg",
    "ranges",
    "from_account",
    "to_account",
    "from_organization_id",
    "to_organization_id",
    "retirement_id",
    "reason",
    "comment",
    "beneficiary_name",
    "client_id",
    "tx_hash",
    "created_at_us",
)
RETIREMENT_COLUMNS = (
    "id",
    "transaction_id",
    "data_set",
    "organization_id",
    "acting_organization_id",
    "batch_id",
    "amount_kg",
    "ranges",
    "beneficiary_name",
    "reason",
    "comment",
    "verification_hash",
    "created_at_us",
)
_CLAIM = raw.Sql(
    "INSERT INTO registry_idempotency (organization_id, data_set, key, request_hash, transaction_id,"
    " created_at_us) VALUES (:organization_id, :data_set, :key, :request_hash, :transaction_id,"
    " :created_at_us) ON CONFLICT (organization_id, data_set, key) DO NOTHING RETURNING transaction_id"
)
_CLAIMED = raw.Sql(
    "SELECT request_hash, transaction_id FROM registry_idempotency"
    " WHERE organization_id = :organization_id AND data_set = :data_set AND key = :key"
)
_NEXT = raw.Sql(
    "INSERT INTO registry_sequences (name, value) VALUES (:name, 1)"
    " ON CONFLICT (name) DO UPDATE SET value = registry_sequences.value + 1 RETURNING value"
)
_statements: dict[tuple[str, int, bool], raw.Sql] = {}


def _in_list(prefix: str, count: int) -> str:
    return ", ".join(f":{prefix}{index}" for index in range(count))


def _lock_accounts_sql(count: int, lock: bool) -> raw.Sql:
    key = ("lock", count, lock)
    statement = _statements.get(key)
    if statement is None:
        # Ascending address order: every writer takes its row locks in the same order (no deadlocks).
        text = (
            f"SELECT {_ACCOUNT_COLUMNS} FROM registry_accounts WHERE address IN ({_in_list('a', count)})"
            " ORDER BY address"
        )
        statement = _statements[key] = raw.Sql(text + (" FOR UPDATE" if lock else ""))
    return statement


def _holdings_sql(count: int) -> raw.Sql:
    key = ("holdings", count, False)
    statement = _statements.get(key)
    if statement is None:
        statement = _statements[key] = raw.Sql(
            "SELECT account, batch_id, amount_kg, ranges FROM registry_holdings"
            f" WHERE batch_id = :batch_id AND account IN ({_in_list('a', count)})"
        )
    return statement


def _account(row: tuple[Any, ...]) -> AccountRow:
    return AccountRow(*row)


def batch_from_row(row: Sequence[Any]) -> BatchInfo:
    return BatchInfo(*row)


# Batches never change once issued: the action path finds them in memory after the first read.
_batches: OrderedDict[tuple[str, int], BatchInfo] = OrderedDict()
_BATCH_CACHE_SIZE = 100_000


def find_batch(conn: Connection, token_address: str, token_id: int) -> BatchInfo | None:
    key = (token_address, token_id)
    cached = _batches.get(key)
    if cached is not None:
        return cached
    row = raw.fetch_one(conn, _FIND_BATCH, {"token_address": token_address, "token_id": token_id})
    if row is None:
        return None
    batch = _batches[key] = batch_from_row(row)
    if len(_batches) > _BATCH_CACHE_SIZE:
        _batches.popitem(last=False)
    return batch


_BATCH_TOKEN = raw.Sql("SELECT credit_type, token_id, token_address FROM registry_batches WHERE id = :id")


def batch_credit_id(conn: Connection, batch_id: str) -> str:
    row = raw.fetch_one(conn, _BATCH_TOKEN, {"id": batch_id})
    assert row is not None
    return f"{row[0]}-{row[1]}-{row[2]}"


def get_account(conn: Connection, address: str) -> AccountRow | None:
    row = raw.fetch_one(conn, _GET_ACCOUNT, {"address": address})
    return _account(row) if row else None


def lock_accounts(conn: Connection, addresses: Sequence[str]) -> dict[str, AccountRow]:
    """Lock the accounts a transaction will write (PostgreSQL row locks in ascending address order;
    SQLite's writer already holds the database lock)."""
    unique = sorted(set(addresses))
    statement = _lock_accounts_sql(len(unique), conn.dialect.name == "postgresql")
    rows = raw.fetch_all(conn, statement, {f"a{index}": address for index, address in enumerate(unique)})
    return {row[0]: _account(row) for row in rows}


# PostgreSQL: lock the accounts, then read them with their holdings of one batch, in one round trip. The
# function is VOLATILE, so its second statement reads with a new snapshot taken after the locks were
# granted: it sees what the previous holder of a lock committed (created by migration 0003).
LOCK_AND_READ_FUNCTION = """
CREATE OR REPLACE FUNCTION registry_lock_and_read(p_addresses text[], p_batch text)
RETURNS TABLE (address text, data_set text, organization_id text, kind text, name text,
               entry_count integer, head_hash text, amount_kg bigint, ranges text)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM 1 FROM registry_accounts a WHERE a.address = ANY (p_addresses) ORDER BY a.address FOR UPDATE;
    RETURN QUERY
        SELECT a.address::text, a.data_set::text, a.organization_id::text, a.kind::text, a.name,
               a.entry_count, a.head_hash::text, h.amount_kg, h.ranges
        FROM registry_accounts a
        LEFT JOIN registry_holdings h ON h.account = a.address AND h.batch_id = p_batch
        WHERE a.address = ANY (p_addresses);
END
$$
"""
_LOCK_AND_READ = raw.Sql("SELECT * FROM registry_lock_and_read(:addresses, :batch_id)")


def lock_and_load(
    conn: Connection, batch_id: str, addresses: Sequence[str]
) -> tuple[dict[str, AccountRow], dict[str, HoldingRow]]:
    """Lock the accounts (ascending address order) and read their holdings of one batch."""
    if conn.dialect.name != "postgresql":
        return lock_accounts(conn, addresses), load_holdings(conn, batch_id, addresses)
    unique = sorted(set(addresses))
    rows = raw.fetch_all(conn, _LOCK_AND_READ, {"addresses": unique, "batch_id": batch_id})
    locked = {row[0]: _account(row[:7]) for row in rows}
    holdings = {account: HoldingRow(account, batch_id, 0, []) for account in unique}
    for row in rows:
        if row[7] is not None:
            holdings[row[0]] = HoldingRow(row[0], batch_id, int(row[7]), parse_ranges(row[8]))
    return locked, holdings


def load_holdings(conn: Connection, batch_id: str, accounts: Sequence[str]) -> dict[str, HoldingRow]:
    unique = sorted(set(accounts))
    params: dict[str, Any] = {f"a{index}": address for index, address in enumerate(unique)}
    params["batch_id"] = batch_id
    found = {
        account: HoldingRow(account, batch, amount, parse_ranges(ranges))
        for account, batch, amount, ranges in raw.fetch_all(conn, _holdings_sql(len(unique)), params)
    }
    for account in unique:
        found.setdefault(account, HoldingRow(account, batch_id, 0, []))
    return found


HOLDING_COLUMNS = ("account", "batch_id", "amount_kg", "ranges", "updated_at_us")
JOURNAL_COLUMNS = ("account", "seq", "transaction_id", "batch_id", "delta_kg", "ranges", "body", "hash")
HEAD_COLUMNS = ("address", "entry_count", "head_hash")
_UPSERT = (
    " ON CONFLICT (account, batch_id) DO UPDATE SET amount_kg = excluded.amount_kg,"
    " ranges = excluded.ranges, updated_at_us = excluded.updated_at_us"
)
_SET_HEAD = "UPDATE registry_accounts SET entry_count = {v}entry_count, head_hash = {v}head_hash"
# (table, columns, what follows the insert) in write order; the accounts' heads are an UPDATE.
_TABLES = (
    ("registry_holdings", HOLDING_COLUMNS, _UPSERT),
    ("registry_journal", JOURNAL_COLUMNS, ""),
    ("registry_accounts", HEAD_COLUMNS, None),
    ("registry_transactions", TRANSACTION_COLUMNS, ""),
    ("registry_retirements", RETIREMENT_COLUMNS, ""),
)
_write_statements: dict[tuple[str, tuple[bool, ...]], list[tuple[int, raw.Sql]]] = {}


def _write_sql(dialect: str, present: tuple[bool, ...]) -> list[tuple[int, raw.Sql]]:
    """(table index, statement) pairs writing a command's rows.

    PostgreSQL: one statement of data-modifying CTEs, each table's rows passed as one JSON array (one round
    trip, a short statement text with five parameters at most, so the driver caches its parsing). SQLite
    runs in-process: one executemany per table."""
    key = (dialect, present)
    cached = _write_statements.get(key)
    if cached is not None:
        return cached
    statements: list[tuple[int, raw.Sql]] = []
    parts: list[str] = []
    for index, (table, columns, suffix) in enumerate(_TABLES):
        if not present[index]:
            continue
        names = ", ".join(columns)
        if dialect == "postgresql":
            rows = f"json_populate_recordset(NULL::{table}, CAST(:rows{index} AS json))"
            if suffix is None:
                parts.append(
                    f"{_SET_HEAD.format(v='v.')} FROM {rows} AS v WHERE registry_accounts.address = v.address"
                )
            else:
                parts.append(f"INSERT INTO {table} ({names}) SELECT {names} FROM {rows}{suffix}")
        elif suffix is None:
            statements.append((index, raw.Sql(f"{_SET_HEAD.format(v=':')} WHERE address = :address")))
        else:
            values = ", ".join(f":{column}" for column in columns)
            statements.append((index, raw.Sql(f"INSERT INTO {table} ({names}) VALUES ({values}){suffix}")))
    if dialect == "postgresql":
        *first, last = parts
        ctes = ", ".join(f"w{index} AS ({part} RETURNING 1)" for index, part in enumerate(first))
        statements = [(-1, raw.Sql(f"WITH {ctes} {last}" if ctes else last))]
    _write_statements[key] = statements
    return statements


def write_ledger(
    conn: Connection,
    holdings: Sequence[HoldingRow],
    journal: Sequence[dict[str, Any]],
    accounts: Sequence[AccountRow],
    transactions: Sequence[dict[str, Any]],
    retirements: Sequence[dict[str, Any]],
    now: int,
) -> None:
    """Write a command's holdings (full new values), journal lines, account heads, transactions and
    retirements."""
    holding_rows = [
        {
            "account": holding.account,
            "batch_id": holding.batch_id,
            "amount_kg": holding.amount_kg,
            "ranges": format_ranges(holding.ranges),
            "updated_at_us": now,
        }
        for holding in holdings
    ]
    heads = [{"address": a.address, "entry_count": a.entry_count, "head_hash": a.head_hash} for a in accounts]
    tables: list[Sequence[dict[str, Any]]] = [holding_rows, journal, heads, transactions, retirements]
    present = tuple(bool(rows) for rows in tables)
    for index, statement in _write_sql(conn.dialect.name, present):
        if index < 0:
            params = {f"rows{i}": orjson.dumps(rows).decode() for i, rows in enumerate(tables) if rows}
            raw.execute(conn, statement, params)
        else:
            raw.execute_many(conn, statement, tables[index])


def claim_idempotency(
    conn: Connection, key: dict[str, str], request_hash: str, transaction_id: str, now: int
) -> tuple[str, str] | None:
    """None when the key is new (claimed by this transaction), else (stored request hash, transaction id).
    On PostgreSQL a concurrent claim of the same key waits for the first transaction to finish."""
    params = {**key, "request_hash": request_hash, "transaction_id": transaction_id, "created_at_us": now}
    if raw.fetch_one(conn, _CLAIM, params) is not None:
        return None
    row = raw.fetch_one(conn, _CLAIMED, key)
    assert row is not None
    return str(row[0]), str(row[1])


def next_value(conn: Connection, name: str) -> int:
    row = raw.fetch_one(conn, _NEXT, {"name": name})
    assert row is not None
    return int(row[0])
