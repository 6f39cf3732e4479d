"""The hashed records of transactions and retirements: built from the stored columns both when writing
and when `massledger verify` checks them, so the two can never drift apart."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from massledger.canonical import canonical_json, sha256_hex
from massledger.ids import us_to_iso


def transaction_record(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "dataSetName": row["data_set"],
        "action": row["action"],
        "batchId": row["batch_id"],
        "sourceBatchId": row["source_batch_id"],
        "amountKg": row["amount_kg"],
        "ranges": row["ranges"],
        "fromAccount": row["from_account"],
        "toAccount": row["to_account"],
        "fromOrganizationId": row["from_organization_id"],
        "toOrganizationId": row["to_organization_id"],
        "retirementId": row["retirement_id"],
        "reason": row["reason"],
        "comment": row["comment"],
        "beneficiaryName": row["beneficiary_name"],
        "clientId": row["client_id"],
        "createdAt": us_to_iso(row["created_at_us"]),
    }


def transaction_hash(row: Mapping[Any, Any]) -> str:
    """The transaction's ``txId``: 0x + sha256 of its canonical record."""
    return "0x" + sha256_hex(canonical_json(transaction_record(row)))


def retirement_record(row: Mapping[Any, Any], serialization: str) -> dict[str, Any]:
    """What a retirement certificate attests. Its sha256 is the certificate's verification hash; the
    retirements API returns every field, so anyone can recompute it (docs/registry.md)."""
    return {
        "id": row["id"],
        "transactionId": row["transaction_id"],
        "dataSetName": row["data_set"],
        "organizationId": row["organization_id"],
        "actingOrganizationId": row["acting_organization_id"],
        "serialization": serialization,
        "amountKg": row["amount_kg"],
        "serialRanges": row["ranges"],
        "beneficiaryName": row["beneficiary_name"],
        "reason": row["reason"],
        "comment": row["comment"],
        "retiredAt": us_to_iso(row["created_at_us"]),
    }


def retirement_hash(row: Mapping[Any, Any], serialization: str) -> str:
    return sha256_hex(canonical_json(retirement_record(row, serialization)))
