"""Shared by the export/restore tests: a database holding documents of every kind, and a snapshot of every
stored row the export must carry (to compare a source and a restored target)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from massledger.attachments.tables import attachments
from massledger.db.engine import Database
from massledger.organizations.tables import organizations
from massledger.traceability.tables import (
    addresses,
    deduplications,
    document_participants,
    document_tags,
    documents,
    events,
    participants,
)
from tests.attachments.helpers import upload
from tests.conftest import Api
from tests.traceability.helpers import PARTICIPANT, document_body, event_body, target_body

MANIFEST = b"%PDF-1.4 transport manifest"


@dataclass
class World:
    documents: list[str]  # every document id, both data sets
    source: str  # the closed document with every kind of event
    related: str  # its RELATED target (back-link and propagated copy)
    children: list[str]  # SPLIT and OUTPUT children of source


def build_world(owner: Api, partner: Api, owner_prod: Api) -> World:
    """Documents of every kind: ACTOR with permissions, an event by a granted partner, metadata with a
    sensitive attribute, an attachment, SPLIT and OUTPUT children, a bidirectional RELATED, a propagated
    event, UPDATE, CLOSE, CANCEL, deduplication ids, and a document in the PROD data set."""

    def post(api: Api, path: str, body: Any) -> dict[str, Any]:
        response = api.post(path, json=body)
        assert response.status_code == 201, response.text
        return dict(response.json())

    source = post(owner, "/documents", document_body(tags=["lot", "organic"], deduplicationId="w-source"))[
        "id"
    ]
    related = post(owner, "/documents", document_body(externalId="B-1", title="Related"))["id"]
    upload(owner, source, "manifest.pdf", MANIFEST, "application/pdf")
    batch = post(
        owner,
        "/documents/events",
        {
            "documentId": source,
            "events": [
                event_body(
                    "ACTOR",
                    label="Recycler",
                    participantId=partner.creds.participant_id,
                    permissions=[{"effect": "ALLOW", "actions": ["READ", "WRITE"]}],
                ),
                event_body("ACTOR", label="Waste Generator", participant={**PARTICIPANT, "taxId": "55"}),
                event_body(
                    "Weighing",
                    value=100,
                    deduplicationId="w-weighing",
                    attachments=[{"fileName": "manifest.pdf", "label": "Transport Manifest"}],
                    metadata={
                        "attributes": [
                            {"name": "plate", "value": "ABC-1D23", "sensitive": True},
                            {"name": "gross", "value": 101.25, "format": "KILOGRAM"},
                            {"name": "checks", "value": {"a": [1, 2.5, None, True]}, "isPublic": False},
                        ]
                    },
                ),
                event_body("SPLIT", target=target_body(30, externalId="LOT-2")),
                event_body("OUTPUT", target=target_body(5, category="Product")),
                event_body("RELATED", relatedDocument={"documentId": related}),
                event_body("Note", propagateEvent=True, label="propagated"),
                event_body("UPDATE", updates={"isPubliclySearchable": False}),
            ],
        },
    )
    children = [item["targetDocumentId"] for item in batch["events"] if item["targetDocumentId"]]
    post(partner, f"/documents/{source}/events", event_body("Pick-up", at="2025-03-10T09:00:00Z"))
    post(owner, f"/documents/{children[0]}/events", event_body("Sorting", value=29.5))
    post(owner, f"/documents/{source}/events", event_body("CLOSE", at="2025-03-10T10:00:00Z"))
    cancelled = post(owner, "/documents", document_body(isPublic=False))["id"]
    post(owner, f"/documents/{cancelled}/events", event_body("CANCEL"))
    prod = post(owner_prod, "/documents", document_body(type="Plastic"))["id"]
    post(owner_prod, f"/documents/{prod}/events", event_body("Weighing", value=7.125))
    return World([source, related, *children, cancelled, prod], source, related, children)


TABLES = {
    "documents": documents,
    "events": events,
    "document_participants": document_participants,
    "document_tags": document_tags,
    "participants": participants,
    "addresses": addresses,
    "organizations": organizations,
    "attachments": attachments,
    "deduplications": deduplications,
}
# Upload URLs are not exported: a restored attachment gets a fresh (never served) nonce.
LEFT_OUT = {"attachments": {"upload_nonce"}}


def snapshot(database: Database) -> dict[str, list[dict[str, Any]]]:
    """Every row of the tables an export carries, sorted, booleans as booleans."""
    result: dict[str, list[dict[str, Any]]] = {}
    with database.engine.connect() as conn:
        for name, table in TABLES.items():
            rows = []
            for row in conn.execute(select(table)).mappings():
                item = {k: v for k, v in row.items() if k not in LEFT_OUT.get(name, set())}
                for key in ("is_public", "is_publicly_searchable", "can_read"):
                    if key in item:
                        item[key] = bool(item[key])
                rows.append(item)
            result[name] = sorted(rows, key=lambda item: sorted((k, str(v)) for k, v in item.items()))
    return result


def contained(source: dict[str, list[dict[str, Any]]], target: dict[str, list[dict[str, Any]]]) -> None:
    """Every source row is in the target, identical (the target may hold more: its operator's own rows)."""
    for name, rows in source.items():
        missing = [row for row in rows if row not in target[name]]
        assert not missing, f"{name}: {len(missing)} rows differ or are missing, first {missing[0]}"
