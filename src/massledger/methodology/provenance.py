"""GET /public/credits/{creditId}/provenance: from a credit batch back to the certificates, audits and
MassIDs it was minted from, with what anyone needs to verify their hash chains (docs/methodology.md
"Provenance and how to verify it").

For each document: its masked public view (the rules of GET /public/documents/{id}; null when the
document is not public) and its chain: the digest of the stored creation record, the genesis hash, and
for every event, public or not, ``{id, seq, isPublic, bodyDigest, hash}`` with the head hash. Private
events reveal only digests, which say nothing about their content."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from sqlalchemy import Connection

from massledger.canonical import chain_hash, sha256_hex
from massledger.errors import NotFound
from massledger.ids import us_to_iso
from massledger.methodology.loader import trusted, trusted_events
from massledger.methodology.service import CREDITS_ISSUED
from massledger.registry import accounts, queries
from massledger.registry.issuance import get_project_row
from massledger.registry.ledger import kg_to_tonnes
from massledger.registry.render import project_ref
from massledger.registry.serials import parse_credit_id
from massledger.traceability import store
from massledger.traceability.service import GENESIS, get_public_document

LINK_KEYS = (("certificate", "certificateId"), ("audit", "auditId"), ("massId", "massIdDocumentId"))


def chain_document(
    conn: Connection, document_id: str, data_set: str
) -> tuple[dict[str, Any], list[Any]] | None:
    """A document's public view and chain, and its stored event bodies (for the caller's checks)."""
    document = store.get_document(conn, document_id)
    if document is None or document["data_set"] != data_set:
        return None
    rows = store.get_events(conn, document_id)
    bodies = [orjson.loads(row["body"]) for row in rows]
    creation = document["body"].encode()
    entry = {
        "documentId": document_id,
        "category": document["category"],
        "type": document["type"],
        "subtype": document["subtype"],
        "dataSetName": document["data_set"],
        "isPublic": document["is_public"],
        "document": get_public_document(conn, document_id) if document["is_public"] else None,
        "chain": {
            "creationDigest": sha256_hex(creation),
            "genesisHash": chain_hash(GENESIS, creation),
            "headHash": document["head_hash"],
            "events": [
                {
                    "id": row["id"],
                    "seq": row["seq"],
                    "isPublic": bool(body.get("isPublic")),
                    "bodyDigest": sha256_hex(row["body"].encode()),
                    "hash": row["hash"],
                }
                for row, body in zip(rows, bodies, strict=True)
            ],
        },
    }
    return entry, trusted_events(document, bodies) if trusted(orjson.loads(creation)) else []


def _records_credit(bodies: list[Any], credit_id: str) -> bool:
    for body in bodies:
        if body.get("name") != CREDITS_ISSUED:
            continue
        attributes = (body.get("metadata") or {}).get("attributes") or []
        if any(a.get("name") == "Credit Id" and a.get("value") == credit_id for a in attributes):
            return True
    return False


def _links(
    conn: Connection, provenance: Mapping[str, Any], data_set: str, credit_id: str
) -> list[dict[str, Any]]:
    entries = provenance.get("certificates") if provenance.get("methodology") else None
    links = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        link: dict[str, Any] = {}
        certificate_bodies: list[Any] = []
        for key, id_key in LINK_KEYS:
            found = chain_document(conn, str(entry.get(id_key)), data_set)
            if found is None:
                break
            link[key], bodies = found
            if key == "certificate":
                certificate_bodies = bodies
        else:
            link["certificateRecordsCredit"] = _records_credit(certificate_bodies, credit_id)
            links.append(link)
    return links


def credit_provenance(conn: Connection, credit_id: str, public_url: str) -> dict[str, Any]:
    missing = NotFound(f"Credit {credit_id[:120]} was not found")
    token = parse_credit_id(credit_id)
    if token is None:
        raise missing
    batch = queries.get_batch(conn, token[2], token[1])
    if batch is None or batch["credit_type"] != token[0]:
        raise missing
    project = get_project_row(conn, batch["project_id"])
    if not project["is_public"]:
        raise missing
    held = queries.batch_holdings_by_kind(conn, batch["id"])
    provenance = orjson.loads(batch["provenance"])
    methodology = provenance.get("methodology") if isinstance(provenance.get("methodology"), str) else None
    return {
        "creditId": credit_id,
        "serialization": batch["serialization"],
        "type": batch["credit_type"],
        "vintage": str(batch["vintage"]),
        "dataSetName": batch["data_set"],
        "issuedAt": us_to_iso(batch["created_at_us"]),
        "transactionId": batch["transaction_id"],
        "project": {
            **project_ref(public_url, project["id"], project["full_name"], project["num"]),
            "methodology": project["methodology"],
            "countryCode": project["country_code"],
        },
        "amounts": {
            "supply": kg_to_tonnes(batch["supply_kg"]),
            "buffer": kg_to_tonnes(batch["buffer_kg"]),
            "retired": kg_to_tonnes(held.get(accounts.RETIRED, 0)),
            "cancelled": kg_to_tonnes(held.get(accounts.CANCELLED, 0)),
            "converted": kg_to_tonnes(held.get(accounts.CONVERTED, 0)),
        },
        "methodology": methodology,
        "certificates": _links(conn, provenance, batch["data_set"], credit_id),
    }
