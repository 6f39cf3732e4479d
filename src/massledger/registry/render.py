"""API shapes of registry objects (ICR seed 003 field names), as plain dicts ready for orjson."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from massledger.ids import us_to_iso
from massledger.registry.issuance import IssuedBatch
from massledger.registry.ledger import kg_to_tonnes, parse_ranges
from massledger.registry.queries import Holding, TransactionView
from massledger.registry.records import retirement_record
from massledger.registry.store import BatchInfo

REGISTRY_NAME = "massledger"


def _base(public_url: str) -> str:
    return public_url.rstrip("/")


def range_list(text: str) -> list[str]:
    return [f"{first}-{last}" for first, last in parse_ranges(text)]


def project_ref(public_url: str, project_id: str, full_name: str, num: int) -> dict[str, str]:
    base = _base(public_url)
    return {
        "id": project_id,
        "fullName": full_name,
        "url": f"{base}/projects/{project_id}",
        "publicUrl": f"{base}/explore/projects/{project_id}",
        "num": str(num),
    }


def _batch_project(public_url: str, batch: BatchInfo) -> dict[str, str]:
    return project_ref(public_url, batch.project_id, batch.project_name, batch.project_num)


def transaction(public_url: str, view: TransactionView) -> dict[str, Any]:
    row, batch = view.row, view.batch
    created = us_to_iso(row["created_at_us"])
    amount = kg_to_tonnes(row["amount_kg"])
    return {
        "action": row["action"],
        "type": batch.credit_type,
        "id": row["id"],
        "toAddress": row["to_account"],
        "createdAt": created,
        "updatedAt": created,
        "tokenId": str(batch.token_id),
        "tokenAddress": batch.token_address,
        "creditId": batch.credit_id,
        "serialization": batch.serialization,
        "vintage": str(batch.vintage),
        "amount": amount,
        "fromOrganizationId": row["from_organization_id"],
        "toOrganizationId": row["to_organization_id"],
        "project": _batch_project(public_url, batch),
        "txId": row["tx_hash"],
        "state": "processed",
        "transactionData": {
            "creditId": batch.credit_id,
            "tokenId": str(batch.token_id),
            "amount": amount,
            "serialization": batch.serialization,
        },
        "retirementId": row["retirement_id"],
        "retirementReason": row["reason"],
        "retirementComment": row["comment"],
        "beneficiaryName": row["beneficiary_name"],
        "fromAddress": row["from_account"],
        "serialRanges": range_list(row["ranges"]),
        "sourceCreditId": view.source_credit_id,
    }


def credit(public_url: str, organization_id: str, address: str, holding: Holding) -> dict[str, Any]:
    batch = holding.batch
    return {
        "organizationId": organization_id,
        "id": batch.credit_id,
        "tokenId": str(batch.token_id),
        "tokenAddress": batch.token_address,
        "project": _batch_project(public_url, batch),
        "serialization": batch.serialization,
        "vintage": str(batch.vintage),
        "supply": kg_to_tonnes(batch.supply_kg),
        "unit": "tonne",
        "amount": kg_to_tonnes(holding.amount_kg),
        "type": batch.credit_type,
        "address": address,
        "serialRanges": range_list(holding.ranges),
    }


def address(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "address": row["address"],
        "type": row["kind"],
        "name": row["name"],
        "development": row["data_set"] == "TEST",
        "createdAt": us_to_iso(row["created_at_us"]),
    }


def retirement(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "reason": row["reason"],
        "comment": row["comment"],
        "beneficiary": row["beneficiary_name"],
        "organizationId": row["organization_id"],
        "actingOrganizationId": row["acting_organization_id"],
        "serialization": row["serialization"],
        "amount": kg_to_tonnes(row["amount_kg"]),
        "project": {"id": row["project_id"], "fullName": row["project_name"]},
        "creditId": f"{row['credit_type']}-{row['token_id']}-{row['token_address']}",
        "vintage": str(row["vintage"]),
        "serialRanges": range_list(row["ranges"]),
        "transactionId": row["transaction_id"],
        "createdAt": us_to_iso(row["created_at_us"]),
        "verificationHash": row["verification_hash"],
        "verificationRecord": retirement_record(row, row["serialization"]),
    }


def _percent(basis_points: int) -> int | float:
    whole, rest = divmod(basis_points, 100)
    return whole if rest == 0 else basis_points / 100


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "methodology"


def project(
    public_url: str, row: Mapping[Any, Any], proponent: Mapping[Any, Any] | None = None
) -> dict[str, Any]:
    base = _base(public_url)
    estimates = orjson.loads(row["estimates"])
    proponents = []
    if proponent is not None:
        proponents.append(
            {
                "id": proponent["id"],
                "fullName": proponent["full_name"],
                "logo": proponent["logo"],
                "publicUrl": f"{base}/app/organizations/{proponent['id']}",
            }
        )
    return {
        "id": row["id"],
        "num": str(row["num"]),
        "fullName": row["full_name"],
        "description": row["description"],
        "shortDescription": row["short_description"],
        "countryCode": row["country_code"],
        "city": row["city"],
        "status": "registered",
        "registry": REGISTRY_NAME,
        "methodology": {"id": _slug(row["methodology"]), "title": row["methodology"]},
        "type": {"id": row["project_type"], "title": row["project_type"].capitalize()},
        "estimatedAnnualMitigations": [
            {"vintage": year, "amount": kg_to_tonnes(int(kg))} for year, kg in sorted(estimates.items())
        ],
        "proponents": proponents,
        "isPublic": bool(row["is_public"]),
        "bufferPercentage": _percent(int(row["buffer_basis_points"])),
        "tokenAddress": row["token_address"],
        "development": row["data_set"] == "TEST",
        "url": f"{base}/projects/{row['id']}",
        "publicUrl": f"{base}/explore/projects/{row['id']}",
        "createdAt": us_to_iso(row["created_at_us"]),
        "updatedAt": us_to_iso(row["updated_at_us"]),
    }


_SUMMARY_KEYS = (
    "exPost",
    "exPostCancelled",
    "exAnte",
    "exAnteCancelled",
    "exAnteConverted",
    "retired",
    "buffer",
)


def _summary(batches: Sequence[Mapping[Any, Any]], validated_kg: int) -> dict[str, Any]:
    kg = dict.fromkeys(_SUMMARY_KEYS, 0)
    for batch in batches:
        kind = batch["credit_type"]
        # int(): PostgreSQL sums come back as Decimal.
        kg[kind] += int(batch["supply_kg"])
        kg[f"{kind}Cancelled"] += int(batch["cancelled"])
        kg["retired"] += int(batch["retired"])
        kg["buffer"] += int(batch["buffer_kg"])
        if kind == "exAnte":
            kg["exAnteConverted"] += int(batch["converted"])
    summary: dict[str, Any] = {key: kg_to_tonnes(value) for key, value in kg.items()}
    summary["validated"] = kg_to_tonnes(validated_kg)
    return summary


def project_credits(
    public_url: str,
    row: Mapping[Any, Any],
    batches: Sequence[Mapping[Any, Any]],
    proponent: Mapping[Any, Any] | None,
) -> dict[str, Any]:
    """``validated`` is the estimated mitigation of the project (per vintage in the vintage summaries)."""
    estimates = {int(year): int(kg) for year, kg in orjson.loads(row["estimates"]).items()}
    by_vintage: dict[int, list[Mapping[Any, Any]]] = {}
    for batch in batches:
        by_vintage.setdefault(int(batch["vintage"]), []).append(batch)
    vintages = []
    for vintage in sorted(set(by_vintage) | set(estimates)):
        items = by_vintage.get(vintage, [])
        vintages.append(
            {
                "vintage": str(vintage),
                "summary": _summary(items, estimates.get(vintage, 0)),
                "events": [
                    {
                        "id": batch["id"],
                        "vintage": str(vintage),
                        "createdAt": us_to_iso(batch["created_at_us"]),
                        "amount": kg_to_tonnes(batch["supply_kg"]),
                        "type": "issuance",
                        "creditType": "carbon",
                        "unitType": batch["credit_type"],
                        "creditId": f"{batch['credit_type']}-{batch['token_id']}-{batch['token_address']}",
                        "serialization": batch["serialization"],
                        "monitoringPeriodStart": batch["monitoring_period_start"],
                        "monitoringPeriodEnd": batch["monitoring_period_end"],
                        "files": [],
                        "verificationBody": None,
                    }
                    for batch in items
                ],
            }
        )
    return {
        "summary": _summary(batches, sum(estimates.values())),
        "vintages": vintages,
        "project": project(public_url, row, proponent),
    }


def batch(public_url: str, row: Mapping[Any, Any]) -> dict[str, Any]:
    credit_id = f"{row['credit_type']}-{row['token_id']}-{row['token_address']}"
    return {
        "creditId": credit_id,
        "serialization": row["serialization"],
        "tokenId": str(row["token_id"]),
        "tokenAddress": row["token_address"],
        "type": row["credit_type"],
        "vintage": str(row["vintage"]),
        "supply": kg_to_tonnes(row["supply_kg"]),
        "buffer": kg_to_tonnes(row["buffer_kg"]),
        "project": project_ref(public_url, row["project_id"], row["project_name"], row["project_num"]),
        "development": row["data_set"] == "TEST",
        "monitoringPeriodStart": row["monitoring_period_start"],
        "monitoringPeriodEnd": row["monitoring_period_end"],
        "provenance": orjson.loads(row["provenance"]),
        "createdAt": us_to_iso(row["created_at_us"]),
    }


def issuance(public_url: str, issued: IssuedBatch) -> dict[str, Any]:
    info = issued.batch
    return {
        "creditId": info.credit_id,
        "serialization": info.serialization,
        "tokenId": str(info.token_id),
        "tokenAddress": info.token_address,
        "type": info.credit_type,
        "vintage": str(info.vintage),
        "supply": kg_to_tonnes(info.supply_kg),
        "buffer": kg_to_tonnes(issued.buffer_kg),
        "project": _batch_project(public_url, info),
        "development": info.data_set == "TEST",
        "monitoringPeriodStart": issued.monitoring_period_start,
        "monitoringPeriodEnd": issued.monitoring_period_end,
        "provenance": issued.provenance,
        "createdAt": us_to_iso(issued.created_at_us),
        "transactionId": issued.transaction_id,
        "toOrganizationId": issued.to_organization_id,
        "toAddress": issued.to_address,
        "amount": kg_to_tonnes(issued.amount_kg),
        "conversions": [
            {
                "transactionId": c.transaction_id,
                "address": c.address,
                "organizationId": c.organization_id,
                "amount": kg_to_tonnes(c.amount_kg),
                "sourceCreditId": c.source_credit_id,
            }
            for c in issued.conversions
        ],
    }
