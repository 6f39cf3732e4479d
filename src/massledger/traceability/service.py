"""Commands and queries of the documents API; each runs inside the one transaction it is given."""

from __future__ import annotations

import base64
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import Connection, Select

from massledger.auth.tokens import Principal
from massledger.canonical import canonical_json, chain_hash, sha256_hex
from massledger.errors import Conflict, NotFound, ValidationFailed
from massledger.ids import datetime_to_us, format_timestamp, new_uuid, us_to_iso
from massledger.traceability import masking, participants, permissions, store
from massledger.traceability.permissions import Access, SystemPrincipal
from massledger.traceability.projection import (
    DocumentState,
)
from massledger.traceability.render import render_document, render_summary
from massledger.traceability.schemas import (
    AddressIn,
    AnyEvent,
    DocumentCreate,
    DocumentFilters,
    ParticipantIn,
    PublicDocumentFilters,
)

GENESIS = "massledger:document:v1"


@dataclass(frozen=True)
class WriteContext:
    principal: Principal
    now_us: int
    clock_skew_us: int
    max_events_per_document: int


def request_hash(payload: Any) -> str:
    return sha256_hex(canonical_json(payload))


def author_of(principal: Principal) -> dict[str, str]:
    return {
        "participantId": principal.participant_id,
        "clientId": principal.client_id,
        "organizationId": principal.organization_id,
        "dataSetName": principal.data_set,
    }


def check_not_future(ctx: WriteContext, at_us: int, field: str) -> None:
    if at_us > ctx.now_us + ctx.clock_skew_us:
        raise ValidationFailed(field, f"must not be in the future (server time {us_to_iso(ctx.now_us)})")


def participant_ref(
    conn: Connection, data_set: str, inline: ParticipantIn | None, ref: str | None, field: str
) -> str | None:
    if inline is not None:
        return participants.resolve_participant(conn, data_set, inline.model_dump(mode="json"))
    if ref is not None:
        found = participants.load_participants(conn, [ref]).get(ref)
        if found is None or found[0] != data_set:
            raise ValidationFailed(f"{field}participantId", f"participant {ref} was not found")
    return ref


def address_ref(
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
    permissions.check_methodology_writer(data.category, principal, "category")
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
            return {**stored, "replayed": True}
    external_us = datetime_to_us(data.externalCreatedAt)
    check_not_future(ctx, external_us, "externalCreatedAt")
    participant_id = participant_ref(conn, principal.data_set, data.participant, data.participantId, "")
    address_id = address_ref(conn, principal.data_set, data.address, data.addressId, "")
    creation = {
        "id": document_id,
        "dataSetName": principal.data_set,
        "author": author_of(principal),
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
    mark_methodology_authority(creation)
    insert_new_document(conn, creation, principal, ctx.now_us)
    return response


def mark_methodology_authority(creation: dict[str, Any]) -> None:
    """A Methodology document records, in its hashed creation record, that it was written with the
    authority to decide eligibility (the writer was checked by ``check_methodology_writer``); the
    methodology engine trusts only documents that carry it."""
    if creation["category"] == permissions.METHODOLOGY:
        creation["methodologyAuthority"] = True


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
    store.insert_tags(conn, creation["id"], creation["tags"])
    return genesis


def timestamp_us(iso: str) -> int:
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


def attributes(event: AnyEvent) -> list[dict[str, Any]]:
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
        # The optional fields, present only when given (spelled out: this runs per attribute of every event).
        if attribute.format is not None:
            item["format"] = attribute.format
        if attribute.type is not None:
            item["type"] = attribute.type
        if attribute.valuePrefix is not None:
            item["valuePrefix"] = attribute.valuePrefix
        if attribute.valueSuffix is not None:
            item["valueSuffix"] = attribute.valueSuffix
        result.append(item)
    return result


def access_of(conn: Connection, document: Mapping[str, Any], principal: Principal) -> Access:
    """What the principal may do on the document; a query only for callers other than owner and system."""
    if permissions.is_trusted(document, principal):
        return permissions.FULL_ACCESS
    text = store.get_access_rows(conn, [document["id"]], principal.participant_id).get(document["id"])
    return Access(None if text is None else tuple(orjson.loads(text)))


def get_document(conn: Connection, principal: Principal, document_id: str) -> dict[str, Any]:
    document = permissions.check_visible(store.get_document(conn, document_id), principal, document_id)
    permissions.check_readable(document, access_of(conn, document, principal))
    return load_view(conn, document)


class _RenderedViews:
    """``GET /documents/{id}`` answers (JSON bytes) by (document id, head hash), least recently used
    first out beyond ``max_bytes``. The head hash chains the creation record and every event, and the
    document row is their projection (only appends change it, always with a new head hash); participants
    and addresses never change (participants.py caches them too). So a view rendered once for a head hash
    is the view for as long as that hash is the head. Checks of who may read are never cached."""

    def __init__(self, max_bytes: int) -> None:
        self._max_bytes = max_bytes
        self._bytes = 0
        self._items: OrderedDict[tuple[str, str], bytes] = OrderedDict()

    def get(self, key: tuple[str, str]) -> bytes | None:
        return self._items.get(key)

    def put(self, key: tuple[str, str], value: bytes) -> None:
        if len(value) > self._max_bytes // 100:
            return  # a few huge documents must not flush everything else
        previous = self._items.pop(key, None)
        self._bytes += len(value) - (len(previous) if previous is not None else 0)
        self._items[key] = value
        while self._bytes > self._max_bytes:
            try:
                _, dropped = self._items.popitem(last=False)
            except KeyError:  # emptied by another thread (PostgreSQL handlers run in threads)
                break
            self._bytes -= len(dropped)


_views = _RenderedViews(max_bytes=64 * 1024 * 1024)


def get_document_json(conn: Connection, principal: Principal, document_id: str) -> bytes:
    """:func:`get_document` as the JSON the route answers, rendered once per head hash."""
    document = permissions.check_visible(store.get_document(conn, document_id), principal, document_id)
    permissions.check_readable(document, access_of(conn, document, principal))
    key = (str(document["id"]), str(document["head_hash"]))
    rendered = _views.get(key)
    if rendered is None:
        rendered = orjson.dumps(load_view(conn, document))
        _views.put(key, rendered)
    return rendered


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


def render_views(
    conn: Connection,
    documents: Sequence[Mapping[str, Any]],
    event_bodies: Mapping[str, Sequence[dict[str, Any]]],
) -> dict[str, dict[str, Any]]:
    """The ``GET /documents/{id}`` views of several documents whose (parsed) event bodies are given, with
    the participants and addresses of all of them read in two queries: document id → view."""
    creations = {document["id"]: orjson.loads(document["body"]) for document in documents}
    participant_ids: set[str] = set()
    address_ids: set[str] = set()
    for document_id, creation in creations.items():
        participant_ids.update((creation["participantId"], creation["author"]["participantId"]))
        address_ids.add(creation["addressId"])
        for body in event_bodies.get(document_id, ()):
            participant_ids.update(filter(None, (body.get("participantId"), body["author"]["participantId"])))
            if body.get("addressId"):
                address_ids.add(body["addressId"])
    people = {key: value[1] for key, value in participants.load_participants(conn, participant_ids).items()}
    places = {key: value[1] for key, value in participants.load_addresses(conn, address_ids).items()}
    return {
        document["id"]: render_document(
            document, creations[document["id"]], list(event_bodies.get(document["id"], ())), people, places
        )
        for document in documents
    }


def require_document(conn: Connection, document_id: str) -> Mapping[str, Any]:
    document = store.get_document(conn, document_id)
    if document is None:
        raise NotFound(f"Document {document_id} was not found")
    return document


def system_principal_for(conn: Connection, organization_id: str, data_set: str) -> SystemPrincipal:
    """The trusted in-process caller (methodology engine) acting as ``organization_id`` in ``data_set``:
    pass it to the same service functions HTTP routes use; it reads and writes every document there."""
    participant_id = participants.organization_participant_id(conn, organization_id, data_set)
    if participant_id is None:
        raise NotFound(f"Organization {organization_id} has no participant in the {data_set} data set")
    return permissions.system_principal(organization_id, participant_id, data_set)


# -- listings and public views ---------------------------------------------------------------------------


def _encode_cursor(row: Mapping[str, Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([row["created_at_us"], row["id"]])).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[int, str]:
    try:
        created_us, document_id = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if type(created_us) is int and 0 <= created_us < 2**63 and isinstance(document_id, str):
            return created_us, document_id
    except (ValueError, TypeError):
        pass
    raise ValidationFailed("cursor", "is not a cursor returned by this API (use nextCursor as it is)")


def _us(value: datetime | None) -> int | None:
    return None if value is None else datetime_to_us(value)


def listing_queries(
    filters: DocumentFilters, *, readers: tuple[str, str, str] | None, data_set: str | None, public: bool
) -> list[Select[Any]]:
    """The SQL of one listing page (limit + 1 rows, to know whether another page follows)."""
    conditions = store.filter_conditions(
        category=filters.category,
        type_=filters.type,
        subtype=filters.subtype,
        status=filters.status,
        tag=filters.tag,
        participant_id=filters.participantId,
        external_id=filters.externalId,
        created=(_us(filters.createdAfter), _us(filters.createdBefore)),
        external_created=(_us(filters.externalCreatedAfter), _us(filters.externalCreatedBefore)),
        public=public,
    )
    after = _decode_cursor(filters.cursor) if filters.cursor is not None else None
    return store.listing_queries(
        conditions=conditions, readers=readers, data_set=data_set, after=after, limit=filters.limit + 1
    )


def _page(
    conn: Connection,
    filters: DocumentFilters,
    *,
    readers: tuple[str, str, str] | None,
    data_set: str | None,
    public: bool,
) -> dict[str, Any]:
    queries = listing_queries(filters, readers=readers, data_set=data_set, public=public)
    rows = store.list_documents(conn, queries, filters.limit + 1)
    more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    return {
        "documents": [render_summary(row) for row in rows],
        "nextCursor": _encode_cursor(rows[-1]) if more else None,
    }


def list_documents(conn: Connection, principal: Principal, filters: DocumentFilters) -> dict[str, Any]:
    """The documents the caller may read, oldest first (createdAt, then id)."""
    if isinstance(principal, SystemPrincipal):
        return _page(conn, filters, readers=None, data_set=principal.data_set, public=False)
    readers = (principal.data_set, principal.organization_id, principal.participant_id)
    return _page(conn, filters, readers=readers, data_set=None, public=False)


def list_public_documents(conn: Connection, filters: PublicDocumentFilters) -> dict[str, Any]:
    """Public search: documents both isPublic and isPubliclySearchable, of every data set (or one)."""
    return _page(conn, filters, readers=None, data_set=filters.dataSetName, public=True)


def get_public_document(conn: Connection, document_id: str) -> dict[str, Any]:
    document = store.get_document(conn, document_id)
    if document is None or not document["is_public"]:
        raise NotFound(f"Document {document_id} was not found")
    inherited: set[str] = set()
    ancestor = document["parent_document_id"]
    while ancestor is not None:
        inherited |= masking.private_participants(store.actor_bodies(conn, ancestor))
        parent = store.get_document(conn, ancestor)
        ancestor = parent["parent_document_id"] if parent is not None else None
    return masking.public_view(load_view(conn, document), inherited)
