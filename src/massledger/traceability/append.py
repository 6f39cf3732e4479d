"""Appending events: one request, one transaction, all or nothing.

A request may touch several documents: RELATED/LINK write a back-link onto the related document,
``propagateEvent`` copies the event onto each directly related document, SPLIT/OUTPUT create child
documents. Every existing document the request may write is locked up front, in ascending id order
(PostgreSQL), so two requests touching the same documents cannot deadlock. The plain append (one
document, no relation, no propagation) runs exactly the statements it did before: lock, claim the
deduplicationId if any, insert, update the projection."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from massledger.attachments.service import event_attachments
from massledger.canonical import canonical_json, chain_hash
from massledger.errors import Conflict, Forbidden, ValidationFailed
from massledger.ids import datetime_to_us, format_timestamp, nanoid, new_uuid, now_us, us_to_iso
from massledger.traceability import participants, permissions, store
from massledger.traceability.permissions import Access
from massledger.traceability.projection import (
    ALLOWED_AFTER_CLOSE,
    CANCELLED,
    CLOSED,
    DocumentState,
    apply_event,
    format_decimal,
)
from massledger.traceability.schemas import (
    ACTOR,
    OUTPUT,
    SPLIT,
    ActorEvent,
    AnyEvent,
    CustomEvent,
    OutputEvent,
    PermissionsIn,
    RelatedEvent,
    SplitEvent,
    UpdateEvent,
)
from massledger.traceability.service import (
    WriteContext,
    access_of,
    address_ref,
    attributes,
    author_of,
    check_not_future,
    insert_new_document,
    mark_methodology_authority,
    participant_ref,
    request_hash,
    state_of,
)


@dataclass
class _Stream:
    """A document this request writes: its locked row, its state as events fold in, its new rows."""

    document: dict[str, Any]
    state: DocumentState
    recorded_us: int
    rows: list[dict[str, Any]] = field(default_factory=list)
    # Every event of this request on this document gets the same createdAt: format it once.
    recorded_at: str = field(init=False)

    def __post_init__(self) -> None:
        self.recorded_at = us_to_iso(self.recorded_us)

    @property
    def id(self) -> str:
        return str(self.document["id"])

    def append(self, body: dict[str, Any], external_us: int) -> None:
        body["seq"] = self.state.event_count + 1
        # Stamped under the document lock, never behind the previous append: createdAt is arrival order.
        body["createdAt"] = self.recorded_at
        encoded = canonical_json(body)
        hash_ = chain_hash(self.state.head_hash, encoded)
        self.state = apply_event(self.state, body, external_us, hash_)
        self.rows.append(
            {
                "document_id": self.id,
                "seq": body["seq"],
                "id": body["id"],
                "name": body["name"],
                "external_created_at_us": external_us,
                "created_at_us": self.recorded_us,
                "body": encoded.decode(),
                "hash": hash_,
            }
        )


def _event_record(**values: Any) -> dict[str, Any]:
    """An event body with every common key present (absent values are null)."""
    record: dict[str, Any] = {
        "label": None,
        "externalId": None,
        "participantId": None,
        "addressId": None,
        "metadata": {"attributes": []},
        "value": None,
        "relatedDocument": None,
        "target": None,
        "updates": None,
        "tags": [],
        "attachments": [],
        "propagateEvent": None,
        "preserveSensitiveData": None,
        "deduplicationId": None,
    }
    record.update(values)
    return record


class _Append:
    def __init__(
        self, conn: Connection, ctx: WriteContext, known: Mapping[str, dict[str, Any]] | None = None
    ) -> None:
        self.conn = conn
        self.ctx = ctx
        self.known = known or {}
        self.principal = ctx.principal
        self.documents: dict[str, dict[str, Any]] = {}
        self.streams: dict[str, _Stream] = {}
        self.access: dict[str, Access] = {}
        self.relations: list[str] = []
        self.children: list[tuple[dict[str, Any], int]] = []
        self.members: dict[tuple[str, str], None] = {}
        self.grants: dict[tuple[str, str], list[dict[str, Any]]] = {}
        # (document id, event name) pairs already found writable: a batch checks each pair once.
        self.writable_names: set[tuple[str, str]] = set()
        # Per request, not per event: the author record, participant/address ids already found in the
        # caller's data set, and timestamps already converted (aware datetimes: equal instants, equal
        # microseconds and UTC text).
        self.author = author_of(self.principal)
        self.known_participants: set[str | None] = set()
        self.known_addresses: set[str | None] = set()
        self.times: dict[datetime, tuple[int, str]] = {}

    # -- documents, locks, access ---------------------------------------------------------------------------

    def open(self, document_id: str, items: Sequence[AnyEvent]) -> _Stream:
        data_set = self.principal.data_set
        propagating = any(getattr(item, "propagateEvent", None) for item in items)
        others = {item.relatedDocument.documentId for item in items if isinstance(item, RelatedEvent)}
        if propagating:
            others.update(store.related_document_ids(self.conn, document_id))
        others.discard(document_id)
        wanted = [document_id, *others]
        if not propagating and all(wanted_id in self.known for wanted_id in wanted):
            # The caller read (and locked) these rows earlier in this transaction: no second round trip.
            self.documents = {
                wanted_id: dict(self.known[wanted_id])
                for wanted_id in wanted
                if wanted_id == document_id or self.known[wanted_id]["data_set"] == data_set
            }
        elif others:
            self.documents = store.get_documents(self.conn, [document_id, *others], data_set, lock=True)
        else:
            row = store.get_document(self.conn, document_id, lock=True)
            if row is not None:
                self.documents[document_id] = row
        permissions.check_visible(self.documents.get(document_id), self.principal, document_id)
        if propagating:
            # Stable from here: every relation of this document is written under its lock, which we hold.
            self.relations = store.related_document_ids(self.conn, document_id)
            missing = [related for related in self.relations if related not in self.documents]
            if missing:
                self.documents.update(store.get_documents(self.conn, missing, data_set, lock=True))
            # Relations are only ever written inside one data set; keep the invariant explicit.
            self.relations = [related for related in self.relations if related in self.documents]
        return self.stream(document_id)

    def stream(self, document_id: str) -> _Stream:
        stream = self.streams.get(document_id)
        if stream is None:
            document = self.documents[document_id]
            recorded_us = max(now_us(), document["updated_at_us"])
            stream = self.streams[document_id] = _Stream(document, state_of(document), recorded_us)
        return stream

    def access_to(self, document: dict[str, Any]) -> Access:
        cached = self.access.get(document["id"])
        if cached is None:
            cached = self.access[document["id"]] = access_of(self.conn, document, self.principal)
        return cached

    def writable(self, document: dict[str, Any], name: str) -> bool:
        return self.access_to(document).can_write(name)

    def timestamp(self, value: datetime) -> tuple[int, str]:
        """(µs since the epoch, stored UTC text) of a request timestamp."""
        known = self.times.get(value)
        if known is None:
            known = self.times[value] = (datetime_to_us(value), format_timestamp(value))
        return known

    def check_room(self, stream: _Stream, field_name: str) -> None:
        limit = self.ctx.max_events_per_document
        if stream.state.event_count >= limit:
            raise ValidationFailed(field_name, f"document {stream.id} holds at most {limit} events")

    # -- one requested event -------------------------------------------------------------------------------

    def append_item(self, main: _Stream, item: AnyEvent, prefix: str) -> dict[str, Any]:
        name = item.name
        if (main.id, name) not in self.writable_names:
            permissions.check_writable(main.document, self.access_to(main.document), name)
            self.writable_names.add((main.id, name))
        permissions.check_methodology_writer(main.document["category"], self.principal, f"{prefix}name")
        changes_access = isinstance(item, ActorEvent) and item.permissions is not None
        if changes_access and not permissions.is_trusted(main.document, self.principal):
            raise Forbidden(
                f"{prefix}permissions: only the organization that created document {main.id}"
                " may change its permissions"
            )
        event_id = nanoid()
        child_id = new_uuid() if name in (SPLIT, OUTPUT) else None
        result: dict[str, Any] = {"eventId": event_id, "targetDocumentId": child_id}
        if item.deduplicationId is not None:
            payload = {"documentId": main.id, "event": item.model_dump(mode="json")}
            stored = store.claim_deduplication(
                self.conn,
                self.principal.client_id,
                item.deduplicationId,
                "event",
                request_hash(payload),
                {"documentId": main.id, **result},
            )
            if stored is not None:
                if stored.get("__conflict__"):
                    raise Conflict(
                        f"{prefix}deduplicationId: already used by this client for a different request"
                    )
                return {
                    "eventId": stored["eventId"],
                    "targetDocumentId": stored["targetDocumentId"],
                    "replayed": True,  # nothing stored: the route says so in a header
                }
        if main.state.status == CANCELLED:
            raise Conflict(f"{prefix}name: document {main.id} is CANCELLED and accepts no more events")
        if main.state.status == CLOSED and name not in ALLOWED_AFTER_CLOSE:
            raise Conflict(
                f"{prefix}name: document {main.id} is CLOSED; only RELATED, LINK and OUTPUT are accepted"
            )
        self.check_room(main, f"{prefix}name")
        external_us, external_at = self.timestamp(item.externalCreatedAt)
        check_not_future(self.ctx, external_us, f"{prefix}externalCreatedAt")
        latest = main.state.last_event_at_us
        if latest is not None and external_us < latest:
            raise ValidationFailed(
                f"{prefix}externalCreatedAt",
                f"must be at or after the latest event of the document ({us_to_iso(latest)})",
            )
        data_set = self.principal.data_set
        participant_id = item.participantId
        if item.participant is not None or participant_id not in self.known_participants:
            participant_id = participant_ref(self.conn, data_set, item.participant, participant_id, prefix)
            if item.participant is None and participant_id is not None:
                self.known_participants.add(participant_id)
        address_id = item.addressId
        if item.address is not None or address_id not in self.known_addresses:
            address_id = address_ref(self.conn, data_set, item.address, address_id, prefix)
            if item.address is None and address_id is not None:
                self.known_addresses.add(address_id)
        body = _event_record(
            id=event_id,
            documentId=main.id,
            name=name,
            label=item.label,
            externalCreatedAt=external_at,
            externalId=item.externalId,
            isPublic=item.isPublic,
            participantId=participant_id,
            addressId=address_id,
            author=self.author,
            metadata={"attributes": attributes(item)},
            tags=item.tags or [],
            attachments=event_attachments(self.conn, main.id, item.attachments, item.isPublic, prefix),
            propagateEvent=getattr(item, "propagateEvent", None),
            preserveSensitiveData=item.preserveSensitiveData,
            deduplicationId=item.deduplicationId,
        )
        self.fill_specifics(main, item, body, child_id, prefix)
        main.append(body, external_us)
        if name == ACTOR:
            self.note_actor(main.id, body)
        if isinstance(item, RelatedEvent):
            related_id = body["relatedDocument"]["documentId"]
            if body["relatedDocument"]["bidirectional"]:
                self.back_link(main, body, external_us, prefix)
            if related_id not in self.relations:
                self.relations.append(related_id)
        if body["propagateEvent"]:
            self.propagate(main, body, external_us, prefix)
        return result

    def fill_specifics(
        self, main: _Stream, item: AnyEvent, body: dict[str, Any], child_id: str | None, prefix: str
    ) -> None:
        """The fields of each logical event type, checked against the document's state."""
        if isinstance(item, CustomEvent) and item.value is not None:
            if item.propagateEvent:
                raise ValidationFailed(
                    f"{prefix}value", "an event with propagateEvent: true may not carry value"
                )
            body["value"] = format_decimal(item.value)
        if isinstance(item, ActorEvent):
            if body["participantId"] is None:
                raise ValidationFailed(
                    f"{prefix}participant",
                    "an ACTOR event needs participant or participantId (who takes the role)",
                )
            if item.permissions is not None:
                if item.propagateEvent:
                    raise ValidationFailed(
                        f"{prefix}propagateEvent", "an ACTOR event carrying permissions does not propagate"
                    )
                body["permissions"] = self.permissions_record(item.permissions, body["participantId"], prefix)
        if isinstance(item, (ActorEvent, CustomEvent, RelatedEvent)) and item.relatedDocument is not None:
            body["relatedDocument"] = self.relation_target(main, item, prefix)
        if isinstance(item, UpdateEvent):
            body["updates"] = item.updates.model_dump(mode="json", exclude_none=True)
        if isinstance(item, (SplitEvent, OutputEvent)):
            assert child_id is not None
            body["target"] = self.child(main, item, body["id"], child_id, prefix)
            body["targetDocumentId"] = child_id

    def permissions_record(
        self, given: PermissionsIn, participant_id: str, prefix: str
    ) -> dict[str, list[dict[str, Any]]]:
        """The keyed form {participantId: [statements]}; a bare list applies to the ACTOR's participant."""
        keyed = {participant_id: given} if isinstance(given, list) else given
        others = [key for key in keyed if key != participant_id]
        if others:
            found = participants.load_participants(self.conn, others)
            for key in others:
                if key not in found or found[key][0] != self.principal.data_set:
                    raise ValidationFailed(f"{prefix}permissions.{key}", f"participant {key} was not found")
        return {
            key: [s.model_dump(mode="json", by_alias=True, exclude_none=True) for s in statements]
            for key, statements in keyed.items()
        }

    def relation_target(
        self, main: _Stream, item: ActorEvent | CustomEvent | RelatedEvent, prefix: str
    ) -> dict[str, Any]:
        reference = item.relatedDocument
        assert reference is not None
        id_field = f"{prefix}relatedDocument.documentId"
        if reference.documentId == main.id:
            raise ValidationFailed(id_field, "a document cannot be related to itself")
        is_relation = isinstance(item, RelatedEvent)
        if reference.bidirectional is not None and not is_relation:
            raise ValidationFailed(
                f"{prefix}relatedDocument.bidirectional", "only RELATED and LINK events write back-links"
            )
        target = (
            self.documents.get(reference.documentId)
            or self.known.get(reference.documentId)
            or store.get_document(self.conn, reference.documentId)
        )
        if target is None or target["data_set"] != self.principal.data_set:
            raise ValidationFailed(
                id_field,
                f"document {reference.documentId} was not found in the {self.principal.data_set} data set",
            )
        for attribute in ("category", "type", "subtype"):
            given = getattr(reference, attribute)
            if given is not None and given != target[attribute]:
                raise ValidationFailed(
                    f"{prefix}relatedDocument.{attribute}",
                    f"is {target[attribute]!r} on document {reference.documentId}, not {given!r}",
                )
        bidirectional = is_relation and reference.bidirectional is not False
        if not bidirectional and not self.access_to(target).can_read:
            raise Forbidden(f"{id_field}: your organization may not read document {reference.documentId}")
        return {
            "documentId": target["id"],
            "category": target["category"],
            "type": target["type"],
            "subtype": target["subtype"],
            "bidirectional": bidirectional if is_relation else None,
        }

    def back_link(self, main: _Stream, body: dict[str, Any], external_us: int, prefix: str) -> None:
        """The other half of a bidirectional relation, appended to the related document."""
        stream = self.stream(body["relatedDocument"]["documentId"])
        id_field = f"{prefix}relatedDocument.documentId"
        permissions.check_methodology_writer(stream.document["category"], self.principal, id_field)
        if not self.writable(stream.document, body["name"]):
            raise Forbidden(
                f"{id_field}: your organization may not add {body['name']} events to document {stream.id};"
                " send bidirectional: false to link one way"
            )
        if stream.state.status == CANCELLED:
            raise Conflict(
                f"{id_field}: document {stream.id} is CANCELLED and accepts no more events;"
                " send bidirectional: false to link one way"
            )
        self.check_room(stream, id_field)
        self.check_order(stream, external_us, prefix, "for the back-link")
        record = _event_record(
            id=nanoid(),
            documentId=stream.id,
            name=body["name"],
            label=body["label"],
            externalCreatedAt=body["externalCreatedAt"],
            isPublic=body["isPublic"],
            participantId=body["participantId"],
            addressId=body["addressId"],
            author=body["author"],
            relatedDocument={
                "documentId": main.id,
                "category": main.document["category"],
                "type": main.document["type"],
                "subtype": main.document["subtype"],
                "bidirectional": True,
            },
            backLinkOf={"documentId": main.id, "eventId": body["id"]},
        )
        stream.append(record, external_us)

    def propagate(self, main: _Stream, body: dict[str, Any], external_us: int, prefix: str) -> None:
        """Copy onto each directly related document (one level: copies never propagate). Documents whose
        status refuses the event are skipped; one the caller may not write refuses the whole request."""
        for related_id in list(self.relations):
            stream = self.stream(related_id)
            status = stream.state.status
            if status == CANCELLED or (status == CLOSED and body["name"] not in ALLOWED_AFTER_CLOSE):
                continue
            if not self.writable(stream.document, body["name"]):
                raise Forbidden(
                    f"{prefix}propagateEvent: your organization may not add {body['name']} events to related"
                    f" document {related_id}"
                )
            permissions.check_methodology_writer(
                stream.document["category"], self.principal, f"{prefix}propagateEvent"
            )
            self.check_room(stream, f"{prefix}propagateEvent")
            self.check_order(stream, external_us, prefix, "to propagate")
            copy = {
                **body,
                "id": nanoid(),
                "documentId": related_id,
                "propagateEvent": None,
                "deduplicationId": None,
                "propagatedFrom": {"documentId": main.id, "eventId": body["id"]},
            }
            stream.append(copy, external_us)
            if copy["name"] == ACTOR:
                self.note_actor(related_id, copy)

    def check_order(self, stream: _Stream, external_us: int, prefix: str, purpose: str) -> None:
        latest = stream.state.last_event_at_us
        if latest is not None and external_us < latest:
            raise ValidationFailed(
                f"{prefix}externalCreatedAt",
                f"must be at or after the latest event of related document {stream.id} ({us_to_iso(latest)})"
                f" {purpose}",
            )

    def child(
        self, main: _Stream, item: SplitEvent | OutputEvent, event_id: str, child_id: str, prefix: str
    ) -> dict[str, Any]:
        """Validate the target and queue the child document's creation record (its chain genesis)."""
        target = item.target
        target_field = f"{prefix}target."
        source = main.document
        permissions.check_methodology_writer(
            target.category or source["category"], self.principal, f"{target_field}category"
        )
        unit = target.measurementUnit or source["measurement_unit"]
        if item.name == SPLIT:
            if target.value <= 0:
                raise ValidationFailed(f"{target_field}value", "a split moves a value greater than 0")
            current = main.state.current_value
            if target.value > current:
                raise ValidationFailed(
                    f"{target_field}value",
                    f"must not exceed the document's currentValue ({format_decimal(current)})",
                )
            if unit != source["measurement_unit"]:
                raise ValidationFailed(
                    f"{target_field}measurementUnit",
                    f"a split keeps the source's measurement unit ({source['measurement_unit']})",
                )
        check_not_future(
            self.ctx, datetime_to_us(target.externalCreatedAt), f"{target_field}externalCreatedAt"
        )
        data_set = self.principal.data_set
        participant_id = participant_ref(
            self.conn, data_set, target.participant, target.participantId, target_field
        )
        address_id = address_ref(self.conn, data_set, target.address, target.addressId, target_field)
        record = {
            "category": target.category or source["category"],
            "type": target.type,
            "subtype": target.subtype,
            "value": format_decimal(target.value),
            "externalId": target.externalId,
            "externalCreatedAt": format_timestamp(target.externalCreatedAt),
            "isPublic": target.isPublic,
            "isPubliclySearchable": target.isPubliclySearchable,
            "title": target.title,
            "shortTitle": target.shortTitle,
            "tags": target.tags or [],
            "measurementUnit": unit,
            "participantId": participant_id or source["participant_id"],
            "addressId": address_id or source["address_id"],
        }
        creation = {
            "id": child_id,
            "dataSetName": data_set,
            "author": author_of(self.principal),
            "category": record["category"],
            "type": record["type"],
            "subtype": record["subtype"],
            "externalCreatedAt": record["externalCreatedAt"],
            "externalId": record["externalId"],
            "isPublic": record["isPublic"],
            "isPubliclySearchable": record["isPubliclySearchable"],
            "participantId": record["participantId"],
            "addressId": record["addressId"],
            "tags": record["tags"],
            "title": record["title"],
            "shortTitle": record["shortTitle"],
            "measurementUnit": unit,
            "deduplicationId": None,
            "parentDocumentId": main.id,
            "currentValue": record["value"],
            "createdAt": us_to_iso(main.recorded_us),
            # Where it came from, so `verify` can match the child to the event that made it.
            "origin": {"documentId": main.id, "eventId": event_id, "name": item.name},
        }
        mark_methodology_authority(creation)
        self.children.append((creation, main.recorded_us))
        return record

    def note_actor(self, document_id: str, body: dict[str, Any]) -> None:
        named, granted = permissions.actor_changes(body)
        for participant_id in named:
            self.members[(document_id, participant_id)] = None
        for participant_id, statements in granted.items():
            self.grants[(document_id, participant_id)] = statements

    # -- the writes ----------------------------------------------------------------------------------------

    def flush(self) -> None:
        rows = [row for stream in self.streams.values() for row in stream.rows]
        if not rows:
            return
        written = [stream for stream in self.streams.values() if stream.rows]
        if len(rows) == 1:  # the plain single append: event and projection in one statement
            store.append_event(self.conn, rows[0], written[0].id, _projection(written[0]))
        else:
            store.insert_events(self.conn, rows)
            for stream in written:
                store.update_document(self.conn, stream.id, _projection(stream))
        for creation, created_us in self.children:
            insert_new_document(self.conn, creation, self.principal, created_us)
        created = {document_id: row["created_at_us"] for document_id, row in self.documents.items()}
        store.add_participants(
            self.conn,
            [{"document_id": d, "participant_id": p, "created_at_us": created[d]} for d, p in self.members],
        )
        store.set_permissions(
            self.conn,
            [
                {
                    "document_id": document_id,
                    "participant_id": participant_id,
                    "created_at_us": created[document_id],
                    "permissions": canonical_json(statements).decode(),
                    "can_read": permissions.allows(statements, permissions.READ),
                }
                for (document_id, participant_id), statements in self.grants.items()
            ],
        )


def _projection(stream: _Stream) -> dict[str, Any]:
    """The document row's projection columns after this request's events on ``stream``."""
    state = stream.state
    values: dict[str, Any] = {
        "status": state.status,
        "current_value": format_decimal(state.current_value),
        "event_count": state.event_count,
        "last_event_at_us": state.last_event_at_us,
        "head_hash": state.head_hash,
        "updated_at_us": stream.recorded_us,
    }
    # The visibility flags are columns of the public-search index, and SQLite rewrites an index entry
    # whenever one of its columns is in the SET list (it does not compare values): only an UPDATE event
    # that changes them puts them there (one index page fewer per append otherwise).
    if state.is_public != bool(stream.document["is_public"]):
        values["is_public"] = state.is_public
    if state.is_publicly_searchable != bool(stream.document["is_publicly_searchable"]):
        values["is_publicly_searchable"] = state.is_publicly_searchable
    return values


def append_events(
    conn: Connection,
    ctx: WriteContext,
    document_id: str,
    items: Sequence[AnyEvent],
    field: Callable[[int], str],
    known: Mapping[str, dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Append events in order, all or nothing. ``field(i)`` names item i in error messages.

    ``known``: documents rows the caller has already read in this transaction, by id, used instead of
    reading them again. When the document and every RELATED/LINK target are among them they must be
    current and locked by this transaction (as :func:`store.get_documents` with ``lock`` leaves them);
    a document only referenced (a custom event's ``relatedDocument``) is read for its id, data set,
    category, type, subtype and owner, which never change."""
    request = _Append(conn, ctx, known)
    main = request.open(document_id, items)
    results = [request.append_item(main, item, field(index)) for index, item in enumerate(items)]
    request.flush()
    return results
