"""Registry actions (transfer, retire, transfer_retire, cancel): one DB transaction each, all or nothing.

Flow of an action: validate the request (pure), claim the Idempotency-Key, find the batch, lock the two
accounts in ascending address order, load both holdings, move the highest serial units of the sender to
the receiver (the sender keeps the low range), append one journal line per account, record the
transaction (and the retirement). A refused action raises before anything is written."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from massledger.canonical import canonical_json, sha256_hex
from massledger.errors import Conflict, ValidationFailed
from massledger.ids import new_uuid, now_us
from massledger.registry import accounts, store
from massledger.registry.ledger import AmountError, format_ranges, format_tonnes, tonnes_to_kg
from massledger.registry.posting import Posting
from massledger.registry.queries import TransactionView, load_transaction
from massledger.registry.records import retirement_hash, transaction_hash
from massledger.registry.schemas import ActionRequest
from massledger.registry.serials import is_address, parse_credit_id
from massledger.registry.store import AccountRow

RETIRING = ("retire", "transfer_retire")
TARGETED = ("transfer", "transfer_retire")


@dataclass(frozen=True)
class Actor:
    """Who acts: an organization in one data set (the ledger the action runs on)."""

    organization_id: str
    data_set: str
    client_id: str | None = None


@dataclass(frozen=True)
class _Checked:
    amount_kg: int
    token: tuple[str, int, str]
    request_hash: str


def _check_request(action: str, request: ActionRequest) -> _Checked:
    """Everything that can be refused without the database."""
    try:
        amount_kg = tonnes_to_kg(request.amount)
    except AmountError as exc:
        raise ValidationFailed("amount", str(exc)) from exc
    targets = [request.toOrganizationId is not None, request.toAddress is not None]
    if action in TARGETED and sum(targets) != 1:
        raise ValidationFailed(
            "toOrganizationId", f"exactly one of toOrganizationId or toAddress is required for {action}"
        )
    if action not in TARGETED and any(targets):
        field = "toOrganizationId" if targets[0] else "toAddress"
        raise ValidationFailed(field, f"not allowed for {action} (use transfer or transfer_retire)")
    data = request.retirementData
    if action in RETIRING:
        if data is None or not data.beneficiaryName or not data.reason:
            missing = "beneficiaryName" if data is None or not data.beneficiaryName else "reason"
            raise ValidationFailed(f"retirementData.{missing}", f"is required for {action}")
    elif data is not None:
        raise ValidationFailed(
            "retirementData", f"only retire and transfer_retire take retirementData, not {action}"
        )
    for field in ("toAddress", "fromAddress"):
        value = getattr(request, field)
        if value is not None and not is_address(value):
            raise ValidationFailed(field, "must be an account address: 0x and 40 lowercase hex digits")
    token = parse_credit_id(request.creditId)
    if token is None:
        raise ValidationFailed("creditId", f"credit {request.creditId} was not found")
    normalized = {
        "action": action,
        "creditId": request.creditId,
        "amountKg": amount_kg,
        "toOrganizationId": request.toOrganizationId,
        "toAddress": request.toAddress,
        "fromAddress": request.fromAddress,
        "retirementData": data.model_dump() if data is not None else None,
    }
    return _Checked(amount_kg, token, sha256_hex(canonical_json(normalized)))


def _target_address(conn: Connection, actor: Actor, action: str, request: ActionRequest) -> str:
    data_set = actor.data_set
    if action == "retire":
        return accounts.sink_address(actor.organization_id, data_set, accounts.RETIRED)
    if action == "cancel":
        return accounts.sink_address(actor.organization_id, data_set, accounts.CANCELLED)
    if request.toOrganizationId is not None:
        if action == "transfer":
            return accounts.default_address(request.toOrganizationId, data_set)
        return accounts.sink_address(request.toOrganizationId, data_set, accounts.RETIRED)
    assert request.toAddress is not None
    if action == "transfer":
        return request.toAddress
    # transfer_retire to an address: the units retire in the name of the organization owning it.
    owner = store.get_account(conn, request.toAddress)
    if owner is None or owner.data_set != data_set or owner.kind not in accounts.LIVE_KINDS:
        raise ValidationFailed("toAddress", f"no account {request.toAddress} in the {data_set} ledger")
    assert owner.organization_id is not None
    return accounts.sink_address(owner.organization_id, data_set, accounts.RETIRED)


def _check_accounts(
    actor: Actor, action: str, request: ActionRequest, sender: AccountRow | None, receiver: AccountRow | None
) -> tuple[AccountRow, AccountRow]:
    data_set = actor.data_set
    if (
        sender is None
        or sender.organization_id != actor.organization_id
        or sender.data_set != data_set
        or sender.kind not in accounts.LIVE_KINDS
    ):
        if request.fromAddress is None:
            raise ValidationFailed("", f"your organization has no default account in the {data_set} ledger")
        raise ValidationFailed(
            "fromAddress",
            f"{request.fromAddress} is not an account of your organization in the {data_set} ledger",
        )
    if receiver is None or receiver.data_set != data_set:
        if request.toOrganizationId is not None:
            raise ValidationFailed(
                "toOrganizationId", f"organization {request.toOrganizationId} was not found"
            )
        raise ValidationFailed("toAddress", f"no account {request.toAddress} in the {data_set} ledger")
    if action == "transfer" and receiver.kind not in accounts.LIVE_KINDS:
        raise ValidationFailed("toAddress", f"{request.toAddress} does not accept transfers")
    if receiver.address == sender.address:
        raise ValidationFailed("toAddress", "the receiving account is the sending account")
    return sender, receiver


def perform_action(
    conn: Connection, actor: Actor, action: str, request: ActionRequest, idempotency_key: str | None = None
) -> tuple[TransactionView, bool]:
    """Run one action; returns the transaction and whether it is the replay of an earlier request."""
    checked = _check_request(action, request)
    now = now_us()
    transaction_id = new_uuid()
    if idempotency_key is not None:
        key = {"organization_id": actor.organization_id, "data_set": actor.data_set, "key": idempotency_key}
        claimed = store.claim_idempotency(conn, key, checked.request_hash, transaction_id, now)
        if claimed is not None:
            if claimed[0] != checked.request_hash:
                raise Conflict("Idempotency-Key: already used by your organization for a different request")
            view = load_transaction(conn, claimed[1])
            assert view is not None
            return view, True
    credit_type, token_id, token_address = checked.token
    batch = store.find_batch(conn, token_address, token_id)
    if batch is None or batch.data_set != actor.data_set or batch.credit_type != credit_type:
        raise ValidationFailed(
            "creditId", f"credit {request.creditId} was not found in the {actor.data_set} ledger"
        )
    if action in RETIRING and batch.credit_type == "exAnte":
        raise ValidationFailed(
            "creditId",
            "exAnte credits cannot be retired; they convert to exPost when the vintage is verified",
        )
    sender_address = request.fromAddress or accounts.default_address(actor.organization_id, actor.data_set)
    receiver_address = _target_address(conn, actor, action, request)
    locked, holdings = store.lock_and_load(conn, batch.id, [sender_address, receiver_address])
    sender, receiver = _check_accounts(
        actor, action, request, locked.get(sender_address), locked.get(receiver_address)
    )
    available = holdings[sender.address].amount_kg
    if checked.amount_kg > available:
        raise ValidationFailed(
            "amount",
            f"insufficient credits: requested {format_tonnes(checked.amount_kg)} t of {request.creditId},"
            f" available {format_tonnes(available)} t",
        )
    posting = Posting(locked, now)
    posting.add_holdings(holdings)
    ranges = posting.debit(sender.address, batch.id, checked.amount_kg, transaction_id, action)
    posting.credit(receiver.address, batch.id, ranges, transaction_id, action)

    data = request.retirementData
    retirement_id = new_uuid() if action in RETIRING else None
    row: dict[str, Any] = {
        "id": transaction_id,
        "data_set": actor.data_set,
        "action": action,
        "batch_id": batch.id,
        "source_batch_id": None,
        "amount_kg": checked.amount_kg,
        "ranges": format_ranges(ranges),
        "from_account": sender.address,
        "to_account": receiver.address,
        "from_organization_id": actor.organization_id,
        "to_organization_id": receiver.organization_id,
        "retirement_id": retirement_id,
        "reason": data.reason if data else None,
        "comment": data.comment if data else None,
        "beneficiary_name": data.beneficiaryName if data else None,
        "client_id": actor.client_id,
        "created_at_us": now,
    }
    row["tx_hash"] = transaction_hash(row)
    retirements: list[dict[str, Any]] = []
    if retirement_id is not None:
        assert data is not None and receiver.organization_id is not None
        retirement: dict[str, Any] = {
            "id": retirement_id,
            "transaction_id": transaction_id,
            "data_set": actor.data_set,
            "organization_id": receiver.organization_id,
            "acting_organization_id": actor.organization_id,
            "batch_id": batch.id,
            "amount_kg": checked.amount_kg,
            "ranges": row["ranges"],
            "beneficiary_name": data.beneficiaryName,
            "reason": data.reason,
            "comment": data.comment,
            "created_at_us": now,
        }
        retirement["verification_hash"] = retirement_hash(retirement, batch.serialization)
        retirements.append(retirement)
    posting.flush(conn, [row], retirements)
    return TransactionView(row, batch), False
