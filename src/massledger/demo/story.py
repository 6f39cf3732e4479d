"""The demo's story as data: who takes part, the accreditations and Definitions, and 20 MassIDs (pure
functions, no database). Built from the reference MassID of ``methodology.samples`` with the demo's own
cast, so its participants never meet the accreditations of other MassIDs in the same data set.

Every MassID is the reference one moved by whole days (so no two share a Pick-up instant, which the
uniqueness rule would flag) with its own mass; four of them break one rule each, in ways a reviewer
recognises, and their audits say why."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from massledger.methodology import samples
from massledger.methodology.samples import (
    BUILDER_YEAR,
    Cast,
    DocumentRequest,
    address,
    participant,
    shift_years,
)
from massledger.organizations.schemas import OrganizationType

MASS_IDS = 20
METHODOLOGIES = ("bold-recycling", "bold-carbon")
TARE_KG = Decimal(3500)
SORTING_FACTOR = Decimal("0.04")


@dataclass(frozen=True)
class Role:
    key: str  # short name used in output and idempotency keys
    label: str  # the role as the story tells it
    organization: str  # the organization's full name
    type: OrganizationType  # registry organization type
    participant: dict[str, Any] | None = None  # how the MassIDs name it (None: not an actor of MassIDs)


GENERATOR = participant(
    "Restaurante Sabor da Vila LTDA", "12345678000195", email="contato@sabordavila.example"
)
HAULER = participant("Coleta Limpa Transportes LTDA", "23456789000186")
PROCESSOR = participant("Separa Bem Triagem LTDA", "34567890000177")
RECYCLER = participant("Composta Verde Cajamar LTDA", "45678901000168")
INTEGRATOR = participant("Ciclo Integrador de Resíduos LTDA", "56789012000159")

# Same places as the reference MassID (the rules check distances between them), other names.
CAST = Cast(
    generator=GENERATOR,
    hauler=HAULER,
    processor=PROCESSOR,
    recycler=RECYCLER,
    integrator=INTEGRATOR,
    generator_site=address("Rua das Colinas", "510", "São Paulo", -23.5489, -46.6388),
    hauler_site=address("Avenida dos Caminhões", "90", "Guarulhos", -23.4543, -46.5337),
    processor_site=address("Rua da Triagem", "40", "Osasco", -23.5325, -46.7917),
    yard=address("Estrada do Composto", "1300", "Cajamar", -23.3560, -46.8770),
    integrator_site=address("Avenida Paulista", "1200", "São Paulo", -23.5614, -46.6559),
    network=participant("Demo Carrot Network", "67890123000140"),
    author=participant("Demo Methodology Author", "78901234000131"),
    developer=participant("Demo Methodology Developer", "89012345000122"),
    impact_pool=participant("Demo Community Impact Pool", "90123456000113"),
)

ROLES = (
    Role("generator", "waste generator", "Restaurante Sabor da Vila (demo)", "other", GENERATOR),
    Role("hauler", "hauler", "Coleta Limpa Transportes (demo)", "other", HAULER),
    Role("processor", "processor", "Separa Bem Triagem (demo)", "other", PROCESSOR),
    Role("recycler", "recycler", "Composta Verde Cajamar (demo)", "projectProponent", RECYCLER),
    Role("integrator", "integrator", "Ciclo Integrador de Resíduos (demo)", "projectDeveloper", INTEGRATOR),
    Role("operator", "methodology operator", "BOLD Methodology Operator (demo)", "validationBody"),
    Role("buyer", "credit buyer", "Mercado Consciente (demo)", "marketParticipant"),
)

BENEFICIARY = "Mercado Consciente S.A."
RETIREMENT_REASON = "Offsetting the emissions of the Mercado Consciente stores"


def year_shift(now: datetime) -> int:
    """Years to move the samples so the MassIDs are recycled in the previous year of ``now`` (the project
    period rule accepts the current or previous year; accreditations stay valid until the year after)."""
    return (now.year - 1) - BUILDER_YEAR


_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(T.*)?$")


def shift_days(value: Any, days: int) -> Any:
    """Every ISO date (and date-time) string moved by ``days``."""
    if isinstance(value, str):
        match = _DATE.match(value)
        if match is None:
            return value
        moved = date.fromisoformat(match.group(1)) + timedelta(days=days)
        return moved.isoformat() + (match.group(2) or "")
    if isinstance(value, list):
        return [shift_days(item, days) for item in value]
    if isinstance(value, dict):
        return {key: shift_days(item, days) for key, item in value.items()}
    return value


def with_mass(request: DocumentRequest, net_kg: Decimal) -> DocumentRequest:
    """The MassID carrying ``net_kg``: weighbridge gross = net + tare, sorting removes 4 %."""
    deducted = (net_kg * SORTING_FACTOR).quantize(Decimal("0.01"))
    sorted_kg = net_kg - deducted
    request.one("Transport Manifest")["value"] = float(net_kg)
    request.one("Weighing")["value"] = float(net_kg)
    request.set("Weighing", "Gross Weight", float(net_kg + TARE_KG), format="KILOGRAM")
    request.one("Drop-off")["value"] = float(net_kg)
    request.set("Sorting", "Gross Weight", float(net_kg), format="KILOGRAM")
    request.set("Sorting", "Deducted Weight", float(deducted), format="KILOGRAM")
    request.one("Sorting")["value"] = float(sorted_kg)
    request.one("Recycling Manifest")["value"] = float(sorted_kg)
    return request


def _wrong_tare(request: DocumentRequest) -> None:
    request.set("Weighing", "Tare", 3000, format="KILOGRAM")


def _no_transport_manifest_file(request: DocumentRequest) -> None:
    request.one("Transport Manifest").pop("attachments")


def _foreign_plate(request: DocumentRequest) -> None:
    request.set("Pick-up", "Vehicle License Plate", "XYZ", sensitive=True)


def _drop_off_far_away(request: DocumentRequest) -> None:
    request.set("Drop-off", "Captured GPS Latitude", -22.0)


@dataclass(frozen=True)
class Flaw:
    rule: str  # the rule that fails
    story: str  # what went wrong, in words
    apply: Callable[[DocumentRequest], None]


# MassID number → its flaw. The others pass both methodologies.
FLAWS = {
    4: Flaw("weighing", "the weighbridge ticket's tare does not match the truck", _wrong_tare),
    9: Flaw(
        "transport-manifest-data",
        "the transport manifest (MTR) file was never attached",
        _no_transport_manifest_file,
    ),
    13: Flaw("vehicle-identification", "the truck's licence plate is not a Brazilian plate", _foreign_plate),
    17: Flaw(
        "geolocation-and-address-precision",
        "the drop-off was captured 150 km from the yard",
        _drop_off_far_away,
    ),
}


@dataclass(frozen=True)
class MassIdPlan:
    number: int  # 1..20
    request: DocumentRequest  # dates already moved to the demo's years
    attachments: tuple[str, ...]  # files its events name (uploaded before the events)
    flaw: Flaw | None


def mass_id(
    number: int, years: int, recycler_accreditation_id: str, operator_participant_id: str
) -> MassIdPlan:
    """MassID ``number``: the reference timeline moved by ``number - 1`` days with its own mass, the
    operator granted READ (so it can audit), and its flaw if it has one."""
    request = samples.mass_id(recycler_accreditation_id, CAST)
    with_mass(request, Decimal(1800) + Decimal("137.25") * number)
    request.body["externalId"] = f"DEMO-WG-{number:04d}"
    request.body["title"] = f"MassID demo #{number}"
    request.body["deduplicationId"] = f"massledger-demo:mass-id:{number}"
    request.body["tags"] = ["demo"]
    for name, suffix in (("Transport Manifest", "mtr"), ("Recycling Manifest", "cdf")):
        manifest = request.one(name)
        for attachment in manifest.get("attachments", []):
            attachment["fileName"] = f"{suffix}-demo-{number:04d}.pdf"
        request.set(name, "Document Number", f"{suffix.upper()}-{number:04d}")
    grant = samples.event(
        "ACTOR",
        request.events[-1]["externalCreatedAt"],
        label="Auditor",
        participantId=operator_participant_id,
        permissions=[{"effect": "ALLOW", "actions": ["READ"]}],
        isPublic=False,
    )
    request.events.insert(len(request.events) - 1, grant)  # before the CLOSE
    flaw = FLAWS.get(number)
    if flaw is not None:
        flaw.apply(request)
    moved = shift_days(shift_years(request.body, years), number - 1)
    events = shift_days(shift_years(request.events, years), number - 1)
    for index, event in enumerate(events):
        event["deduplicationId"] = f"massledger-demo:mass-id:{number}:event:{index}"
    files = tuple(a["fileName"] for event in events for a in event.get("attachments", []))
    return MassIdPlan(number, DocumentRequest(request.id, moved, events), files, flaw)


def accreditations(years: int) -> list[DocumentRequest]:
    return [_moved(request, years) for request in samples.accreditations(CAST)]


def definitions(years: int) -> list[DocumentRequest]:
    return [_moved(samples.definition(slug, CAST), years) for slug in METHODOLOGIES]


def _moved(request: DocumentRequest, years: int) -> DocumentRequest:
    return DocumentRequest(request.id, shift_years(request.body, years), shift_years(request.events, years))


def attachment_bytes(file_name: str) -> bytes:
    """A small stand-in for a scanned manifest (the same bytes every run: content-addressed, stored once)."""
    return b"%PDF-1.4\n% massledger demo: " + file_name.encode() + b"\n%%EOF\n"


def now() -> datetime:
    return datetime.now(UTC)
