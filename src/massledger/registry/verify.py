"""Registry invariants, checked by `massledger verify` from the stored rows:

- chains: every account's journal is contiguous and hash-chained from its creation record;
- holdings: replaying the journal gives exactly the stored holdings (amount and serial ranges), a holding
  never goes negative and never gives away units it does not hold, terminal sinks never send;
- conservation per batch: issued = Σ holdings (live + retired + cancelled + buffer + converted);
- serials: the live ranges of a batch are disjoint and cover exactly 1..supply; serializations parse back;
- transactions: txId recomputes, transfers/retirements/cancellations balance (two legs, sum zero);
- retirements: the certificate's verification hash recomputes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

import orjson
from sqlalchemy import Connection, RowMapping, func, select

from massledger.canonical import chain_hash
from massledger.registry.accounts import GENESIS, TERMINAL_KINDS
from massledger.registry.ledger import Range, count, format_ranges, parse_ranges, subtract, union
from massledger.registry.records import retirement_hash, transaction_hash
from massledger.registry.serials import SerializationError, parse_serialization
from massledger.registry.tables import (
    registry_accounts,
    registry_batches,
    registry_holdings,
    registry_journal,
    registry_projects,
    registry_retirements,
    registry_transactions,
)
from massledger.traceability.verify import Problem

PAGE = 500
MOVEMENTS = ("transfer", "retire", "transfer_retire", "cancel")


def count_accounts(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(registry_accounts)).scalar_one())


def _pages(conn: Connection, table: Any, key: Any) -> Iterator[list[RowMapping]]:
    last = ""
    while True:
        rows = list(conn.execute(select(table).where(key > last).order_by(key).limit(PAGE)).mappings())
        if not rows:
            return
        yield rows
        last = rows[-1][key.name]


def _replay(account: RowMapping, lines: list[RowMapping]) -> tuple[dict[str, list[Range]], Problem | None]:
    """Replay one account's chain: its holdings per batch, or the first problem."""
    address = account["address"]
    subject = f"account {address}"
    try:
        record = orjson.loads(account["body"])
    except orjson.JSONDecodeError:
        return {}, Problem("registry.chain", subject, "creation record is not valid JSON")
    expected = {
        "address": address,
        "organizationId": account["organization_id"],
        "dataSetName": account["data_set"],
        "kind": account["kind"],
        "name": account["name"],
    }
    if any(record.get(key) != value for key, value in expected.items()):
        return {}, Problem("registry.chain", subject, "columns differ from the account's creation record")
    head = chain_hash(GENESIS, account["body"].encode())
    held: dict[str, list[Range]] = defaultdict(list)
    for seq, line in enumerate(lines, start=1):
        where = f"account {address} journal #{line['seq']} (transaction {line['transaction_id']})"
        if line["seq"] != seq:
            return held, Problem("registry.chain", where, f"sequence gap: expected #{seq}")
        head = chain_hash(head, line["body"].encode())
        if head != line["hash"]:
            return held, Problem("registry.chain", where, "hash does not match its content and predecessor")
        body = orjson.loads(line["body"])
        if (
            body.get("account") != address
            or body.get("seq") != line["seq"]
            or body.get("transactionId") != line["transaction_id"]
            or body.get("batchId") != line["batch_id"]
            or body.get("deltaKg") != line["delta_kg"]
            or body.get("ranges") != line["ranges"]
        ):
            return held, Problem("registry.chain", where, "indexed columns differ from the hashed entry")
        ranges = parse_ranges(line["ranges"])
        delta = int(line["delta_kg"])
        if count(ranges) != abs(delta) or delta == 0:
            return held, Problem("registry.chain", where, f"{delta} kg but ranges {line['ranges']}")
        batch = line["batch_id"]
        if delta > 0:
            try:
                held[batch] = union(held[batch], ranges)
            except ValueError as exc:
                return held, Problem("registry.serials", where, f"receives units it already holds: {exc}")
        else:
            if account["kind"] in TERMINAL_KINDS:
                return held, Problem("registry.terminal", where, f"a {account['kind']} sink sent units")
            try:
                held[batch] = subtract(held[batch], ranges)
            except ValueError as exc:
                return held, Problem("registry.negative", where, f"sends units it does not hold: {exc}")
    if head != account["head_hash"] or len(lines) != account["entry_count"]:
        return held, Problem("registry.chain", subject, "head hash or entry count differs from the journal")
    return held, None


def _check_accounts(
    conn: Connection, progress: Callable[[int], None] | None
) -> tuple[int, int, list[Problem]]:
    problems: list[Problem] = []
    accounts_checked = lines_checked = 0
    for page in _pages(conn, registry_accounts, registry_accounts.c.address):
        addresses = [row["address"] for row in page]
        journal: dict[str, list[RowMapping]] = defaultdict(list)
        query = (
            select(registry_journal)
            .where(registry_journal.c.account.in_(addresses))
            .order_by(registry_journal.c.account, registry_journal.c.seq)
        )
        for line in conn.execute(query).mappings():
            journal[line["account"]].append(line)
        stored: dict[str, dict[str, RowMapping]] = defaultdict(dict)
        for holding in conn.execute(
            select(registry_holdings).where(registry_holdings.c.account.in_(addresses))
        ).mappings():
            stored[holding["account"]][holding["batch_id"]] = holding
        for account in page:
            address = account["address"]
            held, problem = _replay(account, journal[address])
            accounts_checked += 1
            lines_checked += len(journal[address])
            if problem is not None:
                problems.append(problem)
                continue
            for batch in sorted(set(held) | set(stored[address])):
                replayed = held.get(batch, [])
                row = stored[address].get(batch)
                amount = int(row["amount_kg"]) if row else 0
                subject = f"holding of account {address} in batch {batch}"
                if amount < 0:
                    problems.append(Problem("registry.negative", subject, f"negative amount {amount} kg"))
                elif row is None and replayed:
                    problems.append(
                        Problem("registry.holding", subject, "missing, but the journal gives units")
                    )
                elif row is not None and (
                    amount != count(replayed) or row["ranges"] != format_ranges(replayed)
                ):
                    problems.append(
                        Problem(
                            "registry.holding",
                            subject,
                            f"stores {amount} kg [{row['ranges']}] but the journal gives"
                            f" {count(replayed)} kg [{format_ranges(replayed)}]",
                        )
                    )
        if progress is not None:
            progress(len(page))
    return accounts_checked, lines_checked, problems


def _check_batches(conn: Connection) -> tuple[int, list[Problem]]:
    problems: list[Problem] = []
    checked = 0
    projects = {
        row.id: row
        for row in conn.execute(
            select(registry_projects.c.id, registry_projects.c.num, registry_projects.c.country_code)
        )
    }
    for page in _pages(conn, registry_batches, registry_batches.c.id):
        ids = [row["id"] for row in page]
        holdings: dict[str, list[tuple[str, int, str]]] = defaultdict(list)
        query = (
            select(
                registry_holdings.c.batch_id,
                registry_holdings.c.amount_kg,
                registry_holdings.c.ranges,
                registry_accounts.c.kind,
            )
            .select_from(
                registry_holdings.join(
                    registry_accounts, registry_accounts.c.address == registry_holdings.c.account
                )
            )
            .where(registry_holdings.c.batch_id.in_(ids))
        )
        for row in conn.execute(query):
            holdings[row.batch_id].append((row.kind, int(row.amount_kg), row.ranges))
        for batch in page:
            checked += 1
            subject = f"batch {batch['serialization']} ({batch['id']})"
            supply = int(batch["supply_kg"])
            by_kind: dict[str, int] = defaultdict(int)
            covered: list[Range] = []
            overlap = None
            for kind, amount, ranges in holdings[batch["id"]]:
                by_kind[kind] += amount
                try:
                    covered = union(covered, parse_ranges(ranges))
                except ValueError as exc:
                    overlap = str(exc)
            total = sum(by_kind.values())
            if total != supply:
                parts = ", ".join(f"{kind} {kg}" for kind, kg in sorted(by_kind.items()))
                problems.append(
                    Problem(
                        "registry.conservation",
                        subject,
                        f"issued {supply} kg but holdings sum to {total} kg ({parts})",
                    )
                )
            elif overlap is not None:
                problems.append(
                    Problem("registry.serials", subject, f"live serial ranges overlap: {overlap}")
                )
            elif supply and covered != [(1, supply)]:
                problems.append(
                    Problem(
                        "registry.serials",
                        subject,
                        f"live serial ranges {format_ranges(covered)} do not cover 1-{supply}",
                    )
                )
            try:
                parsed = parse_serialization(batch["serialization"])
                project = projects.get(batch["project_id"])
                if project is None or (
                    parsed.project_num,
                    parsed.token_id,
                    parsed.credit_type,
                    parsed.vintage,
                    parsed.data_set,
                    parsed.country_code,
                ) != (
                    int(project.num),
                    int(batch["token_id"]),
                    batch["credit_type"],
                    int(batch["vintage"]),
                    batch["data_set"],
                    project.country_code,
                ):
                    problems.append(
                        Problem("registry.serials", subject, "serialization does not match the batch")
                    )
            except SerializationError as exc:
                problems.append(Problem("registry.serials", subject, str(exc)))
    return checked, problems


def _check_transactions(conn: Connection) -> tuple[int, list[Problem]]:
    problems: list[Problem] = []
    checked = 0
    journal = registry_journal.c
    for page in _pages(conn, registry_transactions, registry_transactions.c.id):
        legs = {
            row.transaction_id: (int(row.total), int(row.lines), int(row.moved))
            for row in conn.execute(
                select(
                    journal.transaction_id,
                    func.sum(journal.delta_kg).label("total"),
                    func.count().label("lines"),
                    func.max(journal.delta_kg).label("moved"),
                )
                .where(journal.transaction_id.in_([row["id"] for row in page]))
                .group_by(journal.transaction_id)
            )
        }
        for row in page:
            checked += 1
            subject = f"transaction {row['id']} ({row['action']})"
            if transaction_hash(row) != row["tx_hash"]:
                problems.append(
                    Problem("registry.transaction", subject, "txId does not match its record (edited)")
                )
            elif row["action"] in MOVEMENTS and legs.get(row["id"]) != (0, 2, row["amount_kg"]):
                problems.append(
                    Problem(
                        "registry.transaction",
                        subject,
                        f"journal legs {legs.get(row['id'])} do not move {row['amount_kg']} kg",
                    )
                )
    return checked, problems


def _check_retirements(conn: Connection) -> tuple[int, list[Problem]]:
    problems: list[Problem] = []
    checked = 0
    retirements = registry_retirements.c
    query = select(registry_retirements, registry_batches.c.serialization).select_from(
        registry_retirements.join(registry_batches, registry_batches.c.id == retirements.batch_id)
    )
    last = ""
    while rows := list(
        conn.execute(query.where(retirements.id > last).order_by(retirements.id).limit(PAGE)).mappings()
    ):
        for row in rows:
            checked += 1
            if retirement_hash(row, row["serialization"]) != row["verification_hash"]:
                problems.append(
                    Problem(
                        "registry.retirement",
                        f"retirement {row['id']}",
                        "verification hash does not match its record",
                    )
                )
        last = rows[-1]["id"]
    return checked, problems


def verify_registry(
    conn: Connection, progress: Callable[[int], None] | None = None
) -> tuple[dict[str, int], list[Problem]]:
    accounts_checked, lines, problems = _check_accounts(conn, progress)
    batches, batch_problems = _check_batches(conn)
    transactions, transaction_problems = _check_transactions(conn)
    retirements, retirement_problems = _check_retirements(conn)
    checked = {
        "accounts": accounts_checked,
        "journal entries": lines,
        "batches": batches,
        "transactions": transactions,
        "retirements": retirements,
    }
    return checked, problems + batch_problems + transaction_problems + retirement_problems
