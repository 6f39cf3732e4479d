"""Request bodies shared by the traceability tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

PARTICIPANT = {
    "countryCode": "BR",
    "name": "Gerador Exemplo LTDA",
    "taxId": "12345678000199",
    "taxIdType": "CNPJ",
    "type": "COMPANY",
    "email": "contato@gerador.example",
}
ADDRESS = {
    "street": "Rua das Colinas",
    "number": "500",
    "city": "São Paulo",
    "countryState": "SP",
    "countryCode": "BR",
    "latitude": -23.5489,
    "longitude": -46.6388,
}


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def ago(**delta: float) -> str:
    return iso(datetime.now(UTC) - timedelta(**delta))


def document_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "category": "MassID",
        "type": "Organic",
        "subtype": "Food, Food Waste and Beverages",
        "externalCreatedAt": "2025-03-10T08:00:00Z",
        "isPublic": True,
        "isPubliclySearchable": True,
        "participant": PARTICIPANT,
        "address": ADDRESS,
    }
    body.update(overrides)
    return body


def event_body(name: str = "Pick-up", at: str = "2025-03-10T08:00:00Z", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, "externalCreatedAt": at, "isPublic": True}
    body.update(overrides)
    return body


def target_body(value: float = 1, **overrides: Any) -> dict[str, Any]:
    """The `target` of a SPLIT or OUTPUT."""
    body: dict[str, Any] = {
        "type": "Organic",
        "subtype": "Food, Food Waste and Beverages",
        "value": value,
        "externalCreatedAt": "2025-03-10T08:00:00Z",
        "isPublic": True,
        "isPubliclySearchable": True,
    }
    body.update(overrides)
    return body


def logical_events(related_id: str, participant: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """One valid request body per logical event type (CUSTOM = any other name)."""
    actor = participant or {**PARTICIPANT, "taxId": "98765432000111", "name": "Recicladora"}
    return {
        "ACTOR": event_body("ACTOR", label="Recycler", participant=actor),
        "CLOSE": event_body("CLOSE"),
        "CANCEL": event_body("CANCEL"),
        "RELATED": event_body("RELATED", relatedDocument={"documentId": related_id, "bidirectional": False}),
        "LINK": event_body("LINK", relatedDocument={"documentId": related_id, "bidirectional": False}),
        "UPDATE": event_body("UPDATE", updates={"isPubliclySearchable": False}),
        "SPLIT": event_body("SPLIT", target=target_body(1)),
        "OUTPUT": event_body("OUTPUT", target=target_body(5)),
        "CUSTOM": event_body("Weighing", value=10),
    }
