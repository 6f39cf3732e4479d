"""Scenario 4's data and references: organizations sharing one batch of TEST credits (10 hot holdings),
the plan of transfer and retire actions among them, and the in-process references that run the same
actions without HTTP.

Preparation goes through the registry's own service functions (organizations, clients, a project, one
issuance, transfers), so the ledger is exactly what the server builds. Every organization holds part of
one batch in its default account: the holdings (account, batch) of the 10 default accounts are the hot
rows every action locks (a transfer: the sender's and the next organization's default accounts; a retire:
the sender's default account and its retired sink)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import orjson

from bench.world import World
from massledger.auth import service as client_service
from massledger.auth.keys import load_pepper
from massledger.canonical import canonical_json, sha256_hex
from massledger.db.engine import Database
from massledger.ids import new_uuid, now_us
from massledger.organizations import service as organization_service
from massledger.organizations.schemas import OrganizationCreate
from massledger.registry import accounts, store
from massledger.registry.issuance import ensure_project, issue_credits
from massledger.registry.ledger import format_ranges, parse_ranges, tonnes_to_kg
from massledger.registry.posting import Posting
from massledger.registry.records import retirement_hash, transaction_hash
from massledger.registry.schemas import ActionRequest
from massledger.registry.service import Actor, perform_action
from massledger.registry.store import AccountRow, BatchInfo, HoldingRow

DATA_SET = "TEST"
ACTION_TONNES = 0.001  # 1 kg per action: balances stay far from zero for any run length
PATH = "/organizations/{id}/inventory/action/{2}"


@dataclass
class HotSet:
    """Organizations holding one batch, with a TEST client each."""

    organizations: list[str]
    clients: list[tuple[str, str]]  # (client id, secret), one per organization
    credit_id: str
    batch_id: str

    def rows(self, tokens: list[str] | None = None) -> list[str]:
        """Plan rows ``organization \\t action \\t token \\t body \\t client id``: every organization
        transfers 1 kg to the next one, then every organization retires 1 kg (20 rows, cycled)."""
        count = len(self.organizations)
        made = []
        for action in ("transfer", "retire"):
            for index, organization in enumerate(self.organizations):
                body: dict[str, Any] = {"creditId": self.credit_id, "amount": ACTION_TONNES}
                if action == "transfer":
                    body["toOrganizationId"] = self.organizations[(index + 1) % count]
                else:
                    body["retirementData"] = {"reason": "Benchmark", "beneficiaryName": "Bench Beneficiary"}
                token = tokens[index] if tokens else "-"
                fields = (organization, action, token, orjson.dumps(body).decode(), self.clients[index][0])
                made.append("\t".join(fields))
        return made


def prepare(world: World, tag: str, count: int = 10, tonnes_each: int = 1000) -> HotSet:
    """``count`` organizations (a TEST client each) holding ``tonnes_each`` t of one exPost batch."""
    database = Database(world.database_url)
    pepper = load_pepper(world.data_dir, None)
    try:

        def make(conn: Any) -> HotSet:
            organizations, clients = [], []
            for index in range(count):
                row, _ = organization_service.create_organization(
                    conn, OrganizationCreate(fullName=f"Bench {tag} holder {index}")
                )
                organizations.append(str(row["id"]))
                created = client_service.create_client(conn, pepper, str(row["id"]), DATA_SET, None, "bench")
                clients.append((created.client_id, created.client_secret))
            project = ensure_project(
                conn,
                external_key=f"bench:registry:{tag}:{uuid.uuid4()}",
                full_name=f"Bench registry {tag}",
                methodology="Benchmark",
                country_code="BR",
                data_set=DATA_SET,
            )
            issued = issue_credits(
                conn,
                project_id=str(project["id"]),
                vintage=2024,
                amount_kg=count * tonnes_each * 1000,
                credit_type="exPost",
                to_organization_id=organizations[0],
                data_set=DATA_SET,
            )
            first = Actor(organizations[0], DATA_SET, clients[0][0])
            for organization in organizations[1:]:
                request = ActionRequest(
                    creditId=issued.credit_id, amount=tonnes_each, toOrganizationId=organization
                )
                perform_action(conn, first, "transfer", request)
            return HotSet(organizations, clients, issued.credit_id, issued.batch.id)

        hot: HotSet = database.run_write(make)
        return hot
    finally:
        database.dispose_sync()


def count_actions(database_url: str, organizations: list[str]) -> int:
    """Transfers and retirements the organizations made (the preparation's transfers excluded by the
    caller, who counts them before)."""
    from sqlalchemy import text

    database = Database(database_url)
    try:
        with database.read_engine.connect() as conn:
            params = {f"o{i}": organization for i, organization in enumerate(organizations)}
            names = ", ".join(f":o{i}" for i in range(len(organizations)))
            return int(
                conn.execute(
                    text(
                        "SELECT count(*) FROM registry_transactions WHERE action IN ('transfer', 'retire')"
                        f" AND from_organization_id IN ({names})"
                    ),
                    params,
                ).scalar_one()
            )
    finally:
        database.dispose_sync()


def verify(database_url: str) -> dict[str, Any]:
    """The registry's own verifier on every row (chains, holdings = journal replay, conservation per
    batch, disjoint serial ranges, transaction and retirement hashes)."""
    from massledger.registry.verify import verify_registry

    database = Database(database_url)
    try:
        with database.read_engine.connect() as conn:
            checked, problems = verify_registry(conn)
    finally:
        database.dispose_sync()
    return {
        "checked": checked,
        "violations": len(problems),
        "problems": [problem.as_json() for problem in problems[:5]],
    }


@dataclass(frozen=True)
class _Row:
    organization: str
    action: str
    body: bytes
    client_id: str


def _parse(rows: list[str]) -> list[_Row]:
    parsed = []
    for line in rows:
        organization, action, _token, body, client_id = line.split("\t")
        parsed.append(_Row(organization, action, body.encode(), client_id))
    return parsed


class MassledgerActions:
    """massledger in-process: the same Pydantic request model and ``perform_action`` in one transaction,
    with an Idempotency-Key per action as the HTTP plan sends; no HTTP."""

    def __init__(self, world: World, rows: list[str]) -> None:
        self.rows = _parse(rows)
        self.database = Database(world.database_url)
        self.prefix = f"ref-{uuid.uuid4()}"

    def op(self, k: int) -> int:
        row = self.rows[k % len(self.rows)]
        request = ActionRequest.model_validate_json(row.body)
        actor = Actor(row.organization, DATA_SET, row.client_id)
        self.database.run_write(perform_action, actor, row.action, request, f"{self.prefix}-{k}")
        return 1

    def close(self) -> None:
        self.database.dispose_sync()


class RawActions:
    """The bare driver (``sqlite3`` / ``psycopg``) running the statements of the action path in its
    transaction shape: claim the Idempotency-Key, lock the two accounts and read their holdings
    (PostgreSQL: the ``registry_lock_and_read`` function; SQLite: ``BEGIN IMMEDIATE`` and two SELECTs),
    write holdings, journal lines, account heads, the transaction (and the retirement) — on PostgreSQL the
    server's one CTE statement, on SQLite one executemany per table — and commit. The rows are computed by
    massledger's pure functions (serial ranges, journal hash chain, transaction and retirement hashes), so
    the registry verifier accepts them; no Pydantic, no SQLAlchemy, no HTTP."""

    def __init__(self, world: World, rows: list[str]) -> None:
        from bench.drivers import connect

        self.backend, self.conn = connect(world)
        self.rows = _parse(rows)
        self.prefix = f"raw-{uuid.uuid4()}"
        dialect = self.backend
        self.claim = _sql(store._CLAIM, dialect)
        self.lock_accounts = _sql(store._lock_accounts_sql(2, False), dialect)
        self.holdings = _sql(store._holdings_sql(2), dialect)
        self.lock_and_read = _sql(store._LOCK_AND_READ, dialect)
        self.batches: dict[str, BatchInfo] = {}
        self.requests = [self._request(row) for row in self.rows]

    def _request(self, row: _Row) -> dict[str, Any]:
        body = orjson.loads(row.body)
        data = body.get("retirementData")
        normalized = {
            "action": row.action,
            "creditId": body["creditId"],
            "amountKg": tonnes_to_kg(body["amount"]),
            "toOrganizationId": body.get("toOrganizationId"),
            "toAddress": None,
            "fromAddress": None,
            "retirementData": {
                "reason": data["reason"],
                "beneficiaryName": data["beneficiaryName"],
                "comment": None,
            }
            if data
            else None,
        }
        return {
            "body": body,
            "amount_kg": normalized["amountKg"],
            "request_hash": sha256_hex(canonical_json(normalized)),
        }

    def _batch(self, credit_id: str) -> BatchInfo:
        batch = self.batches.get(credit_id)
        if batch is None:
            _type, token_id, token_address = credit_id.split("-", 2)
            cursor = self.conn.cursor()
            cursor.execute(
                _sql(store._FIND_BATCH, self.backend),
                {"token_address": token_address, "token_id": int(token_id)},
            )
            batch = self.batches[credit_id] = store.batch_from_row(cursor.fetchone())
            if self.backend == "postgresql":
                self.conn.commit()
        return batch

    def op(self, k: int) -> int:
        row, request = self.rows[k % len(self.rows)], self.requests[k % len(self.rows)]
        body = request["body"]
        batch = self._batch(body["creditId"])
        now, transaction_id = now_us(), new_uuid()
        sender = accounts.default_address(row.organization, DATA_SET)
        if row.action == "transfer":
            receiver = accounts.default_address(body["toOrganizationId"], DATA_SET)
        else:
            receiver = accounts.sink_address(row.organization, DATA_SET, accounts.RETIRED)
        cursor = self.conn.cursor()
        if self.backend == "sqlite":
            cursor.execute("BEGIN IMMEDIATE")
        key = {"organization_id": row.organization, "data_set": DATA_SET, "key": f"{self.prefix}-{k}"}
        cursor.execute(
            self.claim,
            {
                **key,
                "request_hash": request["request_hash"],
                "transaction_id": transaction_id,
                "created_at_us": now,
            },
        )
        assert cursor.fetchone() is not None
        unique = sorted({sender, receiver})
        if self.backend == "postgresql":
            cursor.execute(self.lock_and_read, {"addresses": unique, "batch_id": batch.id})
            found = cursor.fetchall()
            locked = {r[0]: AccountRow(*r[:7]) for r in found}
            holdings = {a: HoldingRow(a, batch.id, 0, []) for a in unique}
            for r in found:
                if r[7] is not None:
                    holdings[r[0]] = HoldingRow(r[0], batch.id, int(r[7]), parse_ranges(r[8]))
        else:
            params = {f"a{i}": address for i, address in enumerate(unique)}
            cursor.execute(self.lock_accounts, params)
            locked = {r[0]: AccountRow(*r) for r in cursor.fetchall()}
            cursor.execute(self.holdings, {**params, "batch_id": batch.id})
            holdings = {a: HoldingRow(a, batch.id, 0, []) for a in unique}
            for account, batch_id, amount, ranges in cursor.fetchall():
                holdings[account] = HoldingRow(account, batch_id, amount, parse_ranges(ranges))
        amount = request["amount_kg"]
        assert holdings[sender].amount_kg >= amount, "a hot holding ran dry"
        posting = Posting(locked, now)
        posting.add_holdings(holdings)
        ranges = posting.debit(sender, batch.id, amount, transaction_id, row.action)
        posting.credit(receiver, batch.id, ranges, transaction_id, row.action)
        data = body.get("retirementData")
        retirement_id = new_uuid() if row.action == "retire" else None
        transaction: dict[str, Any] = {
            "id": transaction_id,
            "data_set": DATA_SET,
            "action": row.action,
            "batch_id": batch.id,
            "source_batch_id": None,
            "amount_kg": amount,
            "ranges": format_ranges(ranges),
            "from_account": sender,
            "to_account": receiver,
            "from_organization_id": row.organization,
            "to_organization_id": locked[receiver].organization_id,
            "retirement_id": retirement_id,
            "reason": data["reason"] if data else None,
            "comment": None,
            "beneficiary_name": data["beneficiaryName"] if data else None,
            "client_id": row.client_id,
            "created_at_us": now,
        }
        transaction["tx_hash"] = transaction_hash(transaction)
        retirements: list[dict[str, Any]] = []
        if retirement_id is not None:
            retirement = {
                "id": retirement_id,
                "transaction_id": transaction_id,
                "data_set": DATA_SET,
                "organization_id": row.organization,
                "acting_organization_id": row.organization,
                "batch_id": batch.id,
                "amount_kg": amount,
                "ranges": transaction["ranges"],
                "beneficiary_name": data["beneficiaryName"],
                "reason": data["reason"],
                "comment": None,
                "created_at_us": now,
            }
            retirement["verification_hash"] = retirement_hash(retirement, batch.serialization)
            retirements.append(retirement)
        self._write(cursor, posting, [transaction], retirements, now)
        if self.backend == "sqlite":
            cursor.execute("COMMIT")
        else:
            self.conn.commit()
        return 1

    def _write(
        self,
        cursor: Any,
        posting: Posting,
        transactions: list[dict[str, Any]],
        retirements: list[dict[str, Any]],
        now: int,
    ) -> None:
        """The rows :func:`massledger.registry.store.write_ledger` writes, with its statements."""
        holding_rows = [
            {
                "account": h.account,
                "batch_id": h.batch_id,
                "amount_kg": h.amount_kg,
                "ranges": format_ranges(h.ranges),
                "updated_at_us": now,
            }
            for h in posting._changed.values()
        ]
        heads = [
            {"address": a.address, "entry_count": a.entry_count, "head_hash": a.head_hash}
            for a in posting._touched.values()
        ]
        tables: list[list[dict[str, Any]]] = [
            holding_rows,
            posting._journal,
            heads,
            transactions,
            retirements,
        ]
        present = tuple(bool(rows) for rows in tables)
        for index, statement in store._write_sql(self.backend, present):
            text = statement.for_dialect(self.backend)
            if index < 0:
                cursor.execute(
                    text, {f"rows{i}": orjson.dumps(rows).decode() for i, rows in enumerate(tables) if rows}
                )
            else:
                cursor.executemany(text, tables[index])

    def close(self) -> None:
        self.conn.close()


def _sql(statement: Any, backend: str) -> str:
    return str(statement.for_dialect(backend))
