"""The representative MassID of carrot.md §9.2 and its accreditations, written as API request bodies.

Each document is a :class:`DocumentRequest`: the ``POST /documents`` body plus the event bodies an
integrator would ``POST /documents/{id}/events``, exactly as the API schemas accept them (each body is
validated with ``traceability.schemas``). :func:`render` turns a request into the ``GET /documents/{id}``
view with deterministic ids, following the API's rules: inline participants resolve to one id per
(countryCode, taxIdType, taxId), inline addresses to one id per normalised content, attributes inherit the
event's ``isPublic``, and status/currentValue come from the real projection fold."""

from __future__ import annotations

import copy
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pydantic import TypeAdapter

from massledger.canonical import canonical_json
from massledger.ids import format_timestamp
from massledger.methodology.graph import DocumentGraph
from massledger.traceability.projection import DocumentState, apply_event, format_decimal
from massledger.traceability.schemas import DocumentCreate, EventIn

_EVENT = TypeAdapter(EventIn)

NOW = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)
_NAMESPACE = uuid.UUID("0b7cf4b9-5d61-4a8e-9a51-0c2f3b1d7e21")


def doc_id(name: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"document:{name}"))


def _participant(name: str, tax_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "countryCode": "BR",
        "name": name,
        "taxId": tax_id,
        "taxIdType": "CNPJ",
        "type": "COMPANY",
        **extra,
    }


def _address(street: str, number: str, city: str, lat: float, lon: float, **extra: Any) -> dict[str, Any]:
    return {
        "street": street,
        "number": number,
        "city": city,
        "countryState": "SP",
        "countryCode": "BR",
        "latitude": lat,
        "longitude": lon,
        **extra,
    }


GENERATOR = _participant(
    "Restaurante Bom Prato LTDA",
    "11222333000181",
    email="contato@bomprato.example",
    mobileNumber="+5511999990000",
)
HAULER = _participant("Transportes Verdes LTDA", "22333444000172")
PROCESSOR = _participant("Triagem Paulista LTDA", "33444555000163")
RECYCLER = _participant("Compostagem Cajamar LTDA", "44555666000154")
INTEGRATOR = _participant("Integra Resíduos LTDA", "55666777000145")
NETWORK = _participant("Carrot Network", "66777888000136")
AUTHOR = _participant("Methodology Author Org", "77888999000127")
DEVELOPER = _participant("Methodology Developer Org", "88999000000118")
IMPACT_POOL = _participant("Community Impact Pool", "99000111000109")

GENERATOR_SITE = _address("Rua das Colinas", "500", "São Paulo", -23.5489, -46.6388, zipCode="08575720")
HAULER_SITE = _address("Avenida dos Caminhões", "77", "Guarulhos", -23.4543, -46.5337)
PROCESSOR_SITE = _address("Rua da Triagem", "12", "Osasco", -23.5325, -46.7917)
YARD = _address("Estrada do Composto", "1200", "Cajamar", -23.3560, -46.8770)
INTEGRATOR_SITE = _address("Avenida Paulista", "1000", "São Paulo", -23.5614, -46.6559)

RECYCLER_ACCREDITATION = doc_id("accreditation:recycler")
MASS_ID = doc_id("mass-id")


def attr(name: str, value: Any, **extra: Any) -> dict[str, Any]:
    return {"name": name, "value": value, **extra}


def kg(name: str, value: Any) -> dict[str, Any]:
    return attr(name, value, format="KILOGRAM")


def event(name: str, at: str, *attributes: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, "externalCreatedAt": at, "isPublic": True, **fields}
    if attributes:
        body["metadata"] = {"attributes": list(attributes)}
    return body


def actor(
    role: str, participant: dict[str, Any], address: dict[str, Any], at: str, **fields: Any
) -> dict[str, Any]:
    return event("ACTOR", at, label=role, participant=participant, address=address, **fields)


@dataclass
class DocumentRequest:
    """A document as an integrator sends it: the create body and the event bodies, in order."""

    id: str
    body: dict[str, Any]
    events: list[dict[str, Any]] = field(default_factory=list)

    def copy(self) -> DocumentRequest:
        return DocumentRequest(self.id, copy.deepcopy(self.body), copy.deepcopy(self.events))

    def named(self, name: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["name"] == name]

    def one(self, name: str, index: int = 0) -> dict[str, Any]:
        return self.named(name)[index]

    def actor(self, role: str) -> dict[str, Any]:
        return next(e for e in self.events if e["name"] == "ACTOR" and e.get("label") == role)

    def drop(self, name: str, label: str | None = None) -> DocumentRequest:
        self.events = [
            e for e in self.events if not (e["name"] == name and (label is None or e.get("label") == label))
        ]
        return self

    def set(self, name: str, attribute: str, value: Any, index: int = 0, **extra: Any) -> DocumentRequest:
        """Set (or add) an attribute of the index-th event with this name."""
        target = self.one(name, index)
        attributes = target.setdefault("metadata", {"attributes": []})["attributes"]
        for item in attributes:
            if item["name"] == attribute:
                item["value"] = value
                item.update(extra)
                return self
        attributes.append({"name": attribute, "value": value, **extra})
        return self

    def unset(self, name: str, attribute: str, index: int = 0) -> DocumentRequest:
        target = self.one(name, index)
        attributes = target.get("metadata", {}).get("attributes", [])
        target.setdefault("metadata", {})["attributes"] = [a for a in attributes if a["name"] != attribute]
        return self

    def view(self) -> dict[str, Any]:
        return render(self)


def mass_id(accreditation_id: str = RECYCLER_ACCREDITATION) -> DocumentRequest:
    """carrot.md §9.2: 3250.5 kg of food waste picked up 2025-03-10, sorted to 3120.48 kg, recycled "
    "2025-06-10."""
    return DocumentRequest(
        MASS_ID,
        {
            "category": "MassID",
            "type": "Organic",
            "subtype": "Food, Food Waste and Beverages",
            "measurementUnit": "kg",
            "externalCreatedAt": "2025-03-10T08:00:00Z",
            "isPublic": True,
            "isPubliclySearchable": True,
            "title": "MassID",
            "externalId": "WG-2025-000123",
            "deduplicationId": "5f0c8a8e-31a7-4a55-9f0e-8f1c3b2a7d11",
            "participant": GENERATOR,
            "address": GENERATOR_SITE,
        },
        [
            actor("Waste Generator", GENERATOR, GENERATOR_SITE, "2025-03-10T08:00:00Z", isPublic=False),
            actor("Hauler", HAULER, HAULER_SITE, "2025-03-10T08:00:00Z", isPublic=False),
            actor("Processor", PROCESSOR, PROCESSOR_SITE, "2025-03-10T08:00:00Z"),
            actor("Recycler", RECYCLER, YARD, "2025-03-10T08:00:00Z"),
            actor("Integrator", INTEGRATOR, INTEGRATOR_SITE, "2025-03-10T08:00:00Z"),
            event(
                "Pick-up",
                "2025-03-10T08:00:00Z",
                attr("Vehicle Type", "Truck"),
                attr("Vehicle License Plate", "ABC1D23", sensitive=True),
                attr("Driver Identifier", "DRV-77", sensitive=True),
                attr("Local Waste Classification ID", "20 01 08"),
                attr(
                    "Local Waste Classification Description", "Resíduos biodegradáveis de cozinha e cantinas"
                ),
                attr("Captured GPS Latitude", -23.5491),
                attr("Captured GPS Longitude", -46.6392),
                attr("Description", "Food waste from the restaurant kitchen"),
                participant=GENERATOR,
                address=GENERATOR_SITE,
            ),
            event(
                "Transport Manifest",
                "2025-03-10T08:05:00Z",
                attr("Document Type", "MTR"),
                attr("Document Number", "4126"),
                attr("Issue Date", "2025-03-10", format="DATE"),
                participant=HAULER,
                address=GENERATOR_SITE,
                attachments=[{"fileName": "mtr-4126.pdf", "label": "Transport Manifest"}],
                value=3250.5,
            ),
            event(
                "Weighing",
                "2025-03-10T14:00:00Z",
                attr("Description", "Truck weighed on arrival at the composting yard"),
                attr("Weighing Capture Method", "Digital"),
                attr("Scale Type", "Weighbridge (Truck Scale)"),
                attr("Scale Validation", {"documentId": accreditation_id}),
                attr("Container Type", "Truck"),
                attr("Container Capacity", 12000, format="KILOGRAM"),
                kg("Gross Weight", 6750.5),
                kg("Tare", 3500),
                attr("Vehicle License Plate", "ABC1D23", sensitive=True),
                participant=RECYCLER,
                address=YARD,
                value=3250.5,
            ),
            event(
                "Drop-off",
                "2025-03-10T14:10:00Z",
                attr("Receiving Operator Identifier", "OP-12"),
                attr("Recycler Operator Identifier", "REC-3"),
                attr("Captured GPS Latitude", -23.3562),
                attr("Captured GPS Longitude", -46.8772),
                attr("Description", "Unloaded at the composting yard"),
                participant=RECYCLER,
                address=YARD,
                value=3250.5,
            ),
            event(
                "Sorting",
                "2025-03-11T09:00:00Z",
                attr("Description", "Plastics and metals removed before composting"),
                kg("Gross Weight", 3250.5),
                kg("Deducted Weight", 130.02),
                attr("Sorting Factor", 0.04),
                participant=RECYCLER,
                address=YARD,
                value=3120.48,
            ),
            event("Recycled", "2025-06-10T09:00:00Z", participant=RECYCLER, address=YARD),
            event(
                "Recycling Manifest",
                "2025-06-11T10:00:00Z",
                attr("Document Type", "CDF"),
                attr("Document Number", "2353"),
                attr("Issue Date", "2025-06-11", format="DATE"),
                participant=RECYCLER,
                address=YARD,
                attachments=[{"fileName": "cdf-2353.pdf", "label": "Recycling Manifest"}],
                value=3120.48,
            ),
            event("CLOSE", "2025-06-11T10:00:00Z"),
        ],
    )


def accreditation(
    role: str,
    participant: dict[str, Any],
    facility: dict[str, Any],
    *extra_events: dict[str, Any],
    effective: str = "2025-01-01",
    expiration: str | None = "2026-12-31",
    status: str = "Approved",
    exceptions: list[dict[str, Any]] | None = None,
    name: str | None = None,
) -> DocumentRequest:
    """A Participant Accreditation for one role: Accreditation Result, Facility Address, then extras."""
    result = [
        attr("Accreditation Status", status),
        attr("Effective Date", effective, format="DATE"),
    ]
    if expiration is not None:
        result.append(attr("Expiration Date", expiration, format="DATE"))
    if exceptions is not None:
        result.append(attr("Approved Exceptions", exceptions))
    return DocumentRequest(
        doc_id(name or f"accreditation:{role.lower().replace(' ', '-')}"),
        {
            "category": "Methodology",
            "type": "Participant Accreditation",
            "subtype": role,
            "externalCreatedAt": "2025-01-15T12:00:00Z",
            "isPublic": True,
            "isPubliclySearchable": False,
            "participant": participant,
            "address": facility,
        },
        [
            event(
                "Accreditation Result",
                "2025-01-15T12:00:00Z",
                *result,
                participant=participant,
                address=facility,
            ),
            event("Facility Address", "2025-01-15T12:00:00Z", participant=participant, address=facility),
            *extra_events,
        ],
    )


def emissions_metrics(year: int = 2024, sorting_factor: Any = 0.04, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "Reference Year": year,
        "Sorting Factor": sorting_factor,
        "Exceeding Emission Coefficient (per ton)": 0.05,
        "Greenhouse Gas Type (GHG)": "Methane (CH4)",
        "Baselines": {"Food, Food Waste and Beverages": "Landfills without flaring of methane gas"},
        **overrides,
    }
    return event(
        "Emissions & Composting Metrics",
        "2025-01-15T12:00:00Z",
        *(attr(name, value) for name, value in values.items() if value is not None),
    )


def recycler_accreditation(**options: Any) -> DocumentRequest:
    metrics = options.pop("metrics", emissions_metrics())
    scale = options.pop("scale_type", "Weighbridge (Truck Scale)")
    return accreditation(
        "Recycler",
        RECYCLER,
        options.pop("facility", YARD),
        metrics,
        event("Monitoring Systems & Equipment", "2025-01-15T12:00:00Z", attr("Scale Type", scale)),
        name="accreditation:recycler",
        **options,
    )


def accreditations() -> list[DocumentRequest]:
    return [
        recycler_accreditation(),
        accreditation("Processor", PROCESSOR, PROCESSOR_SITE),
        accreditation("Integrator", INTEGRATOR, INTEGRATOR_SITE),
        accreditation(
            "Waste Generator",
            GENERATOR,
            GENERATOR_SITE,
            event(
                "Onboarding Declaration",
                "2025-01-15T12:00:00Z",
                attr("Business Size Declaration", "Small Business"),
            ),
        ),
    ]


def definition(slug: str = "bold-recycling") -> DocumentRequest:
    site = INTEGRATOR_SITE
    return DocumentRequest(
        doc_id(f"definition:{slug}"),
        {
            "category": "Methodology",
            "type": "Definition",
            "externalCreatedAt": "2024-12-01T00:00:00Z",
            "isPublic": True,
            "isPubliclySearchable": True,
            "title": slug,
            "participant": NETWORK,
            "address": site,
        },
        [
            actor("Network", NETWORK, site, "2024-12-01T00:00:00Z"),
            actor("Methodology Author", AUTHOR, site, "2024-12-01T00:00:00Z"),
            actor("Methodology Developer", DEVELOPER, site, "2024-12-01T00:00:00Z"),
            actor("Community Impact Pool", IMPACT_POOL, site, "2024-12-01T00:00:00Z"),
        ],
    )


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
