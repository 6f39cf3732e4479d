"""Request bodies of the representative MassID of carrot.md §9.2, its Participant Accreditations and the
methodology Definitions: what an integrator and a methodology operator POST, in the shapes the API
accepts. Used by `massledger demo` and by the methodology tests (tests/methodology/builders.py adds the
rendering of GET views on top).

The dates are those of carrot.md (2025); :func:`shift_years` moves every date by whole years, since the
rules judge dates against the audit time."""

from __future__ import annotations

import copy
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Self

NOW = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)
_NAMESPACE = uuid.UUID("0b7cf4b9-5d61-4a8e-9a51-0c2f3b1d7e21")


def doc_id(name: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"document:{name}"))


def participant(name: str, tax_id: str, **extra: Any) -> dict[str, Any]:
    """An inline Brazilian company participant (CNPJ)."""
    return {
        "countryCode": "BR",
        "name": name,
        "taxId": tax_id,
        "taxIdType": "CNPJ",
        "type": "COMPANY",
        **extra,
    }


def address(street: str, number: str, city: str, lat: float, lon: float, **extra: Any) -> dict[str, Any]:
    """An inline address in São Paulo state."""
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


GENERATOR = participant(
    "Restaurante Bom Prato LTDA",
    "11222333000181",
    email="contato@bomprato.example",
    mobileNumber="+5511999990000",
)
HAULER = participant("Transportes Verdes LTDA", "22333444000172")
PROCESSOR = participant("Triagem Paulista LTDA", "33444555000163")
RECYCLER = participant("Compostagem Cajamar LTDA", "44555666000154")
INTEGRATOR = participant("Integra Resíduos LTDA", "55666777000145")
NETWORK = participant("Carrot Network", "66777888000136")
AUTHOR = participant("Methodology Author Org", "77888999000127")
DEVELOPER = participant("Methodology Developer Org", "88999000000118")
IMPACT_POOL = participant("Community Impact Pool", "99000111000109")

GENERATOR_SITE = address("Rua das Colinas", "500", "São Paulo", -23.5489, -46.6388, zipCode="08575720")
HAULER_SITE = address("Avenida dos Caminhões", "77", "Guarulhos", -23.4543, -46.5337)
PROCESSOR_SITE = address("Rua da Triagem", "12", "Osasco", -23.5325, -46.7917)
YARD = address("Estrada do Composto", "1200", "Cajamar", -23.3560, -46.8770)
INTEGRATOR_SITE = address("Avenida Paulista", "1000", "São Paulo", -23.5614, -46.6559)


@dataclass(frozen=True)
class Cast:
    """Who takes part in a MassID and where: the actors of the MassID and of its accreditations, and the
    reward actors of the methodology Definitions. Another cast makes MassIDs whose participants (and so
    accreditations) are apart from the reference ones in the same data set."""

    generator: dict[str, Any]
    hauler: dict[str, Any]
    processor: dict[str, Any]
    recycler: dict[str, Any]
    integrator: dict[str, Any]
    generator_site: dict[str, Any]
    hauler_site: dict[str, Any]
    processor_site: dict[str, Any]
    yard: dict[str, Any]
    integrator_site: dict[str, Any]
    network: dict[str, Any]
    author: dict[str, Any]
    developer: dict[str, Any]
    impact_pool: dict[str, Any]


REFERENCE = Cast(
    GENERATOR,
    HAULER,
    PROCESSOR,
    RECYCLER,
    INTEGRATOR,
    GENERATOR_SITE,
    HAULER_SITE,
    PROCESSOR_SITE,
    YARD,
    INTEGRATOR_SITE,
    NETWORK,
    AUTHOR,
    DEVELOPER,
    IMPACT_POOL,
)

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

    def copy(self) -> Self:
        return type(self)(self.id, copy.deepcopy(self.body), copy.deepcopy(self.events))

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


def mass_id(accreditation_id: str = RECYCLER_ACCREDITATION, cast: Cast = REFERENCE) -> DocumentRequest:
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
            "participant": cast.generator,
            "address": cast.generator_site,
        },
        [
            actor(
                "Waste Generator", cast.generator, cast.generator_site, "2025-03-10T08:00:00Z", isPublic=False
            ),
            actor("Hauler", cast.hauler, cast.hauler_site, "2025-03-10T08:00:00Z", isPublic=False),
            actor("Processor", cast.processor, cast.processor_site, "2025-03-10T08:00:00Z"),
            actor("Recycler", cast.recycler, cast.yard, "2025-03-10T08:00:00Z"),
            actor("Integrator", cast.integrator, cast.integrator_site, "2025-03-10T08:00:00Z"),
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
                participant=cast.generator,
                address=cast.generator_site,
            ),
            event(
                "Transport Manifest",
                "2025-03-10T08:05:00Z",
                attr("Document Type", "MTR"),
                attr("Document Number", "4126"),
                attr("Issue Date", "2025-03-10", format="DATE"),
                participant=cast.hauler,
                address=cast.generator_site,
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
                participant=cast.recycler,
                address=cast.yard,
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
                participant=cast.recycler,
                address=cast.yard,
                value=3250.5,
            ),
            event(
                "Sorting",
                "2025-03-11T09:00:00Z",
                attr("Description", "Plastics and metals removed before composting"),
                kg("Gross Weight", 3250.5),
                kg("Deducted Weight", 130.02),
                attr("Sorting Factor", 0.04),
                participant=cast.recycler,
                address=cast.yard,
                value=3120.48,
            ),
            event("Recycled", "2025-06-10T09:00:00Z", participant=cast.recycler, address=cast.yard),
            event(
                "Recycling Manifest",
                "2025-06-11T10:00:00Z",
                attr("Document Type", "CDF"),
                attr("Document Number", "2353"),
                attr("Issue Date", "2025-06-11", format="DATE"),
                participant=cast.recycler,
                address=cast.yard,
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


def recycler_accreditation(cast: Cast = REFERENCE, **options: Any) -> DocumentRequest:
    metrics = options.pop("metrics", emissions_metrics())
    scale = options.pop("scale_type", "Weighbridge (Truck Scale)")
    return accreditation(
        "Recycler",
        cast.recycler,
        options.pop("facility", cast.yard),
        metrics,
        event("Monitoring Systems & Equipment", "2025-01-15T12:00:00Z", attr("Scale Type", scale)),
        name="accreditation:recycler",
        **options,
    )


def accreditations(cast: Cast = REFERENCE) -> list[DocumentRequest]:
    return [
        recycler_accreditation(cast),
        accreditation("Processor", cast.processor, cast.processor_site),
        accreditation("Integrator", cast.integrator, cast.integrator_site),
        accreditation(
            "Waste Generator",
            cast.generator,
            cast.generator_site,
            event(
                "Onboarding Declaration",
                "2025-01-15T12:00:00Z",
                attr("Business Size Declaration", "Small Business"),
            ),
        ),
    ]


def definition(slug: str = "bold-recycling", cast: Cast = REFERENCE) -> DocumentRequest:
    site = cast.integrator_site
    return DocumentRequest(
        doc_id(f"definition:{slug}"),
        {
            "category": "Methodology",
            "type": "Definition",
            "externalCreatedAt": "2024-12-01T00:00:00Z",
            "isPublic": True,
            "isPubliclySearchable": True,
            "title": slug,
            "participant": cast.network,
            "address": site,
        },
        [
            actor("Network", cast.network, site, "2024-12-01T00:00:00Z"),
            actor("Methodology Author", cast.author, site, "2024-12-01T00:00:00Z"),
            actor("Methodology Developer", cast.developer, site, "2024-12-01T00:00:00Z"),
            actor("Community Impact Pool", cast.impact_pool, site, "2024-12-01T00:00:00Z"),
        ],
    )


BUILDER_YEAR = 2025  # the year of the reference MassID
_DATE = re.compile(r"^(\d{4})(-\d{2}-\d{2}(T.*)?)$")


def shift_years(value: Any, years: int) -> Any:
    """Every ISO date (and date-time) string and every "Reference Year" moved by ``years``."""
    if isinstance(value, str):
        match = _DATE.match(value)
        return f"{int(match.group(1)) + years}{match.group(2)}" if match else value
    if isinstance(value, list):
        return [shift_years(item, years) for item in value]
    if isinstance(value, dict):
        shifted = {key: shift_years(item, years) for key, item in value.items()}
        if shifted.get("name") == "Reference Year" and isinstance(shifted.get("value"), int):
            shifted["value"] += years
        return shifted
    return value
