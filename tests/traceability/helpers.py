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
