"""Stored records → the seed's JSON shapes (GET /documents/{id})."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import orjson

from massledger.ids import us_to_iso


def _number(value: str | None) -> float | int | None:
    if value is None:
        return None
    decimal = Decimal(value)
    return int(decimal) if decimal == decimal.to_integral_value() else float(decimal)


def render_author(author: dict[str, Any], people: dict[str, dict[str, Any]]) -> dict[str, Any]:
    participant = people.get(author["participantId"], {})
    rendered = {key: value for key, value in participant.items() if key != "id"}
    rendered.update(participantId=author["participantId"], clientId=author.get("clientId"))
    return rendered


def _target(target: dict[str, Any] | None) -> dict[str, Any] | None:
    if target is None:
        return None
    return {**target, "value": _number(target.get("value"))}


def render_event(
    body: dict[str, Any], people: dict[str, dict[str, Any]], places: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    participant_id = body.get("participantId")
    address_id = body.get("addressId")
    return {
        "id": body["id"],
        "name": body["name"],
        "label": body.get("label"),
        "externalCreatedAt": body["externalCreatedAt"],
        "externalId": body.get("externalId"),
        "isPublic": body["isPublic"],
        "metadata": body.get("metadata") or {"attributes": []},
        "participant": people.get(participant_id) if participant_id else None,
        "address": places.get(address_id) if address_id else None,
        "author": render_author(body["author"], people),
        "value": _number(body.get("value")),
        "relatedDocument": body.get("relatedDocument"),
        "target": _target(body.get("target")),
        "targetDocumentId": body.get("targetDocumentId"),
        "updates": body.get("updates"),
        "permissions": body.get("permissions"),
        "backLinkOf": body.get("backLinkOf"),
        "tags": body.get("tags") or [],
        "attachments": body.get("attachments") or [],
        "propagateEvent": body.get("propagateEvent"),
        "propagatedFrom": body.get("propagatedFrom"),
        "preserveSensitiveData": body.get("preserveSensitiveData"),
        "deduplicationId": body.get("deduplicationId"),
        "createdAt": body["createdAt"],
    }


def render_document(
    document: Mapping[str, Any],
    creation: dict[str, Any],
    event_bodies: list[dict[str, Any]],
    people: dict[str, dict[str, Any]],
    places: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    participant = people.get(creation["participantId"], {})
    address = places.get(creation["addressId"], {})
    return {
        "id": document["id"],
        "category": document["category"],
        "type": document["type"],
        "subtype": document["subtype"],
        "status": document["status"],
        "currentValue": _number(document["current_value"]),
        "measurementUnit": document["measurement_unit"],
        "isPublic": document["is_public"],
        "isPubliclySearchable": document["is_publicly_searchable"],
        "externalId": document["external_id"],
        "externalCreatedAt": creation["externalCreatedAt"],
        "createdAt": us_to_iso(document["created_at_us"]),
        "updatedAt": us_to_iso(document["updated_at_us"]),
        "dataSetName": document["data_set"],
        "parentDocumentId": document["parent_document_id"],
        "title": creation.get("title"),
        "shortTitle": creation.get("shortTitle"),
        "tags": creation.get("tags") or [],
        "address": address,
        "primaryAddress": address,
        "participant": participant,
        "primaryParticipant": participant,
        "author": render_author(creation["author"], people),
        "events": [render_event(body, people, places) for body in event_bodies],
    }


def render_summary(row: Mapping[str, Any]) -> dict[str, Any]:
    """A listing item: the document without its events (seed 001 names)."""
    creation = orjson.loads(row["body"])
    return {
        "id": row["id"],
        "category": row["category"],
        "type": row["type"],
        "subtype": row["subtype"],
        "status": row["status"],
        "currentValue": _number(row["current_value"]),
        "measurementUnit": row["measurement_unit"],
        "isPublic": row["is_public"],
        "isPubliclySearchable": row["is_publicly_searchable"],
        "externalId": row["external_id"],
        "externalCreatedAt": creation["externalCreatedAt"],
        "createdAt": us_to_iso(row["created_at_us"]),
        "updatedAt": us_to_iso(row["updated_at_us"]),
        "dataSetName": row["data_set"],
        "parentDocumentId": row["parent_document_id"],
        "participantId": row["participant_id"],
        "title": creation.get("title"),
        "shortTitle": creation.get("shortTitle"),
        "tags": creation.get("tags") or [],
        "eventCount": row["event_count"],
    }
