"""Restoring exported documents verbatim: ``POST /admin/documents/restore`` (scope ``documents:admin``).

An export record (see :mod:`massledger.traceability.export`) carries one document as stored: its creation
record, every event record with its hash, the head hash and projection, and the rows they reference.
Restoring writes them unchanged (same ids, ``createdAt``, authors, sequence numbers), so the target holds
the same chain with the same hashes. Re-creating documents through the ordinary API could not: the
chain hashes cover what the server stamps (ids, ``createdAt``, author).

Nothing is stored unless every hash recomputes to the exported one and the fold of the events gives the
exported projection; otherwise a 400 names the first record that does not verify. A document already
stored with the same head hash is left as it is (``restored: false``); one stored with another history is
a 409. Everything runs in one transaction: the document and its references, or nothing."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Annotated, Any, Literal, TypeVar

import orjson
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from massledger.attachments import store as attachment_store
from massledger.attachments.schemas import check_file_name
from massledger.auth.tokens import Principal
from massledger.canonical import canonical_json, chain_hash
from massledger.db.sql import insert_ignoring_conflicts, rows_by_id
from massledger.errors import Conflict, Forbidden, ValidationFailed
from massledger.organizations import store as organization_store
from massledger.registry import accounts as registry_accounts
from massledger.traceability import permissions, store
from massledger.traceability.projection import DocumentState, apply_event, format_decimal
from massledger.traceability.schemas import (
    _ISO_WITH_OFFSET,
    ArchivedParticipant,
    DataSetName,
    DecimalText,
    DocumentArchive,
)
from massledger.traceability.service import GENESIS, timestamp_us
from massledger.traceability.tables import addresses, participants

M = TypeVar("M", bound=BaseModel)

# -- the stored record shapes: what the server reads from records (projection, rendering, masking) ---------

Id = Annotated[str, Field(min_length=1, max_length=36)]
Text = Annotated[str, Field(max_length=10_000)]


class _Stored(BaseModel):
    """Strict (no coercion: the record is hashed as it is) and open (records carry more fields)."""

    model_config = ConfigDict(extra="allow", strict=True)


class StoredAuthor(_Stored):
    participantId: Id
    clientId: Annotated[str, Field(min_length=1, max_length=64)]
    organizationId: Id
    dataSetName: DataSetName


class StoredEventNames(_Stored):
    eventNames: list[str]


class StoredCondition(_Stored):
    in_: StoredEventNames = Field(alias="$in")


class StoredStatement(_Stored):
    effect: Literal["ALLOW", "DENY"]
    actions: list[Literal["READ", "WRITE"]]
    condition: StoredCondition | None = None


class StoredAttribute(_Stored):
    name: Text
    isPublic: bool | None = None
    sensitive: bool | None = None


class StoredMetadata(_Stored):
    attributes: list[StoredAttribute] = []


class StoredAttachmentRef(_Stored):
    attachmentId: Annotated[str, Field(min_length=1, max_length=21)]
    fileName: Text
    sha256: str
    label: Text | None = None
    isPublic: bool | None = None


class StoredTarget(_Stored):
    value: DecimalText
    participantId: Id | None = None
    addressId: Id | None = None


class StoredUpdates(_Stored):
    isPublic: bool | None = None
    isPubliclySearchable: bool | None = None


class StoredRelated(_Stored):
    documentId: Id


class StoredEvent(_Stored):
    id: Annotated[str, Field(min_length=1, max_length=21)]
    documentId: Id
    seq: int
    name: Annotated[str, Field(min_length=1, max_length=300)]
    externalCreatedAt: Text
    createdAt: Text
    isPublic: bool
    author: StoredAuthor
    label: Text | None = None
    participantId: Id | None = None
    addressId: Id | None = None
    value: DecimalText | None = None
    metadata: StoredMetadata | None = None
    tags: list[Text] | None = None
    attachments: list[StoredAttachmentRef] | None = None
    target: StoredTarget | None = None
    updates: StoredUpdates | None = None
    relatedDocument: StoredRelated | None = None
    permissions: dict[Id, list[StoredStatement]] | None = None
    deduplicationId: Text | None = None


class StoredCreation(_Stored):
    id: Id
    dataSetName: DataSetName
    author: StoredAuthor
    category: Text
    type: Text
    subtype: Text | None = None
    externalCreatedAt: Text
    externalId: Text | None = None
    isPublic: bool
    isPubliclySearchable: bool
    participantId: Id
    addressId: Id
    tags: list[Text] = []
    title: Text | None = None
    shortTitle: Text | None = None
    measurementUnit: Text
    parentDocumentId: Id | None = None
    currentValue: DecimalText
    createdAt: Text
    deduplicationId: Text | None = None


def _path(loc: Iterable[Any]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def _validated(model: type[M], value: Mapping[str, Any], field: str) -> M:
    try:
        return model.model_validate(value)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        raise ValidationFailed(f"{field}{_path(first['loc'])}", str(first["msg"])) from exc


def _time_us(value: str, field: str) -> int:
    try:
        if _ISO_WITH_OFFSET.match(value):
            return timestamp_us(value)
    except ValueError:
        pass
    raise ValidationFailed(field, f"{value!r} is not an ISO-8601 timestamp with an offset")


# -- the pure part: recompute the chain and the projection ---------------------------------------------------


class Checked:
    """An export record that verified: the rows to store."""

    def __init__(self, archive: DocumentArchive) -> None:
        self.archive = archive
        self.creation = _validated(StoredCreation, archive.document, "document")
        self.events: list[StoredEvent] = []
        self.event_rows: list[dict[str, Any]] = []
        creation = self.creation
        self.created_us = _time_us(creation.createdAt, "document.createdAt")
        external_us = _time_us(creation.externalCreatedAt, "document.externalCreatedAt")
        body = canonical_json(archive.document)
        state = DocumentState.initial(archive.document, chain_hash(GENESIS, body))
        updated_us = self.created_us
        for index, item in enumerate(archive.events):
            field = f"events[{index}].record"
            event = _validated(StoredEvent, item.record, field)
            if event.documentId != creation.id:
                raise ValidationFailed(f"{field}.documentId", f"must be {creation.id}, the document's id")
            if event.seq != index + 1:
                raise ValidationFailed(f"{field}.seq", f"must be {index + 1}: events are listed in order")
            if event.name == "SPLIT" and event.target is None:
                raise ValidationFailed(f"{field}.target", "a SPLIT record carries its target")
            event_external_us = _time_us(event.externalCreatedAt, f"{field}.externalCreatedAt")
            recorded_us = _time_us(event.createdAt, f"{field}.createdAt")
            encoded = canonical_json(item.record)
            hash_ = chain_hash(state.head_hash, encoded)
            if hash_ != item.hash:
                raise ValidationFailed(
                    f"events[{index}].hash",
                    f"event {event.id} (#{index + 1}) does not verify: its record and predecessor hash to"
                    f" {hash_}, not to the exported hash",
                )
            state = apply_event(state, item.record, event_external_us, hash_)
            updated_us = max(updated_us, recorded_us)
            self.events.append(event)
            self.event_rows.append(
                {
                    "document_id": creation.id,
                    "seq": event.seq,
                    "id": event.id,
                    "name": event.name,
                    "external_created_at_us": event_external_us,
                    "created_at_us": recorded_us,
                    "body": encoded.decode(),
                    "hash": hash_,
                }
            )
        if state.head_hash != archive.headHash:
            raise ValidationFailed(
                "headHash", f"the chain of document {creation.id} ends at {state.head_hash}, not at headHash"
            )
        exported = archive.projection
        replayed = {
            "status": state.status,
            "currentValue": state.current_value,
            "isPublic": state.is_public,
            "isPubliclySearchable": state.is_publicly_searchable,
            "eventCount": state.event_count,
        }
        for key, value in replayed.items():
            given = getattr(exported, key)
            if (Decimal(given) if key == "currentValue" else given) != value:
                shown = format_decimal(value) if isinstance(value, Decimal) else value
                raise ValidationFailed(f"projection.{key}", f"is {given!r} but the events give {shown!r}")
        self.state = state
        self.document_row = {
            "id": creation.id,
            "data_set": creation.dataSetName,
            "organization_id": creation.author.organizationId,
            "client_id": creation.author.clientId,
            "category": creation.category,
            "type": creation.type,
            "subtype": creation.subtype,
            "status": state.status,
            # As the append path stores it: the creation's text until an event changes it.
            "current_value": format_decimal(state.current_value) if self.events else creation.currentValue,
            "measurement_unit": creation.measurementUnit,
            "is_public": state.is_public,
            "is_publicly_searchable": state.is_publicly_searchable,
            "external_id": creation.externalId,
            "external_created_at_us": external_us,
            "parent_document_id": creation.parentDocumentId,
            "participant_id": creation.participantId,
            "address_id": creation.addressId,
            "event_count": state.event_count,
            "last_event_at_us": state.last_event_at_us,
            "head_hash": state.head_hash,
            "body": body.decode(),
            "created_at_us": self.created_us,
            "updated_at_us": updated_us,
        }

    @property
    def id(self) -> str:
        return self.creation.id

    def participant_refs(self) -> dict[str, str]:
        """participant id → where the record names it (the first place)."""
        found: dict[str, str] = {}
        creation = self.creation
        found.setdefault(creation.participantId, "document.participantId")
        found.setdefault(creation.author.participantId, "document.author.participantId")
        for index, event in enumerate(self.events):
            field = f"events[{index}].record"
            found.setdefault(event.author.participantId, f"{field}.author.participantId")
            if event.participantId:
                found.setdefault(event.participantId, f"{field}.participantId")
            if event.target is not None and event.target.participantId:
                found.setdefault(event.target.participantId, f"{field}.target.participantId")
            for key in event.permissions or {}:
                found.setdefault(key, f"{field}.permissions.{key}")
        return found

    def address_refs(self) -> dict[str, str]:
        found = {self.creation.addressId: "document.addressId"}
        for index, event in enumerate(self.events):
            field = f"events[{index}].record"
            if event.addressId:
                found.setdefault(event.addressId, f"{field}.addressId")
            if event.target is not None and event.target.addressId:
                found.setdefault(event.target.addressId, f"{field}.target.addressId")
        return found

    def bodies(self) -> list[dict[str, Any]]:
        return [item.record for item in self.archive.events]


# -- the transaction ----------------------------------------------------------------------------------------


def restore_document(conn: Connection, principal: Principal, archive: DocumentArchive) -> dict[str, Any]:
    checked = Checked(archive)
    data_set = checked.creation.dataSetName
    if data_set != principal.data_set:
        raise Forbidden(
            f"document.dataSetName: document {checked.id} is of the {data_set} data set; this client"
            f" restores into {principal.data_set} only"
        )
    result = {"documentId": checked.id, "headHash": checked.state.head_hash, "events": len(checked.events)}
    existing = store.get_document(conn, checked.id, lock=True)
    if existing is not None:
        _check_same_history(existing, checked)
        return {**result, "restored": False}
    _check_attachments(checked)
    _check_claims(checked)
    try:
        _restore_references(conn, checked)
        if not store.insert_document_if_absent(conn, checked.document_row):
            # Restored concurrently by another request: the same history, or a conflict.
            again = store.get_document(conn, checked.id)
            assert again is not None
            _check_same_history(again, checked)
            return {**result, "restored": False}
        _check_origin(conn, checked)
        taken = store.existing_event_ids(conn, [row["id"] for row in checked.event_rows])
        if taken:
            raise Conflict(f"events: event id {sorted(taken)[0]} is already stored on another document")
        store.insert_events(conn, checked.event_rows)
        store.insert_tags(conn, checked.id, checked.creation.tags)
        _restore_access(conn, checked)
        attachment_store.insert_many(conn, [_attachment_row(checked.id, a) for a in archive.attachments])
        store.insert_claims_if_absent(conn, [_claim_row(c) for c in archive.deduplications])
    except IntegrityError as exc:
        raise Conflict(
            f"document {checked.id}: a record of this export collides with another stored record ({exc.orig})"
        ) from exc
    return {**result, "restored": True}


def _check_same_history(existing: Mapping[str, Any], checked: Checked) -> None:
    """An already stored document: nothing to do when it is this one, else a 409."""
    if (
        existing["head_hash"] != checked.state.head_hash
        or existing["event_count"] != checked.state.event_count
        or existing["data_set"] != checked.document_row["data_set"]
    ):
        raise Conflict(
            f"document.id: document {checked.id} is already stored with another history"
            f" ({existing['event_count']} events, head hash {existing['head_hash']})"
        )


def _check_attachments(checked: Checked) -> None:
    """Every attachment an event names is in the record, with the same file and digest."""
    listed = {}
    for index, attachment in enumerate(checked.archive.attachments):
        check_file_name(attachment.fileName, f"attachments[{index}].fileName")
        listed[attachment.attachmentId] = attachment
    for index, event in enumerate(checked.events):
        for position, ref in enumerate(event.attachments or []):
            found = listed.get(ref.attachmentId)
            if found is None or found.sha256 != ref.sha256 or found.fileName != ref.fileName:
                raise ValidationFailed(
                    f"events[{index}].record.attachments[{position}]",
                    f"attachment {ref.attachmentId} ({ref.fileName}) is not in attachments as recorded",
                )


def _check_claims(checked: Checked) -> None:
    """Deduplication claims must be this document's: a record of it carries that client and id."""
    carried = {(checked.creation.author.clientId, checked.creation.deduplicationId, "document")}
    carried |= {(event.author.clientId, event.deduplicationId, "event") for event in checked.events}
    for index, claim in enumerate(checked.archive.deduplications):
        response_id = claim.response.get("id" if claim.kind == "document" else "documentId")
        if (claim.clientId, claim.deduplicationId, claim.kind) not in carried or response_id != checked.id:
            raise ValidationFailed(
                f"deduplications[{index}]",
                f"claim {claim.deduplicationId} of {claim.clientId} is not one of document {checked.id}",
            )


def _restore_references(conn: Connection, checked: Checked) -> None:
    """Insert the organizations, participants and addresses of the record that are missing; those already
    stored must be the same rows (organizations, not hash-chained, are kept as stored). Then every row the
    records reference must exist, in the document's data set."""
    archive = checked.archive
    data_set = checked.creation.dataSetName
    organization_store.insert_if_absent(conn, [_organization_row(o) for o in archive.organizations])
    for organization in archive.organizations:
        # Restored organizations hold registry accounts like any other (nothing moves into them here).
        registry_accounts.ensure_organization_accounts(conn, organization.id)
    for index, participant in enumerate(archive.participants):
        if participant.dataSetName != data_set and participant.organizationId is None:
            raise ValidationFailed(
                f"participants[{index}].dataSetName",
                f"must be {data_set} (only an organization's own participants may be of the other data set)",
            )
    organizations = {checked.creation.author.organizationId} | {
        p.organizationId for p in archive.participants if p.organizationId
    }
    missing = organizations - organization_store.existing_ids(conn, organizations)
    if missing:
        raise ValidationFailed(
            "organizations", f"organization {sorted(missing)[0]} is neither in the record nor stored here"
        )
    _restore_rows(conn, "participants", [_participant_row(p) for p in archive.participants], participants)
    _restore_rows(conn, "addresses", [_address_row(a) for a in archive.addresses], addresses)
    for kind, refs, table in (
        ("participant", checked.participant_refs(), participants),
        ("address", checked.address_refs(), addresses),
    ):
        found = rows_by_id(conn, table, list(refs))
        for ref_id, field in refs.items():
            if ref_id not in found or found[ref_id]["data_set"] != data_set:
                raise ValidationFailed(
                    field, f"{kind} {ref_id} is neither in the record nor stored in the {data_set} data set"
                )


def _restore_rows(conn: Connection, name: str, rows: list[dict[str, Any]], table: Any) -> None:
    insert_ignoring_conflicts(conn, table, rows)
    stored = rows_by_id(conn, table, [row["id"] for row in rows])
    for index, row in enumerate(rows):
        found = stored.get(row["id"])
        if found is None:
            raise Conflict(
                f"{name}[{index}]: {row['id']} collides with another stored row of the same identity"
            )
        if any(found[key] != value for key, value in row.items() if key != "created_at_us"):
            raise Conflict(f"{name}[{index}]: {row['id']} is already stored with other content")


def _check_origin(conn: Connection, checked: Checked) -> None:
    """A SPLIT/OUTPUT child must be the one its origin event names — checked here when that event is
    already stored (else by ``massledger verify`` once the source is restored too)."""
    origin = checked.archive.document.get("origin")
    if not isinstance(origin, dict):
        return
    source = store.event_by_id(conn, str(origin.get("eventId")))
    if source is None:
        return
    event = orjson.loads(source["body"])
    if (
        source["document_id"] != origin.get("documentId")
        or source["document_id"] != checked.creation.parentDocumentId
        or event.get("targetDocumentId") != checked.id
        or (event.get("target") or {}).get("value") != checked.creation.currentValue
    ):
        raise ValidationFailed(
            "document.origin", f"event {origin.get('eventId')} did not create this document"
        )


def _restore_access(conn: Connection, checked: Checked) -> None:
    """document_participants, recomputed from the ACTOR events (what verify expects)."""
    created = checked.created_us
    rows = []
    for participant_id, access in permissions.derive_access(checked.bodies()).items():
        statements = access.statements
        rows.append(
            {
                "document_id": checked.id,
                "participant_id": participant_id,
                "created_at_us": created,
                "permissions": None if statements is None else canonical_json(list(statements)).decode(),
                "can_read": access.can_read,
            }
        )
    store.insert_access_rows(conn, rows)


def _organization_row(organization: Any) -> dict[str, Any]:
    return {
        "id": organization.id,
        "full_name": organization.fullName,
        "type": organization.type,
        "country_code": organization.countryCode,
        "city": organization.city,
        "zip": organization.zip,
        "physical_address": organization.physicalAddress,
        "registration_number": organization.registrationNumber,
        "website": organization.website,
        "logo": organization.logo,
        "industry_code": organization.industryCode,
        "industry_name": organization.industryName,
        "is_public": organization.isPublic,
        "created_at_us": _time_us(organization.createdAt, "organizations.createdAt"),
        "updated_at_us": _time_us(organization.updatedAt, "organizations.updatedAt"),
    }


def _participant_row(participant: ArchivedParticipant) -> dict[str, Any]:
    return {
        "id": participant.id,
        "data_set": participant.dataSetName,
        "organization_id": participant.organizationId,
        "country_code": participant.countryCode,
        "tax_id_type": participant.taxIdType,
        "tax_id": participant.taxId,
        "body": canonical_json(participant.record).decode(),
        "created_at_us": _time_us(participant.createdAt, "participants.createdAt"),
    }


def _address_row(address: Any) -> dict[str, Any]:
    return {
        "id": address.id,
        "data_set": address.dataSetName,
        "content_hash": address.contentHash,
        "body": canonical_json(address.record).decode(),
        "created_at_us": _time_us(address.createdAt, "addresses.createdAt"),
    }


def _attachment_row(document_id: str, attachment: Any) -> dict[str, Any]:
    return {
        "id": attachment.attachmentId,
        "document_id": document_id,
        "file_name": attachment.fileName,
        "content_type": attachment.contentType,
        "content_length": attachment.contentLength,
        # Upload URLs are not exported; the row is complete, so this nonce never serves.
        "upload_nonce": secrets.token_urlsafe(16),
        "client_id": attachment.clientId,
        "created_at_us": _time_us(attachment.createdAt, "attachments.createdAt"),
        "sha256": attachment.sha256,
        "uploaded_at_us": _time_us(attachment.uploadedAt, "attachments.uploadedAt"),
    }


def _claim_row(claim: Any) -> dict[str, Any]:
    return {
        "client_id": claim.clientId,
        "deduplication_id": claim.deduplicationId,
        "kind": claim.kind,
        "request_hash": claim.requestHash,
        "response": canonical_json(claim.response).decode(),
        "created_at_us": _time_us(claim.createdAt, "deduplications.createdAt"),
    }
