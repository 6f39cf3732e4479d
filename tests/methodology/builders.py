"""The representative MassID of carrot.md §9.2 and its accreditations, written as API request bodies
(massledger.methodology.samples), and their GET views.

Each document is a :class:`DocumentRequest`: the ``POST /documents`` body plus the event bodies an
integrator would ``POST /documents/{id}/events``, exactly as the API schemas accept them (each body is
validated with ``traceability.schemas``). :func:`render` turns a request into the ``GET /documents/{id}``
view with deterministic ids, following the API's rules: inline participants resolve to one id per
(countryCode, taxIdType, taxId), inline addresses to one id per normalised content, attributes inherit the
event's ``isPublic``, and status/currentValue come from the real projection fold."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import TypeAdapter

from massledger.canonical import canonical_json
from massledger.ids import format_timestamp
from massledger.methodology import samples
from massledger.methodology.graph import DocumentGraph
from massledger.methodology.samples import (
    _NAMESPACE,
    AUTHOR,
    DEVELOPER,
    GENERATOR,
    GENERATOR_SITE,
    HAULER,
    HAULER_SITE,
    IMPACT_POOL,
    INTEGRATOR,
    INTEGRATOR_SITE,
    MASS_ID,
    NETWORK,
    NOW,
    PROCESSOR,
    PROCESSOR_SITE,
    RECYCLER,
    RECYCLER_ACCREDITATION,
    REFERENCE,
    YARD,
    Cast,
    actor,
    attr,
    doc_id,
    emissions_metrics,
    event,
    kg,
)
from massledger.traceability.projection import DocumentState, apply_event, format_decimal
from massledger.traceability.schemas import DocumentCreate, EventIn

# The samples are used through this module as b.NAME (tests/methodology/*).
__all__ = [
    "AUTHOR",
    "DEVELOPER",
    "GENERATOR",
    "GENERATOR_SITE",
    "HAULER",
    "HAULER_SITE",
    "IMPACT_POOL",
    "INTEGRATOR",
    "INTEGRATOR_SITE",
    "MASS_ID",
    "NETWORK",
    "NOW",
    "PROCESSOR",
    "PROCESSOR_SITE",
    "RECYCLER",
    "RECYCLER_ACCREDITATION",
    "REFERENCE",
    "YARD",
    "Cast",
    "actor",
    "attr",
    "doc_id",
    "emissions_metrics",
    "event",
    "kg",
]

_EVENT = TypeAdapter(EventIn)


class DocumentRequest(samples.DocumentRequest):
    """A sample request that also renders its GET view (:func:`render`)."""

    def view(self) -> dict[str, Any]:
        return render(self)


def _viewable(request: samples.DocumentRequest) -> DocumentRequest:
    return DocumentRequest(request.id, request.body, request.events)


def mass_id(accreditation_id: str = RECYCLER_ACCREDITATION, cast: Cast = REFERENCE) -> DocumentRequest:
    return _viewable(samples.mass_id(accreditation_id, cast))


def accreditation(*args: Any, **options: Any) -> DocumentRequest:
    return _viewable(samples.accreditation(*args, **options))


def recycler_accreditation(cast: Cast = REFERENCE, **options: Any) -> DocumentRequest:
    return _viewable(samples.recycler_accreditation(cast, **options))


def accreditations(cast: Cast = REFERENCE) -> list[DocumentRequest]:
    return [_viewable(a) for a in samples.accreditations(cast)]


def definition(slug: str = "bold-recycling", cast: Cast = REFERENCE) -> DocumentRequest:
    return _viewable(samples.definition(slug, cast))


def graph(
    mass: DocumentRequest | None = None,
    *,
    now: datetime = NOW,
    accredited: list[DocumentRequest] | None = None,
    with_definition: bool = True,
    **more: Any,
) -> DocumentGraph:
    """The reference graph (or one with a changed MassID / accreditations)."""
    return DocumentGraph.from_views(
        (mass or mass_id()).view(),
        now,
        accreditations=[a.view() for a in (accreditations() if accredited is None else accredited)],
        definition=definition().view() if with_definition else None,
        **more,
    )


def replace_accreditation(replacement: DocumentRequest) -> list[DocumentRequest]:
    """The reference accreditations with the one of the same role replaced."""
    role = replacement.body["subtype"]
    return [replacement if a.body["subtype"] == role else a for a in accreditations()]


# -- rendering: request bodies → GET /documents/{id} ------------------------------------------------------

_SPACES = re.compile(r"\s+")


def participant_id(body: dict[str, Any]) -> str:
    return str(
        uuid.uuid5(_NAMESPACE, f"participant:{body['countryCode']}:{body['taxIdType']}:{body['taxId']}")
    )


def address_id(body: dict[str, Any]) -> str:
    fingerprint = {
        key: (_SPACES.sub(" ", value).strip().casefold() if isinstance(value, str) else value)
        for key, value in body.items()
        if value is not None
    }
    return str(uuid.uuid5(_NAMESPACE, "address:" + canonical_json(fingerprint).decode()))


_KNOWN_PARTICIPANTS: dict[str, dict[str, Any]] = {}
_KNOWN_ADDRESSES: dict[str, dict[str, Any]] = {}


def _resolve(inline: Any, ref: str | None, kind: str) -> dict[str, Any] | None:
    known = _KNOWN_PARTICIPANTS if kind == "participant" else _KNOWN_ADDRESSES
    if inline is not None:
        body = {k: v for k, v in inline.model_dump(mode="json").items() if v is not None}
        identity = participant_id(body) if kind == "participant" else address_id(body)
        known.setdefault(identity, {"id": identity, **body})
        return known[identity]
    if ref is not None:
        return known[ref]  # a test that references an id it never sent inline is wrong
    return None


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def render(request: DocumentRequest, data_set: str = "TEST") -> dict[str, Any]:
    created = DocumentCreate.model_validate(request.body)
    participant = _resolve(created.participant, created.participantId, "participant")
    address = _resolve(created.address, created.addressId, "address")
    author = {"participantId": participant["id"] if participant else None, "clientId": "integrator-client"}
    state = DocumentState.initial(
        {"isPublic": created.isPublic, "isPubliclySearchable": created.isPubliclySearchable}, ""
    )
    events = []
    for index, raw in enumerate(request.events):
        item = _EVENT.validate_python(raw)
        value = getattr(item, "value", None)
        related = getattr(item, "relatedDocument", None)
        attributes = []
        for attribute in item.metadata.attributes if item.metadata else []:
            rendered: dict[str, Any] = {
                "name": attribute.name,
                "value": attribute.value,
                "isPublic": item.isPublic if attribute.isPublic is None else attribute.isPublic,
                "sensitive": bool(attribute.sensitive or attribute.sensible),
            }
            if attribute.format is not None:
                rendered["format"] = attribute.format
            attributes.append(rendered)
        body = {
            "id": f"{request.id[:8]}-event-{index:04d}",
            "name": item.name,
            "label": item.label,
            "externalCreatedAt": format_timestamp(item.externalCreatedAt),
            "externalId": item.externalId,
            "isPublic": item.isPublic,
            "metadata": {"attributes": attributes},
            "participant": _resolve(item.participant, item.participantId, "participant"),
            "address": _resolve(item.address, item.addressId, "address"),
            "author": author,
            "value": _number(value),
            "relatedDocument": related.model_dump(mode="json") if related else None,
            "target": getattr(item, "target", None),
            "updates": getattr(item, "updates", None),
            "tags": item.tags or [],
            "attachments": [a.model_dump(mode="json") for a in item.attachments or []],
            "propagateEvent": getattr(item, "propagateEvent", None),
            "propagatedFrom": None,
            "preserveSensitiveData": item.preserveSensitiveData,
            "deduplicationId": item.deduplicationId,
            "createdAt": format_timestamp(item.externalCreatedAt),
        }
        projected = {**body, "value": format_decimal(value) if value is not None else None}
        state = apply_event(state, projected, 0, "")
        events.append(body)
    return {
        "id": request.id,
        "category": created.category,
        "type": created.type,
        "subtype": created.subtype,
        "status": state.status,
        "currentValue": _number(state.current_value),
        "measurementUnit": created.measurementUnit,
        "isPublic": state.is_public,
        "isPubliclySearchable": state.is_publicly_searchable,
        "externalId": created.externalId,
        "externalCreatedAt": format_timestamp(created.externalCreatedAt),
        "createdAt": format_timestamp(created.externalCreatedAt),
        "updatedAt": format_timestamp(created.externalCreatedAt),
        "dataSetName": data_set,
        "parentDocumentId": None,
        "title": created.title,
        "shortTitle": created.shortTitle,
        "tags": created.tags or [],
        "address": address,
        "primaryAddress": address,
        "participant": participant,
        "primaryParticipant": participant,
        "author": author,
        "events": events,
    }
