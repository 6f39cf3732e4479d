"""Export records: each document as stored, for ``massledger export`` (and restore on another instance).

One record per document (see :class:`~massledger.traceability.schemas.DocumentArchive`): the creation record
and every event record verbatim with its hash, the head hash, the projection, and the rows the records
reference — participants and addresses, the organizations of authors and participants (with each such
organization's own participants, so it keeps one per data set), the metadata of uploaded attachments, and
the deduplication claims of its records. Never secrets: clients, keys and upload URLs stay behind.

Documents come oldest first (``createdAt``, then id), so a SPLIT/OUTPUT source precedes its children. Read
them inside one transaction (a snapshot: REPEATABLE READ on PostgreSQL) so every record is consistent."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, RowMapping, func, select, tuple_

from massledger.attachments import store as attachment_store
from massledger.db.sql import rows_by_id
from massledger.ids import us_to_iso
from massledger.organizations import store as organization_store
from massledger.traceability import store
from massledger.traceability.schemas import ARCHIVE_FORMAT
from massledger.traceability.tables import addresses, documents, events, participants

PAGE = 200


def _filters(data_set: str | None, document_ids: Sequence[str] | None) -> list[Any]:
    conditions: list[Any] = []
    if data_set is not None:
        conditions.append(documents.c.data_set == data_set)
    if document_ids is not None:
        conditions.append(documents.c.id.in_(sorted(set(document_ids))))
    return conditions


def count(conn: Connection, data_set: str | None = None, document_ids: Sequence[str] | None = None) -> int:
    query = select(func.count()).select_from(documents).where(*_filters(data_set, document_ids))
    return int(conn.execute(query).scalar_one())


def missing(conn: Connection, document_ids: Sequence[str]) -> list[str]:
    """The ids, in the order given, of no stored document."""
    if not document_ids:
        return []
    query = select(documents.c.id).where(documents.c.id.in_(sorted(set(document_ids))))
    found = set(conn.execute(query).scalars())
    return [document_id for document_id in document_ids if document_id not in found]


def export_documents(
    conn: Connection, data_set: str | None = None, document_ids: Sequence[str] | None = None
) -> Iterator[dict[str, Any]]:
    """Every matching document as an export record, oldest first, a page of documents at a time."""
    conditions = _filters(data_set, document_ids)
    after: tuple[int, str] | None = None
    while True:
        query = select(documents).where(*conditions)
        if after is not None:
            query = query.where(tuple_(documents.c.created_at_us, documents.c.id) > tuple_(*after))
        page = list(
            conn.execute(query.order_by(documents.c.created_at_us, documents.c.id).limit(PAGE)).mappings()
        )
        if not page:
            return
        yield from _page_records(conn, page)
        after = (page[-1]["created_at_us"], page[-1]["id"])


class _Refs:
    """The rows one document's records name."""

    def __init__(self, creation: dict[str, Any], bodies: list[dict[str, Any]]) -> None:
        self.participants: set[str] = {creation["participantId"], creation["author"]["participantId"]}
        self.addresses: set[str] = {creation["addressId"]}
        self.organizations: set[str] = {creation["author"]["organizationId"]}
        self.claims: set[tuple[str, str]] = set()
        if creation.get("deduplicationId"):
            self.claims.add((creation["author"]["clientId"], creation["deduplicationId"]))
        for body in bodies:
            author = body["author"]
            self.participants.add(author["participantId"])
            self.organizations.add(author["organizationId"])
            target = body.get("target") or {}
            for participant_id in (body.get("participantId"), target.get("participantId")):
                if participant_id:
                    self.participants.add(participant_id)
            for address_id in (body.get("addressId"), target.get("addressId")):
                if address_id:
                    self.addresses.add(address_id)
            if isinstance(body.get("permissions"), dict):
                self.participants.update(body["permissions"])
            if body.get("deduplicationId"):
                self.claims.add((author["clientId"], body["deduplicationId"]))


def _page_records(conn: Connection, page: list[RowMapping]) -> Iterator[dict[str, Any]]:
    ids = [row["id"] for row in page]
    stored: dict[str, list[RowMapping]] = {document_id: [] for document_id in ids}
    query = select(events).where(events.c.document_id.in_(ids)).order_by(events.c.document_id, events.c.seq)
    for event in conn.execute(query).mappings():
        stored[event["document_id"]].append(event)
    creations = {row["id"]: orjson.loads(row["body"]) for row in page}
    bodies = {
        document_id: [orjson.loads(row["body"]) for row in rows] for document_id, rows in stored.items()
    }
    refs = {document_id: _Refs(creations[document_id], bodies[document_id]) for document_id in ids}

    people = rows_by_id(conn, participants, [p for r in refs.values() for p in r.participants])
    organization_ids = {o for r in refs.values() for o in r.organizations}
    organization_ids |= {row["organization_id"] for row in people.values() if row["organization_id"]}
    organizations = {
        row["id"]: dict(row) for row in organization_store.get_organizations(conn, organization_ids)
    }
    own_participants: dict[str, list[dict[str, Any]]] = {}
    for participant in _participants_of(conn, organization_ids):
        own_participants.setdefault(participant["organization_id"], []).append(participant)
    places = rows_by_id(conn, addresses, [a for r in refs.values() for a in r.addresses])
    files: dict[str, list[dict[str, Any]]] = {}
    for attachment in attachment_store.uploaded_of_documents(conn, ids):
        files.setdefault(attachment["document_id"], []).append(attachment)
    claims = {
        (row["client_id"], row["deduplication_id"]): row
        for row in store.claims(conn, [key for r in refs.values() for key in r.claims])
    }

    for document in page:
        document_id = document["id"]
        ref = refs[document_id]
        named = {people[p]["id"]: people[p] for p in ref.participants if p in people}
        organizations_named = set(ref.organizations) | {
            row["organization_id"] for row in named.values() if row["organization_id"]
        }
        for organization_id in organizations_named:
            for participant in own_participants.get(organization_id, []):
                named.setdefault(participant["id"], participant)
        yield {
            "format": ARCHIVE_FORMAT,
            "document": creations[document_id],
            "events": [
                {"record": body, "hash": row["hash"]}
                for body, row in zip(bodies[document_id], stored[document_id], strict=True)
            ],
            "headHash": document["head_hash"],
            "projection": {
                "status": document["status"],
                "currentValue": document["current_value"],
                "isPublic": bool(document["is_public"]),
                "isPubliclySearchable": bool(document["is_publicly_searchable"]),
                "eventCount": document["event_count"],
            },
            "participants": [_participant(row) for _id, row in sorted(named.items())],
            "addresses": [_address(places[a]) for a in sorted(ref.addresses) if a in places],
            "organizations": [
                _organization(organizations[o]) for o in sorted(organizations_named) if o in organizations
            ],
            "attachments": [_attachment(row) for row in files.get(document_id, [])],
            "deduplications": [_claim(claims[key]) for key in sorted(ref.claims) if key in claims],
        }


def _participants_of(conn: Connection, organization_ids: set[str]) -> list[dict[str, Any]]:
    if not organization_ids:
        return []
    query = select(participants).where(participants.c.organization_id.in_(sorted(organization_ids)))
    return [dict(row) for row in conn.execute(query).mappings()]


def _participant(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "dataSetName": row["data_set"],
        "organizationId": row["organization_id"],
        "countryCode": row["country_code"],
        "taxIdType": row["tax_id_type"],
        "taxId": row["tax_id"],
        "record": orjson.loads(row["body"]),
        "createdAt": us_to_iso(row["created_at_us"]),
    }


def _address(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "dataSetName": row["data_set"],
        "contentHash": row["content_hash"],
        "record": orjson.loads(row["body"]),
        "createdAt": us_to_iso(row["created_at_us"]),
    }


def _organization(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "fullName": row["full_name"],
        "type": row["type"],
        "countryCode": row["country_code"],
        "city": row["city"],
        "zip": row["zip"],
        "physicalAddress": row["physical_address"],
        "registrationNumber": row["registration_number"],
        "website": row["website"],
        "logo": row["logo"],
        "industryCode": row["industry_code"],
        "industryName": row["industry_name"],
        "isPublic": bool(row["is_public"]),
        "createdAt": us_to_iso(row["created_at_us"]),
        "updatedAt": us_to_iso(row["updated_at_us"]),
    }


def _attachment(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "attachmentId": row["id"],
        "fileName": row["file_name"],
        "contentType": row["content_type"],
        "contentLength": row["content_length"],
        "sha256": row["sha256"],
        "clientId": row["client_id"],
        "createdAt": us_to_iso(row["created_at_us"]),
        "uploadedAt": us_to_iso(row["uploaded_at_us"]),
    }


def _claim(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "clientId": row["client_id"],
        "deduplicationId": row["deduplication_id"],
        "kind": row["kind"],
        "requestHash": row["request_hash"],
        "response": orjson.loads(row["response"]),
        "createdAt": us_to_iso(row["created_at_us"]),
    }
