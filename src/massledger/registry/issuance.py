"""Projects and issuance: the service functions the admin API, the CLI, friendbot and the methodology
engine call (documented in docs/registry.md).

Issuance of ``amount`` kg of a vintage creates one batch (serial units 1..amount):
- ex-ante: only while the vintage's outstanding ex-ante (issued − converted) plus this amount stays
  within 50 % of (estimate − verified ex-post); no buffer; all units to the recipient.
- ex-post: the project's buffer share (rounded down to the kg) goes to the data set's buffer account.
  The rest first converts outstanding ex-ante units of the same project and vintage: c = min(outstanding,
  rest) units, shared over the ex-ante holdings pro rata (largest remainder); each holding gives up as many
  ex-ante units (its highest serials, to the terminal ``converted`` sink) as it receives ex-post units.
  The recipient gets the rest. Serial order: recipient, then converted holdings in (account, batch)
  order, then the buffer at the top."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import Connection, RowMapping, and_, func, select

from massledger.canonical import canonical_json
from massledger.db import raw
from massledger.db.sql import insert_ignore
from massledger.errors import Conflict, NotFound, ValidationFailed
from massledger.ids import new_uuid, now_us
from massledger.organizations import store as organization_store
from massledger.registry import accounts, ledger, store
from massledger.registry.ledger import Range, format_ranges
from massledger.registry.posting import Posting
from massledger.registry.records import transaction_hash
from massledger.registry.serials import (
    CREDIT_TYPES,
    format_serialization,
    is_address,
    parse_credit_id,
    project_token_address,
)
from massledger.registry.store import BatchInfo
from massledger.registry.tables import (
    registry_accounts,
    registry_batches,
    registry_holdings,
    registry_projects,
)

PROJECT_TYPES = ("removal", "reduction")
SANDBOX_KEY = "massledger:sandbox"
FRIENDBOT_KG = 100 * ledger.KG_PER_TONNE


# -- projects -------------------------------------------------------------------------------------------


def buffer_basis_points(percentage: float | int | Decimal) -> int:
    points = Decimal(str(percentage)) * 100
    if points != points.to_integral_value() or not 0 <= points <= 10_000:
        raise ValidationFailed("bufferPercentage", "must be between 0 and 100 with at most 2 decimals")
    return int(points)


def _project_values(
    conn: Connection,
    *,
    full_name: str,
    methodology: str,
    country_code: str,
    data_set: str,
    project_type: str,
    estimates_kg: Mapping[int, int],
    buffer_points: int,
    is_public: bool,
    external_key: str | None,
    proponent_organization_id: str | None,
    description: str | None,
    short_description: str | None,
    city: str | None,
) -> dict[str, Any]:
    if data_set not in accounts.DATA_SETS:
        raise ValidationFailed("dataSetName", "must be TEST or PROD")
    if project_type not in PROJECT_TYPES:
        raise ValidationFailed("type", "must be removal or reduction")
    if proponent_organization_id is not None and (
        organization_store.get_organization(conn, proponent_organization_id) is None
    ):
        raise ValidationFailed(
            "proponentOrganizationId", f"organization {proponent_organization_id} was not found"
        )
    project_id = new_uuid()
    now = now_us()
    return {
        "id": project_id,
        "num": store.next_value(conn, "project_num"),
        "data_set": data_set,
        "external_key": external_key,
        "full_name": full_name,
        "description": description,
        "short_description": short_description,
        "methodology": methodology,
        "country_code": country_code,
        "city": city,
        "project_type": project_type,
        "estimates": canonical_json({str(year): kg for year, kg in sorted(estimates_kg.items())}).decode(),
        "buffer_basis_points": buffer_points,
        "is_public": is_public,
        "proponent_organization_id": proponent_organization_id,
        "token_address": project_token_address(project_id),
        "batch_count": 0,
        "created_at_us": now,
        "updated_at_us": now,
    }


def create_project(conn: Connection, data: Any, data_set: str) -> RowMapping:
    """Admin create from a :class:`schemas.ProjectCreate`; an existing ``externalKey`` is a 409."""
    estimates: dict[int, int] = {}
    for index, estimate in enumerate(data.estimatedAnnualMitigations):
        if estimate.vintage in estimates:
            raise ValidationFailed(
                f"estimatedAnnualMitigations[{index}].vintage", f"{estimate.vintage} is given twice"
            )
        try:
            estimates[estimate.vintage] = ledger.tonnes_to_kg(estimate.amount)
        except ledger.AmountError as exc:
            raise ValidationFailed(f"estimatedAnnualMitigations[{index}].amount", str(exc)) from exc
    values = _project_values(
        conn,
        full_name=data.fullName,
        methodology=data.methodology,
        country_code=data.countryCode,
        data_set=data_set,
        project_type=data.type,
        estimates_kg=estimates,
        buffer_points=buffer_basis_points(data.bufferPercentage),
        is_public=data.isPublic,
        external_key=data.externalKey,
        proponent_organization_id=data.proponentOrganizationId,
        description=data.description,
        short_description=data.shortDescription,
        city=data.city,
    )
    if data.externalKey is not None and _project_by_key(conn, data.externalKey) is not None:
        raise Conflict(f"externalKey: a project with key {data.externalKey!r} already exists")
    conn.execute(registry_projects.insert().values(**values))
    return get_project_row(conn, values["id"])


def ensure_project(
    conn: Connection,
    *,
    external_key: str,
    full_name: str,
    methodology: str,
    country_code: str,
    data_set: str = "PROD",
    project_type: str = "removal",
    estimated_annual_mitigations_kg: Mapping[int, int] | None = None,
    buffer_percentage: float | int = 0,
    is_public: bool = True,
    proponent_organization_id: str | None = None,
    description: str | None = None,
) -> Mapping[str, Any]:
    """Find the project registered under ``external_key`` (a stable key of the caller's choosing, e.g. a
    methodology and a site), or create it. An existing project is returned as it is."""
    existing = _project_by_key(conn, external_key)
    if existing is None:
        values = _project_values(
            conn,
            full_name=full_name,
            methodology=methodology,
            country_code=country_code,
            data_set=data_set,
            project_type=project_type,
            estimates_kg=estimated_annual_mitigations_kg or {},
            buffer_points=buffer_basis_points(buffer_percentage),
            is_public=is_public,
            external_key=external_key,
            proponent_organization_id=proponent_organization_id,
            description=description,
            short_description=None,
            city=None,
        )
        insert_ignore(conn, registry_projects, values, ["external_key"])
        existing = _project_by_key(conn, external_key)
        assert existing is not None
    if existing["data_set"] != data_set:
        raise ValidationFailed(
            "dataSetName", f"project {external_key!r} belongs to the {existing['data_set']} data set"
        )
    return existing


_PROJECT_COLUMNS = tuple(column.name for column in registry_projects.columns)
_PROJECT_BY_KEY = raw.Sql(
    f"SELECT {', '.join(_PROJECT_COLUMNS)} FROM registry_projects WHERE external_key = :key"
)
# Locks the project row (PostgreSQL; SQLite's writer holds the database lock) and counts the new batch in
# one statement: the row comes back with batch_count = the new batch's tokenId. A refused issuance raises
# afterwards and its transaction is rolled back with the count.
_CLAIM_BATCH = raw.Sql(
    "UPDATE registry_projects SET batch_count = batch_count + 1, updated_at_us = :updated_at_us"
    f" WHERE id = :id RETURNING {', '.join(_PROJECT_COLUMNS)}"
)
_BATCH_COLUMNS = tuple(column.name for column in registry_batches.columns)
_INSERT_BATCH = raw.Sql(
    f"INSERT INTO registry_batches ({', '.join(_BATCH_COLUMNS)})"
    f" VALUES ({', '.join(':' + name for name in _BATCH_COLUMNS)})"
)


def _project(row: tuple[Any, ...] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    project = dict(zip(_PROJECT_COLUMNS, row, strict=True))
    project["is_public"] = bool(project["is_public"])  # SQLite answers an integer
    return project


def _project_by_key(conn: Connection, external_key: str) -> dict[str, Any] | None:
    return _project(raw.fetch_one(conn, _PROJECT_BY_KEY, {"key": external_key}))


def _claim_batch(conn: Connection, project_id: str) -> dict[str, Any]:
    """The project row, locked, with its batch count already including the batch being issued."""
    project = _project(raw.fetch_one(conn, _CLAIM_BATCH, {"id": project_id, "updated_at_us": now_us()}))
    if project is None:
        raise NotFound(f"Project {project_id} was not found")
    return project


# external key -> (project id, data set) of projects seen committed. Projects are never deleted and
# neither their key, id nor data set change, so a hit needs no query.
_project_ids: dict[str, tuple[str, str]] = {}


def ensure_project_id(conn: Connection, *, external_key: str, data_set: str, **create: Any) -> str:
    """:func:`ensure_project`, returning only the id, without a query once the project was seen
    committed (the methodology engine calls it for every audit it mints credits for)."""
    known = _project_ids.get(external_key)
    if known is not None and known[1] == data_set:
        return known[0]
    found = _project_by_key(conn, external_key)
    project = found or ensure_project(conn, external_key=external_key, data_set=data_set, **create)
    if found is not None and found["data_set"] == data_set:
        # Only a project this transaction found, not one it created: a rollback cannot unmake it.
        _project_ids[external_key] = (str(found["id"]), data_set)
    elif project["data_set"] != data_set:
        ensure_project(conn, external_key=external_key, data_set=data_set, **create)  # raises
    return str(project["id"])


def get_project_row(conn: Connection, project_id: str, *, lock: bool = False) -> RowMapping:
    query = select(registry_projects).where(registry_projects.c.id == project_id)
    if lock:
        query = query.with_for_update()  # SQLite ignores it: its writer holds the database lock
    row = conn.execute(query).mappings().first()
    if row is None:
        raise NotFound(f"Project {project_id} was not found")
    return row


def find_project(conn: Connection, reference: str) -> RowMapping:
    """A project by id or by number (CLI convenience)."""
    if reference.isdigit():
        row = (
            conn.execute(select(registry_projects).where(registry_projects.c.num == int(reference)))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound(f"Project {reference} was not found")
        return row
    return get_project_row(conn, reference)


# -- issuance -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConversionResult:
    transaction_id: str
    address: str
    organization_id: str | None
    amount_kg: int
    source_credit_id: str


@dataclass(frozen=True)
class IssuedBatch:
    batch: BatchInfo
    buffer_kg: int
    transaction_id: str
    to_organization_id: str | None
    to_address: str
    amount_kg: int  # what the recipient received
    ranges: list[Range]
    conversions: list[ConversionResult] = field(default_factory=list)
    provenance: dict[str, Any] = field(default_factory=dict)
    monitoring_period_start: str | None = None
    monitoring_period_end: str | None = None
    created_at_us: int = 0

    @property
    def credit_id(self) -> str:
        return self.batch.credit_id


def _vintage_totals(conn: Connection, project_id: str, vintage: int) -> tuple[int, int, int]:
    """(verified ex-post kg, issued ex-ante kg, converted ex-ante kg) of one project vintage."""
    batches = registry_batches
    issued = dict(
        conn.execute(
            select(batches.c.credit_type, func.coalesce(func.sum(batches.c.supply_kg), 0))
            .where(batches.c.project_id == project_id, batches.c.vintage == vintage)
            .group_by(batches.c.credit_type)
        ).all()
    )
    converted = conn.execute(
        select(func.coalesce(func.sum(registry_holdings.c.amount_kg), 0))
        .select_from(
            registry_holdings.join(batches, batches.c.id == registry_holdings.c.batch_id).join(
                registry_accounts, registry_accounts.c.address == registry_holdings.c.account
            )
        )
        .where(
            batches.c.project_id == project_id,
            batches.c.vintage == vintage,
            batches.c.credit_type == "exAnte",
            registry_accounts.c.kind == accounts.CONVERTED,
        )
    ).scalar_one()
    return int(issued.get("exPost", 0)), int(issued.get("exAnte", 0)), int(converted)


_EX_ANTE_ISSUED = raw.Sql(
    "SELECT COALESCE(SUM(supply_kg), 0) FROM registry_batches"
    " WHERE project_id = :project_id AND vintage = :vintage AND credit_type = 'exAnte'"
)


def _ex_ante_outstanding(conn: Connection, project_id: str, vintage: int) -> tuple[int, int]:
    """(issued ex-ante kg, converted ex-ante kg) of one project vintage: what an ex-post issuance needs.
    One indexed lookup when the vintage has no ex-ante batch (the usual case), however many ex-post
    batches it has (every methodology audit issues one)."""
    row = raw.fetch_one(conn, _EX_ANTE_ISSUED, {"project_id": project_id, "vintage": vintage})
    issued = int(row[0]) if row else 0
    if not issued:
        return 0, 0
    return issued, _vintage_totals(conn, project_id, vintage)[2]


def _ex_ante_holdings(conn: Connection, project_id: str, vintage: int) -> list[tuple[str, str, int]]:
    """(account, ex-ante batch id, kg) of every live holder of the vintage's ex-ante units."""
    query = (
        select(registry_holdings.c.account, registry_holdings.c.batch_id, registry_holdings.c.amount_kg)
        .select_from(
            registry_holdings.join(
                registry_batches, registry_batches.c.id == registry_holdings.c.batch_id
            ).join(registry_accounts, registry_accounts.c.address == registry_holdings.c.account)
        )
        .where(
            and_(
                registry_batches.c.project_id == project_id,
                registry_batches.c.vintage == vintage,
                registry_batches.c.credit_type == "exAnte",
                registry_accounts.c.kind.in_(accounts.LIVE_KINDS),
                registry_holdings.c.amount_kg > 0,
            )
        )
        .order_by(registry_holdings.c.account, registry_holdings.c.batch_id)
    )
    return [(row[0], row[1], int(row[2])) for row in conn.execute(query)]


def _recipient(
    conn: Connection, data_set: str, to_organization_id: str | None, to_address: str | None
) -> str:
    if (to_organization_id is None) == (to_address is None):
        raise ValidationFailed("toOrganizationId", "exactly one of toOrganizationId or toAddress is required")
    if to_organization_id is not None:
        return accounts.default_address(to_organization_id, data_set)
    assert to_address is not None
    if not is_address(to_address):
        raise ValidationFailed("toAddress", "must be an account address: 0x and 40 lowercase hex digits")
    return to_address


def issue_credits(
    conn: Connection,
    *,
    project_id: str,
    vintage: int,
    amount_kg: int,
    credit_type: str,
    to_organization_id: str | None = None,
    to_address: str | None = None,
    data_set: str | None = None,
    provenance: Mapping[str, Any] | None = None,
    monitoring_period_start: str | None = None,
    monitoring_period_end: str | None = None,
    client_id: str | None = None,
) -> IssuedBatch:
    """Mint a new batch of ``amount_kg`` for a project vintage (rules in the module docstring).
    ``provenance`` (e.g. certificate, audit and MassID ids) is stored on the batch, read back with
    :func:`get_batch_provenance`. ``data_set`` must be the project's when given."""
    if credit_type not in CREDIT_TYPES:
        raise ValidationFailed("type", "must be exPost or exAnte")
    if not 1000 <= vintage <= 9999:
        raise ValidationFailed("vintage", "must be a four-digit year")
    if not 0 < amount_kg <= ledger.MAX_KG:
        raise ValidationFailed("amount", f"must be between 1 kg and {ledger.MAX_KG} kg")
    project = _claim_batch(conn, project_id)  # serialises issuance per project
    if data_set is not None and data_set != project["data_set"]:
        raise NotFound(f"Project {project_id} was not found in the {data_set} data set")
    data_set = str(project["data_set"])
    recipient_address = _recipient(conn, data_set, to_organization_id, to_address)
    buffer = 0
    if credit_type == "exAnte":
        verified_kg, ex_ante_kg, converted_kg = _vintage_totals(conn, project_id, vintage)
        estimates = orjson.loads(project["estimates"])
        if str(vintage) not in estimates:
            raise ValidationFailed(
                "vintage", f"project {project['num']} has no estimated mitigations for {vintage}"
            )
        cap = ledger.ex_ante_cap_kg(int(estimates[str(vintage)]), verified_kg)
        outstanding = ex_ante_kg - converted_kg
        if outstanding + amount_kg > cap:
            raise ValidationFailed(
                "amount",
                f"ex-ante cap exceeded: at most {ledger.format_tonnes(cap)} t may be outstanding for"
                f" {vintage} (50 % of estimate − verified ex-post);"
                f" {ledger.format_tonnes(outstanding)} t are",
            )
    else:
        ex_ante_kg, converted_kg = _ex_ante_outstanding(conn, project_id, vintage)
        buffer = ledger.buffer_kg(amount_kg, int(project["buffer_basis_points"]))
    converts = credit_type == "exPost" and ex_ante_kg > converted_kg
    buffer_address = accounts.ensure_account(conn, None, data_set, accounts.BUFFER) if buffer else None
    converted_address = (
        accounts.ensure_account(conn, None, data_set, accounts.CONVERTED) if converts else None
    )
    holders = _ex_ante_holdings(conn, project_id, vintage) if converts else []
    involved = [recipient_address, *[account for account, _, _ in holders]]
    involved += [address for address in (buffer_address, converted_address) if address]
    locked = store.lock_accounts(conn, involved)
    while converts:
        # Re-read the holders under the locks; lock any that appeared meanwhile, until none is missing.
        holders = _ex_ante_holdings(conn, project_id, vintage)
        missing = {account for account, _, _ in holders} - set(locked)
        if not missing:
            break
        locked.update(store.lock_accounts(conn, sorted(missing)))
    recipient = locked.get(recipient_address)
    if recipient is None or recipient.data_set != data_set or recipient.kind not in accounts.LIVE_KINDS:
        if to_organization_id is not None:
            raise ValidationFailed("toOrganizationId", f"organization {to_organization_id} was not found")
        raise ValidationFailed("toAddress", f"no account {to_address} in the {data_set} ledger")
    shares: dict[str, int] = {}
    to_convert = min(sum(kg for _, _, kg in holders), amount_kg - buffer)
    if to_convert:
        shares = ledger.allocate_pro_rata(
            to_convert, [(f"{account}|{batch_id}", kg) for account, batch_id, kg in holders]
        )

    token_id = int(project["batch_count"])  # counted by _claim_batch
    serialization = format_serialization(
        country_code=project["country_code"],
        project_num=int(project["num"]),
        token_id=token_id,
        credit_type=credit_type,
        data_set=data_set,
        vintage=vintage,
    )
    now = now_us()
    batch = BatchInfo(
        id=new_uuid(),
        data_set=data_set,
        credit_type=credit_type,
        vintage=vintage,
        serialization=serialization,
        supply_kg=amount_kg,
        token_id=token_id,
        token_address=project["token_address"],
        project_id=project_id,
        project_num=int(project["num"]),
        project_name=project["full_name"],
    )
    transaction_id = new_uuid()
    provenance_json = dict(provenance or {})
    raw.execute(
        conn,
        _INSERT_BATCH,
        {
            "id": batch.id,
            "project_id": project_id,
            "data_set": data_set,
            "token_address": batch.token_address,
            "token_id": token_id,
            "credit_type": credit_type,
            "vintage": vintage,
            "serialization": serialization,
            "supply_kg": amount_kg,
            "buffer_kg": buffer,
            "transaction_id": transaction_id,
            "monitoring_period_start": monitoring_period_start,
            "monitoring_period_end": monitoring_period_end,
            "provenance": canonical_json(provenance_json).decode(),
            "created_at_us": now,
        },
    )

    posting = Posting(locked, now)
    holder_keys = [f"{account}|{batch_id}" for account, batch_id, _ in holders]
    source_batches = {batch_id for _, batch_id, _ in holders}
    for source_batch in sorted(source_batches):
        # The holders and the converted sink (which may already hold units of this ex-ante batch).
        sending = [account for account, batch_id, _ in holders if batch_id == source_batch]
        assert converted_address is not None
        posting.add_holdings(store.load_holdings(conn, source_batch, [*sending, converted_address]))
    converting = sum(shares.values())
    recipient_kg = amount_kg - buffer - converting
    next_unit = 1
    recipient_ranges: list[Range] = []
    if recipient_kg:
        recipient_ranges = [(1, recipient_kg)]
        posting.credit(recipient_address, batch.id, recipient_ranges, transaction_id, "issue")
        next_unit += recipient_kg
    transactions: list[dict[str, Any]] = []
    conversions: list[ConversionResult] = []
    for key in holder_keys:
        units = shares.get(key, 0)
        if not units:
            continue
        account, source_batch = key.split("|")
        convert_id = new_uuid()
        assert converted_address is not None
        burned = posting.debit(account, source_batch, units, convert_id, "convert")
        posting.credit(converted_address, source_batch, burned, convert_id, "convert")
        received = [(next_unit, next_unit + units - 1)]
        posting.credit(account, batch.id, received, convert_id, "convert")
        next_unit += units
        owner = locked[account].organization_id
        source_token = store.batch_credit_id(conn, source_batch)
        conversions.append(ConversionResult(convert_id, account, owner, units, source_token))
        transactions.append(
            _transaction_row(
                convert_id,
                data_set,
                "convert",
                batch.id,
                units,
                received,
                account,
                account,
                owner,
                owner,
                client_id,
                now,
                source_batch_id=source_batch,
            )
        )
    if buffer:
        assert buffer_address is not None
        posting.credit(buffer_address, batch.id, [(next_unit, amount_kg)], transaction_id, "issue")
    transactions.insert(
        0,
        _transaction_row(
            transaction_id,
            data_set,
            "issue",
            batch.id,
            amount_kg,
            [(1, amount_kg)],
            None,
            recipient_address,
            None,
            recipient.organization_id,
            client_id,
            now,
        ),
    )
    posting.flush(conn, transactions)
    return IssuedBatch(
        batch=batch,
        buffer_kg=buffer,
        transaction_id=transaction_id,
        to_organization_id=recipient.organization_id,
        to_address=recipient_address,
        amount_kg=recipient_kg,
        ranges=recipient_ranges,
        conversions=conversions,
        provenance=provenance_json,
        monitoring_period_start=monitoring_period_start,
        monitoring_period_end=monitoring_period_end,
        created_at_us=now,
    )


def _transaction_row(
    transaction_id: str,
    data_set: str,
    action: str,
    batch_id: str,
    amount_kg: int,
    ranges: list[Range],
    from_account: str | None,
    to_account: str,
    from_organization_id: str | None,
    to_organization_id: str | None,
    client_id: str | None,
    now: int,
    source_batch_id: str | None = None,
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": transaction_id,
        "data_set": data_set,
        "action": action,
        "batch_id": batch_id,
        "source_batch_id": source_batch_id,
        "amount_kg": amount_kg,
        "ranges": format_ranges(ranges),
        "from_account": from_account,
        "to_account": to_account,
        "from_organization_id": from_organization_id,
        "to_organization_id": to_organization_id,
        "retirement_id": None,
        "reason": None,
        "comment": None,
        "beneficiary_name": None,
        "client_id": client_id,
        "created_at_us": now,
    }
    row["tx_hash"] = transaction_hash(row)
    return row


def get_batch_provenance(conn: Connection, credit_id: str) -> dict[str, Any] | None:
    """The provenance stored on a batch at issuance, or None when there is no such credit."""
    token = parse_credit_id(credit_id)
    if token is None:
        return None
    row = conn.execute(
        select(registry_batches.c.provenance, registry_batches.c.credit_type).where(
            registry_batches.c.token_address == token[2], registry_batches.c.token_id == token[1]
        )
    ).first()
    if row is None or row.credit_type != token[0]:
        return None
    result: dict[str, Any] = orjson.loads(row.provenance)
    return result


# -- friendbot ------------------------------------------------------------------------------------------


def ensure_sandbox_project(conn: Connection) -> Mapping[str, Any]:
    return ensure_project(
        conn,
        external_key=SANDBOX_KEY,
        full_name="massledger sandbox",
        methodology="Sandbox (test credits, no real mitigation)",
        country_code="ZZ",
        data_set="TEST",
        description="Test credits handed out by friendbot. They exist only in the TEST ledger.",
    )


def friendbot(conn: Connection, organization_id: str, year: int, client_id: str | None = None) -> IssuedBatch:
    """100 t of fresh exPost test credits (a new sandbox batch) into the organization's TEST default
    account."""
    project = ensure_sandbox_project(conn)
    return issue_credits(
        conn,
        project_id=project["id"],
        vintage=year,
        amount_kg=FRIENDBOT_KG,
        credit_type="exPost",
        to_organization_id=organization_id,
        data_set="TEST",
        provenance={"source": "friendbot"},
        client_id=client_id,
    )
