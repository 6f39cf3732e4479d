"""Commands and queries of the documents API; each runs inside the one transaction it is given."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import Connection

from massledger.attachments.service import event_attachments
from massledger.auth.tokens import Principal
from massledger.canonical import canonical_json, chain_hash, sha256_hex
from massledger.errors import Conflict, NotFound, ValidationFailed
from massledger.ids import datetime_to_us, format_timestamp, nanoid, new_uuid, now_us, us_to_iso
from massledger.traceability import participants, permissions, store
from massledger.traceability.projection import (
    ALLOWED_AFTER_CLOSE,
    CANCELLED,
    CLOSED,
    DocumentState,
    apply_event,
    format_decimal,
)
from massledger.traceability.render import render_document
from massledger.traceability.schemas import AddressIn, DocumentCreate, EventIn, ParticipantIn

GENESIS = "massledger:document:v1"


@dataclass(frozen=True)
class WriteContext:
    principal: Principal
    now_us: int
    clock_skew_us: int
    max_events_per_document: int


def request_hash(payload: Any) -> str:
    return sha256_hex(canonical_json(payload))


def _author(principal: Principal) -> dict[str, str]:
    return {
        "participantId": principal.participant_id,
        "clientId": principal.client_id,
        "organizationId": principal.organization_id,
        "dataSetName": principal.data_set,
    }


def _check_not_future(ctx: WriteContext, at_us: int, field: str) -> None:
    if at_us > ctx.now_us + ctx.clock_skew_us:
        raise ValidationFailed(field, f"must not be in the future (server time {us_to_iso(ctx.now_us)})")


def _participant_ref(
    conn: Connection, data_set: str, inline: ParticipantIn | None, ref: str | None, field: str
) -> str | None:
    if inline is not None:
        return participants.resolve_participant(conn, data_set, inline.model_dump(mode="json"))
    if ref is not None:
        found = participants.load_participants(conn, [ref]).get(ref)
        if found is None or found[0] != data_set:
            raise ValidationFailed(f"{field}participantId", f"participant {ref} was not found")
    return ref


def _address_ref(
    conn: Connection, data_set: str, inline: AddressIn | None, ref: str | None, field: str
) -> str | None:
    if inline is not None:
        return participants.resolve_address(conn, data_set, inline.model_dump(mode="json"))
    if ref is not None:
        found = participants.load_addresses(conn, [ref]).get(ref)
        if found is None or found[0] != data_set:
            raise ValidationFailed(f"{field}addressId", f"address {ref} was not found")
    return ref


def create_document(conn: Connection, ctx: WriteContext, data: DocumentCreate) -> dict[str, Any]:
    principal = ctx.principal
    document_id = new_uuid()
    response: dict[str, Any] = {"id": document_id}
    if data.deduplicationId is not None:
        payload = data.model_dump(mode="json")
        stored = store.claim_deduplication(
            conn, principal.client_id, data.deduplicationId, "document", request_hash(payload), response
        )
        if stored is not None:
            if stored.get("__conflict__"):
                raise Conflict("deduplicationId: already used by this client for a different request")
            return stored
    external_us = datetime_to_us(data.externalCreatedAt)
    _check_not_future(ctx, external_us, "externalCreatedAt")
    participant_id = _participant_ref(conn, principal.data_set, data.participant, data.participantId, "")
    address_id = _address_ref(conn, principal.data_set, data.address, data.addressId, "")
    creation = {
        "id": document_id,
        "dataSetName": principal.data_set,
        "author": _author(principal),
        "category": data.category,
        "type": data.type,
        "subtype": data.subtype,
        "externalCreatedAt": format_timestamp(data.externalCreatedAt),
        "externalId": data.externalId,
        "isPublic": data.isPublic,
        "isPubliclySearchable": data.isPubliclySearchable,
        "participantId": participant_id,
        "addressId": address_id,
        "tags": data.tags or [],
        "title": data.title,
        "shortTitle": data.shortTitle,
        "measurementUnit": data.measurementUnit,
        "deduplicationId": data.deduplicationId,
        "parentDocumentId": None,
        "currentValue": "0",
        "createdAt": us_to_iso(ctx.now_us),
    }
    insert_new_document(conn, creation, principal, ctx.now_us)
    return response


def insert_new_document(conn: Connection, creation: dict[str, Any], principal: Principal, now: int) -> str:
    """Store a creation record as the genesis of a new stream; returns the genesis hash."""
    body = canonical_json(creation)
    genesis = chain_hash(GENESIS, body)
    store.insert_document(
        conn,
        {
            "id": creation["id"],
            "data_set": creation["dataSetName"],
            "organization_id": principal.organization_id,
            "client_id": principal.client_id,
            "category": creation["category"],
            "type": creation["type"],
            "subtype": creation["subtype"],
            "status": "OPEN",
            "current_value": creation["currentValue"],
            "measurement_unit": creation["measurementUnit"],
            "is_public": creation["isPublic"],
            "is_publicly_searchable": creation["isPubliclySearchable"],
            "external_id": creation["externalId"],
            "external_created_at_us": timestamp_us(creation["externalCreatedAt"]),
            "parent_document_id": creation["parentDocumentId"],
            "participant_id": creation["participantId"],
            "address_id": creation["addressId"],
            "event_count": 0,
            "last_event_at_us": None,
            "head_hash": genesis,
            "body": body.decode(),
            "created_at_us": now,
            "updated_at_us": now,
        },
    )
    return genesis


def timestamp_us(iso: str) -> int:
    from datetime import datetime

    return datetime_to_us(datetime.fromisoformat(iso))


def state_of(document: Mapping[str, Any]) -> DocumentState:
    return DocumentState(
        status=document["status"],
        current_value=Decimal(document["current_value"]),
        is_public=document["is_public"],
        is_publicly_searchable=document["is_publicly_searchable"],
        event_count=document["event_count"],
        last_event_at_us=document["last_event_at_us"],
        head_hash=document["head_hash"],
    )


def _attributes(event: EventIn) -> list[dict[str, Any]]:
    if event.metadata is None:
        return []
    result = []
    for attribute in event.metadata.attributes:
        item: dict[str, Any] = {
            "name": attribute.name,
            "value": attribute.value,
            "isPublic": event.isPublic if attribute.isPublic is None else attribute.isPublic,
            "sensitive": bool(attribute.sensitive or attribute.sensible),
        }
        for optional in ("format", "type", "valuePrefix", "valueSuffix"):
            if getattr(attribute, optional) is not None:
                item[optional] = getattr(attribute, optional)
        result.append(item)
    return result


def append_events(
    conn: Connection,
    ctx: WriteContext,
    document_id: str,
    items: list[EventIn],
    field: Callable[[int], str],
) -> list[dict[str, Any]]:
    """Append events in order, all or nothing. ``field(i)`` names item i in error messages."""
    principal = ctx.principal
    document = permissions.check_visible(
        store.get_document(conn, document_id, lock=True), principal, document_id
    )
    permissions.check_writable(document, principal)
    state = state_of(document)
    # Stamped under the document lock, never behind the previous append: createdAt is arrival order.
    recorded_us = max(now_us(), document["updated_at_us"])
    results: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        prefix = field(index)
        event_id = nanoid()
        result: dict[str, Any] = {"eventId": event_id, "targetDocumentId": None}
        if item.deduplicationId is not None:
            payload = {"documentId": document_id, "event": item.model_dump(mode="json")}
            stored = store.claim_deduplication(
                conn,
                principal.client_id,
                item.deduplicationId,
                "event",
                request_hash(payload),
                {"documentId": document_id, **result},
            )
            if stored is not None:
                if stored.get("__conflict__"):
                    raise Conflict(
                        f"{prefix}deduplicationId: already used by this client for a different request"
                    )
                results.append({"eventId": stored["eventId"], "targetDocumentId": stored["targetDocumentId"]})
                continue
        if state.status == CANCELLED:
            raise Conflict(f"{prefix}name: document {document_id} is CANCELLED and accepts no more events")
        if state.status == CLOSED and item.name not in ALLOWED_AFTER_CLOSE:
            raise Conflict(
                f"{prefix}name: document {document_id} is CLOSED; only RELATED, LINK and OUTPUT are accepted"
            )
        if state.event_count >= ctx.max_events_per_document:
            raise ValidationFailed(
                f"{prefix}name", f"a document holds at most {ctx.max_events_per_document} events"
            )
        external_us = datetime_to_us(item.externalCreatedAt)
        _check_not_future(ctx, external_us, f"{prefix}externalCreatedAt")
        if state.last_event_at_us is not None and external_us < state.last_event_at_us:
            raise ValidationFailed(
                f"{prefix}externalCreatedAt",
                f"must be at or after the latest event of the document ({us_to_iso(state.last_event_at_us)})",
            )
        body = {
            "id": event_id,
            "documentId": document_id,
            "seq": state.event_count + 1,
            "name": item.name,
            "label": item.label,
            "externalCreatedAt": format_timestamp(item.externalCreatedAt),
            "externalId": item.externalId,
            "isPublic": item.isPublic,
            "participantId": _participant_ref(
                conn, principal.data_set, item.participant, item.participantId, prefix
            ),
            "addressId": _address_ref(conn, principal.data_set, item.address, item.addressId, prefix),
            "author": _author(principal),
            "metadata": {"attributes": _attributes(item)},
            "value": format_decimal(item.value) if item.value is not None else None,
            "relatedDocument": item.relatedDocument.model_dump(mode="json") if item.relatedDocument else None,
            "target": item.target,
            "updates": item.updates,
            "tags": item.tags or [],
            "attachments": event_attachments(conn, document_id, item.attachments, item.isPublic, prefix),
            "propagateEvent": item.propagateEvent,
            "preserveSensitiveData": item.preserveSensitiveData,
            "deduplicationId": item.deduplicationId,
            "createdAt": us_to_iso(recorded_us),
        }
        encoded = canonical_json(body)
        hash_ = chain_hash(state.head_hash, encoded)
        state = apply_event(state, body, external_us, hash_)
        rows.append(
            {
                "document_id": document_id,
                "seq": body["seq"],
                "id": event_id,
                "name": item.name,
                "external_created_at_us": external_us,
                "created_at_us": recorded_us,
                "body": encoded.decode(),
                "hash": hash_,
            }
        )
        results.append(result)
    if rows:
        store.insert_events(conn, rows)
        store.update_document(
            conn,
            document_id,
            {
                "status": state.status,
                "current_value": format_decimal(state.current_value),
                "is_public": state.is_public,
                "is_publicly_searchable": state.is_publicly_searchable,
                "event_count": state.event_count,
                "last_event_at_us": state.last_event_at_us,
                "head_hash": state.head_hash,
                "updated_at_us": recorded_us,
            },
        )
    return results


def get_document(conn: Connection, principal: Principal, document_id: str) -> dict[str, Any]:
    document = permissions.check_visible(store.get_document(conn, document_id), principal, document_id)
    permissions.check_readable(document, principal)
    return load_view(conn, document)


def load_view(conn: Connection, document: Mapping[str, Any]) -> dict[str, Any]:
    creation = orjson.loads(document["body"])
    event_bodies = [orjson.loads(row["body"]) for row in store.get_events(conn, document["id"])]
    participant_ids = {creation["participantId"], creation["author"]["participantId"]}
    address_ids = {creation["addressId"]}
    for body in event_bodies:
        participant_ids.update(filter(None, (body.get("participantId"), body["author"]["participantId"])))
        if body.get("addressId"):
            address_ids.add(body["addressId"])
    people = {key: value[1] for key, value in participants.load_participants(conn, participant_ids).items()}
    places = {key: value[1] for key, value in participants.load_addresses(conn, address_ids).items()}
    return render_document(document, creation, event_bodies, people, places)


def require_document(conn: Connection, document_id: str) -> Mapping[str, Any]:
    document = store.get_document(conn, document_id)
    if document is None:
        raise NotFound(f"Document {document_id} was not found")
    return document
