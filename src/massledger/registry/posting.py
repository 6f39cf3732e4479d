"""The ledger writes of one command. Accounts are locked first; legs are applied in memory to the loaded
holdings (serial ranges split and merged by the pure functions of :mod:`ledger`), each leg appends one
line to its account's hash chain, and :meth:`Posting.flush` writes everything in a few statements."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from massledger.canonical import canonical_json, chain_hash
from massledger.ids import us_to_iso
from massledger.registry import store
from massledger.registry.accounts import TERMINAL_KINDS
from massledger.registry.ledger import Range, count, format_ranges, insert, take_high
from massledger.registry.store import AccountRow, HoldingRow


def journal_record(
    account: str,
    seq: int,
    transaction_id: str,
    action: str,
    batch_id: str,
    delta_kg: int,
    ranges: str,
    at: int,
) -> dict[str, Any]:
    """The hashed content of one journal line (verify recomputes it from the columns)."""
    return {
        "account": account,
        "seq": seq,
        "transactionId": transaction_id,
        "action": action,
        "batchId": batch_id,
        "deltaKg": delta_kg,
        "ranges": ranges,
        "at": us_to_iso(at),
    }


class Posting:
    def __init__(self, accounts: dict[str, AccountRow], now: int) -> None:
        self.accounts = accounts
        self.now = now
        self.holdings: dict[tuple[str, str], HoldingRow] = {}
        self._journal: list[dict[str, Any]] = []
        self._touched: dict[str, AccountRow] = {}
        self._changed: dict[tuple[str, str], HoldingRow] = {}

    def add_holdings(self, holdings: dict[str, HoldingRow]) -> None:
        for holding in holdings.values():
            self.holdings[(holding.account, holding.batch_id)] = holding

    def holding(self, account: str, batch_id: str) -> HoldingRow:
        key = (account, batch_id)
        if key not in self.holdings:
            self.holdings[key] = HoldingRow(account, batch_id, 0, [])
        return self.holdings[key]

    def debit(self, account: str, batch_id: str, units: int, transaction_id: str, action: str) -> list[Range]:
        """Take the ``units`` highest serial units of the holding (the sender keeps the low range)."""
        if self.accounts[account].kind in TERMINAL_KINDS:
            raise AssertionError(f"terminal account {account} cannot send")
        holding = self.holding(account, batch_id)
        kept, taken = take_high(holding.ranges, units)
        holding.ranges = kept
        holding.amount_kg -= units
        self._line(account, batch_id, -units, taken, transaction_id, action)
        return taken

    def credit(
        self, account: str, batch_id: str, ranges: list[Range], transaction_id: str, action: str
    ) -> None:
        holding = self.holding(account, batch_id)
        holding.ranges = insert(holding.ranges, ranges)
        holding.amount_kg += count(ranges)
        self._line(account, batch_id, count(ranges), ranges, transaction_id, action)

    def _line(
        self, account: str, batch_id: str, delta: int, ranges: list[Range], transaction_id: str, action: str
    ) -> None:
        state = self.accounts[account]
        state.entry_count += 1
        text = format_ranges(ranges)
        encoded = canonical_json(
            journal_record(
                account, state.entry_count, transaction_id, action, batch_id, delta, text, self.now
            )
        )
        state.head_hash = chain_hash(state.head_hash, encoded)
        self._journal.append(
            {
                "account": account,
                "seq": state.entry_count,
                "transaction_id": transaction_id,
                "batch_id": batch_id,
                "delta_kg": delta,
                "ranges": text,
                "body": encoded.decode(),
                "hash": state.head_hash,
            }
        )
        self._touched[account] = state
        self._changed[(account, batch_id)] = self.holdings[(account, batch_id)]

    def flush(
        self,
        conn: Connection,
        transactions: list[dict[str, Any]],
        retirements: list[dict[str, Any]] | None = None,
    ) -> None:
        """Write the legs with the command's transactions (and retirements): one round trip on PostgreSQL."""
        store.write_ledger(
            conn,
            list(self._changed.values()),
            self._journal,
            list(self._touched.values()),
            transactions,
            retirements or [],
            self.now,
        )
        self._journal = []
        self._touched = {}
        self._changed = {}
