"""Registry reads: inventories, accounts, transactions, retirements, projects and their credits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, RowMapping, case, func, or_, select

from massledger.db import raw
from massledger.errors import NotFound
from massledger.organizations.tables import organizations
from massledger.registry import accounts
from massledger.registry.serials import is_address
from massledger.registry.store import BATCH_COLUMNS, TRANSACTION_COLUMNS, BatchInfo, batch_from_row
from massledger.registry.tables import (
    registry_accounts,
    registry_batches,
    registry_holdings,
    registry_projects,
    registry_retirements,
)

_TX = ", ".join(f"t.{column}" for column in TRANSACTION_COLUMNS)
_TX_FROM = (
    "FROM registry_transactions t JOIN registry_batches b ON b.id = t.batch_id"
    " JOIN registry_projects p ON p.id = b.project_id"
)
_GET_TRANSACTION = raw.Sql(f"SELECT {_TX}, {BATCH_COLUMNS} {_TX_FROM} WHERE t.id = :id")
_PARTY = "t.data_set = :data_set AND (t.from_organization_id = :org OR t.to_organization_id = :org)"
_LIST_TRANSACTIONS = raw.Sql(
    f"SELECT {_TX}, {BATCH_COLUMNS} {_TX_FROM} WHERE {_PARTY}"
    " ORDER BY t.created_at_us DESC, t.id DESC LIMIT :limit OFFSET :offset"
)
_COUNT_TRANSACTIONS = raw.Sql(f"SELECT COUNT(*) FROM registry_transactions t WHERE {_PARTY}")
_INVENTORY = raw.Sql(
    f"SELECT h.amount_kg, h.ranges, {BATCH_COLUMNS} FROM registry_holdings h"
    " JOIN registry_batches b ON b.id = h.batch_id JOIN registry_projects p ON p.id = b.project_id"
    " WHERE h.account = :account AND h.amount_kg > 0 ORDER BY b.created_at_us, b.id"
)

MAX_PAGE = 1_000_000


@dataclass(frozen=True)
class TransactionView:
    row: dict[str, Any]  # registry_transactions columns
    batch: BatchInfo
    source_credit_id: str | None = None


@dataclass(frozen=True)
class Holding:
    amount_kg: int
    ranges: str
    batch: BatchInfo


def _split(row: tuple[Any, ...]) -> tuple[dict[str, Any], BatchInfo]:
    count = len(TRANSACTION_COLUMNS)
    return dict(zip(TRANSACTION_COLUMNS, row[:count], strict=True)), batch_from_row(row[count:])


def _source_credit_ids(conn: Connection, batch_ids: set[str]) -> dict[str, str]:
    if not batch_ids:
        return {}
    b = registry_batches.c
    rows = conn.execute(select(b.id, b.credit_type, b.token_id, b.token_address).where(b.id.in_(batch_ids)))
    return {row.id: f"{row.credit_type}-{row.token_id}-{row.token_address}" for row in rows}


def _views(conn: Connection, rows: list[tuple[Any, ...]]) -> list[TransactionView]:
    split = [_split(row) for row in rows]
    sources = _source_credit_ids(conn, {tx["source_batch_id"] for tx, _ in split if tx["source_batch_id"]})
    return [TransactionView(tx, batch, sources.get(tx["source_batch_id"] or "")) for tx, batch in split]


def load_transaction(conn: Connection, transaction_id: str) -> TransactionView | None:
    row = raw.fetch_one(conn, _GET_TRANSACTION, {"id": transaction_id})
    return _views(conn, [row])[0] if row else None


def get_transaction(
    conn: Connection, organization_id: str, data_set: str, transaction_id: str
) -> TransactionView:
    """A transaction the organization took part in (sender or receiver) in this data set."""
    view = load_transaction(conn, transaction_id)
    if (
        view is None
        or view.row["data_set"] != data_set
        or organization_id not in (view.row["from_organization_id"], view.row["to_organization_id"])
    ):
        raise NotFound(f"Transaction {transaction_id} was not found")
    return view


def list_transactions(
    conn: Connection, organization_id: str, data_set: str, limit: int, page: int
) -> tuple[list[TransactionView], int]:
    params = {"org": organization_id, "data_set": data_set}
    total_row = raw.fetch_one(conn, _COUNT_TRANSACTIONS, params)
    rows = raw.fetch_all(conn, _LIST_TRANSACTIONS, {**params, "limit": limit, "offset": limit * page})
    return _views(conn, rows), int(total_row[0]) if total_row else 0


def pagination(total: int, limit: int, page: int) -> dict[str, int | None]:
    """0-based pages: ``currentPage`` is the page asked for."""
    page_count = (total + limit - 1) // limit
    return {
        "total": total,
        "currentPage": page,
        "pageCount": page_count,
        "nextPage": page + 1 if page + 1 < page_count else None,
        "prevPage": page - 1 if page > 0 else None,
    }


# -- accounts and inventory -----------------------------------------------------------------------------


def account_of(conn: Connection, organization_id: str, data_set: str, address: str | None) -> str:
    """The organization's default account, or the given live account of it, in the data set."""
    if address is None:
        return accounts.default_address(organization_id, data_set)
    if not is_address(address):
        raise NotFound(f"Account {address[:80]} was not found (addresses are 0x and 40 lowercase hex digits)")
    a = registry_accounts.c
    row = conn.execute(
        select(a.address).where(
            a.address == address,
            a.organization_id == organization_id,
            a.data_set == data_set,
            a.kind.in_(accounts.LIVE_KINDS),
        )
    ).first()
    if row is None:
        raise NotFound(f"Account {address} of your organization was not found in the {data_set} ledger")
    return address


def inventory(conn: Connection, account: str) -> list[Holding]:
    return [
        Holding(int(row[0]), str(row[1]), batch_from_row(row[2:]))
        for row in raw.fetch_all(conn, _INVENTORY, {"account": account})
    ]


def organization_accounts(conn: Connection, organization_id: str, data_set: str) -> list[RowMapping]:
    a = registry_accounts.c
    query = (
        select(a.address, a.kind, a.name, a.data_set, a.created_at_us)
        .where(a.organization_id == organization_id, a.data_set == data_set, a.kind.in_(accounts.LIVE_KINDS))
        .order_by(case((a.kind == accounts.DEFAULT, 0), else_=1), a.created_at_us, a.address)
    )
    return list(conn.execute(query).mappings())


# -- retirements ----------------------------------------------------------------------------------------


def _retirement_query() -> Any:
    r, b, p = registry_retirements.c, registry_batches.c, registry_projects.c
    return select(
        registry_retirements,
        b.credit_type,
        b.token_id,
        b.token_address,
        b.vintage,
        b.serialization,
        p.id.label("project_id"),
        p.full_name.label("project_name"),
        p.num.label("project_num"),
    ).select_from(
        registry_retirements.join(registry_batches, b.id == r.batch_id).join(
            registry_projects, p.id == b.project_id
        )
    )


def _visible_retirement(organization_id: str, data_set: str) -> Any:
    r = registry_retirements.c
    return (r.data_set == data_set) & or_(
        r.organization_id == organization_id, r.acting_organization_id == organization_id
    )


def list_retirements(
    conn: Connection, organization_id: str, data_set: str, limit: int, page: int
) -> tuple[list[RowMapping], int]:
    r = registry_retirements.c
    where = _visible_retirement(organization_id, data_set)
    total = conn.execute(select(func.count()).select_from(registry_retirements).where(where)).scalar_one()
    rows = conn.execute(
        _retirement_query()
        .where(where)
        .order_by(r.created_at_us.desc(), r.id.desc())
        .limit(limit)
        .offset(limit * page)
    ).mappings()
    return list(rows), int(total)


def get_retirement(conn: Connection, organization_id: str, data_set: str, retirement_id: str) -> RowMapping:
    """A retirement made by or for the organization in this data set."""
    row = (
        conn.execute(
            _retirement_query().where(
                registry_retirements.c.id == retirement_id, _visible_retirement(organization_id, data_set)
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"Retirement {retirement_id} was not found")
    return row


# -- projects -------------------------------------------------------------------------------------------


def list_projects(conn: Connection, data_set: str, limit: int, page: int) -> tuple[list[RowMapping], int]:
    p = registry_projects.c
    where = (p.data_set == data_set) & p.is_public.is_(True)
    total = conn.execute(select(func.count()).select_from(registry_projects).where(where)).scalar_one()
    rows = conn.execute(
        select(registry_projects).where(where).order_by(p.num).limit(limit).offset(limit * page)
    ).mappings()
    return list(rows), int(total)


def all_projects(conn: Connection, data_set: str | None) -> list[RowMapping]:
    """Every project (public or not), for operators."""
    query = select(registry_projects).order_by(registry_projects.c.num)
    if data_set is not None:
        query = query.where(registry_projects.c.data_set == data_set)
    return list(conn.execute(query).mappings())


def get_project(conn: Connection, project_id: str, data_set: str, *, include_private: bool) -> RowMapping:
    p = registry_projects.c
    row = conn.execute(select(registry_projects).where(p.id == project_id)).mappings().first()
    if row is None or row["data_set"] != data_set or not (row["is_public"] or include_private):
        raise NotFound(f"Project {project_id} was not found")
    return row


def proponents(conn: Connection, projects: list[RowMapping]) -> dict[str, RowMapping]:
    ids = {row["proponent_organization_id"] for row in projects if row["proponent_organization_id"]}
    if not ids:
        return {}
    rows = conn.execute(
        select(organizations.c.id, organizations.c.full_name, organizations.c.logo).where(
            organizations.c.id.in_(ids)
        )
    ).mappings()
    return {row["id"]: row for row in rows}


def batch_totals(conn: Connection, project_id: str) -> list[RowMapping]:
    """Each batch of a project with the kilograms now retired, cancelled and converted."""
    b, h, a = registry_batches.c, registry_holdings.c, registry_accounts.c

    def in_kind(kind: str) -> Any:
        return func.coalesce(func.sum(case((a.kind == kind, h.amount_kg), else_=0)), 0).label(kind)

    columns = (
        b.id,
        b.credit_type,
        b.vintage,
        b.supply_kg,
        b.buffer_kg,
        b.serialization,
        b.token_id,
        b.token_address,
        b.monitoring_period_start,
        b.monitoring_period_end,
        b.created_at_us,
    )
    query = (
        select(*columns, in_kind(accounts.RETIRED), in_kind(accounts.CANCELLED), in_kind(accounts.CONVERTED))
        .select_from(
            registry_batches.outerjoin(registry_holdings, h.batch_id == b.id).outerjoin(
                registry_accounts, a.address == h.account
            )
        )
        .where(b.project_id == project_id)
        .group_by(*columns)
        .order_by(b.vintage, b.created_at_us, b.id)
    )
    return list(conn.execute(query).mappings())


def batch_holdings_by_kind(conn: Connection, batch_id: str) -> dict[str, int]:
    """Kilograms of one batch held per account kind (default, subaccount, buffer, retired, cancelled, ...)."""
    h, a = registry_holdings.c, registry_accounts.c
    query = (
        select(a.kind, func.coalesce(func.sum(h.amount_kg), 0))
        .select_from(registry_holdings.join(registry_accounts, a.address == h.account))
        .where(h.batch_id == batch_id)
        .group_by(a.kind)
    )
    return {str(kind): int(kg) for kind, kg in conn.execute(query)}


def get_batch(conn: Connection, token_address: str, token_id: int) -> RowMapping | None:
    b, p = registry_batches.c, registry_projects.c
    query = (
        select(registry_batches, p.num.label("project_num"), p.full_name.label("project_name"))
        .select_from(registry_batches.join(registry_projects, p.id == b.project_id))
        .where(b.token_address == token_address, b.token_id == token_id)
    )
    return conn.execute(query).mappings().first()
