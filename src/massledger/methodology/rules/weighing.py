"""15. Weighing: one or two "Weighing" events whose attributes are complete, consistent with the
Recycler's accredited scale, and whose net weight matches the event value.

Two events (two-step truck weighing) must agree on participant, capture method, scale type, container
type and capacity, gross weight and plate, with a Truck on a Weighbridge. The first event is validated:
value > 0, "Description", a known "Weighing Capture Method", a known "Scale Type" equal to the Recycler
accreditation's "Monitoring Systems & Equipment" scale type ("Weighbridge" = "Weighbridge (Truck
Scale)"), "Scale Validation" = {documentId: the Recycler accreditation}, a known "Container Type",
"Container Capacity" > 0 (KILOGRAM, LITER or CUBIC_METER), "Container Quantity" (forbidden for a Truck,
else an integer ≥ 1), "Gross Weight" and "Tare" > 0 in KILOGRAM, a valid plate (required for a Truck),
and |gross − tare × quantity − value| ≤ 0.1 kg (quantity 1 for a Truck). The accreditation's approved
exceptions may waive Tare, Container Capacity and Container Quantity when they are omitted."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from massledger.methodology import constants as c
from massledger.methodology.accreditation import has_approved_exception, role_accreditation
from massledger.methodology.engine import Rule, Verdict, failed, passed
from massledger.methodology.graph import Document, DocumentGraph, Event, parse_number
from massledger.methodology.rules._common import dp10, num, shown
from massledger.methodology.text import is_valid_plate

SLUG = "weighing"
NAME = "Weighing"
TOLERANCE = c.NET_WEIGHT_TOLERANCE_KG
CAPACITY_FORMATS = ("KILOGRAM", "LITER", "CUBIC_METER")
TWO_STEP_SAME = (
    "Weighing Capture Method",
    "Scale Type",
    "Container Capacity",
    "Container Type",
    "Gross Weight",
    "Vehicle License Plate",
)


def _scale(name: str | None) -> str | None:
    """Both spellings of the weighbridge are one scale type (carrot.md §10)."""
    return "Weighbridge" if name in c.WEIGHBRIDGE_NAMES else name


def _two_step_problems(first: Event, second: Event) -> list[str]:
    problems = []
    if first.participant_id != second.participant_id:
        problems.append("the two weighing events have different participants")
    for name in TWO_STEP_SAME:
        a, b = first.value_of(name), second.value_of(name)
        number_a, number_b = parse_number(a), parse_number(b)
        same = number_a == number_b if number_a is not None and number_b is not None else a == b
        if not same:
            problems.append(f'the first weighing "{name}" {shown(a)} differs from the second {shown(b)}')
    if first.text("Container Type") != c.TRUCK:
        problems.append(
            f'two-step weighing needs the "Container Type" "{c.TRUCK}", '
            f"got {shown(first.text('Container Type'))}"
        )
    if _scale(first.text("Scale Type")) != "Weighbridge":
        problems.append(
            f'two-step weighing needs a Weighbridge "Scale Type", got {shown(first.text("Scale Type"))}'
        )
    return problems


def _positive_kg(event: Event, name: str, problems: list[str]) -> Decimal | None:
    attribute = event.attribute(name)
    number = event.number(name)
    if number is None or number <= 0:
        problems.append(
            f'"{name}" must be a number greater than 0, got {shown(attribute.value if attribute else None)}'
        )
        return None
    if attribute is not None and attribute.format != "KILOGRAM":
        problems.append(f'"{name}" must have the format "KILOGRAM", got {shown(attribute.format)}')
        return None
    return number


def _first_event_problems(
    graph: DocumentGraph, event: Event, accreditation: Document
) -> tuple[list[str], dict[str, Any]]:
    problems: list[str] = []
    details: dict[str, Any] = {}

    def exempt(attribute: str) -> bool:
        return has_approved_exception(accreditation, c.WEIGHING, attribute, graph.now)

    value = event.value
    if value is None or value <= 0:
        problems.append(f"the event value must be a number greater than 0, got {shown(event.raw_value)}")
    if not event.has("Description"):
        problems.append('"Description" is missing')
    method = event.text("Weighing Capture Method")
    if method not in c.CAPTURE_METHODS:
        problems.append(
            f'"Weighing Capture Method" must be one of {", ".join(c.CAPTURE_METHODS)}, got {shown(method)}'
        )
    scale = event.text("Scale Type")
    monitoring = accreditation.last(c.MONITORING_SYSTEMS_AND_EQUIPMENT)
    accredited_scale = monitoring.text("Scale Type") if monitoring else None
    if scale not in c.SCALE_TYPES:
        problems.append(f'"Scale Type" must be one of {", ".join(c.SCALE_TYPES)}, got {shown(scale)}')
    elif accredited_scale is None:
        problems.append(
            f'the Recycler accreditation declares no "Scale Type" ("{c.MONITORING_SYSTEMS_AND_EQUIPMENT}")'
        )
    elif _scale(scale) != _scale(accredited_scale):
        problems.append(f'"Scale Type" "{scale}" differs from the accredited scale type "{accredited_scale}"')
    validation = event.value_of("Scale Validation")
    if not isinstance(validation, Mapping) or validation.get("documentId") != accreditation.id:
        problems.append(
            '"Scale Validation" must reference the Recycler accreditation '
            f'{{"documentId": "{accreditation.id}"}}'
        )
    elif validation.get("eventId") is not None and validation.get("eventId") not in {
        e.id for e in accreditation.events
    }:
        problems.append(
            f'"Scale Validation" names event {validation.get("eventId")}, '
            "which the Recycler accreditation does not have"
        )
    container = event.text("Container Type")
    if container not in c.CONTAINER_TYPES:
        problems.append(
            f'"Container Type" must be one of {", ".join(c.CONTAINER_TYPES)}, got {shown(container)}'
        )
    capacity = event.attribute("Container Capacity")
    if capacity is None or capacity.value is None:
        if not exempt("Container Capacity"):
            problems.append('"Container Capacity" is missing')
    elif (event.number("Container Capacity") or 0) <= 0:
        problems.append(f'"Container Capacity" must be a number greater than 0, got {shown(capacity.value)}')
    elif capacity.format not in CAPACITY_FORMATS:
        problems.append(
            f'"Container Capacity" must have a format among {", ".join(CAPACITY_FORMATS)}, '
            f"got {shown(capacity.format)}"
        )
    quantity: Decimal | None = Decimal(1)
    if container == c.TRUCK:
        if event.has("Container Quantity"):
            problems.append(
                f'"Container Quantity" must not be declared when the "Container Type" is "{c.TRUCK}"'
            )
    elif not event.has("Container Quantity"):
        quantity = None
        if not exempt("Container Quantity"):
            problems.append('"Container Quantity" is missing')
    else:
        quantity = event.number("Container Quantity")
        if quantity is None or quantity < 1 or quantity != quantity.to_integral_value():
            problems.append(
                '"Container Quantity" must be an integer of at least 1, '
                f"got {shown(event.value_of('Container Quantity'))}"
            )
            quantity = None
    gross = _positive_kg(event, "Gross Weight", problems)
    tare: Decimal | None = None
    if event.has("Tare") or not exempt("Tare"):
        tare = _positive_kg(event, "Tare", problems)
    plate = event.text("Vehicle License Plate")
    if plate is None:
        if container == c.TRUCK:
            problems.append('"Vehicle License Plate" is missing (required for a Truck)')
    elif not is_valid_plate(plate):
        problems.append(f'"Vehicle License Plate" "{plate}" is not a valid Brazilian plate')
    if gross is not None and tare is not None and quantity is not None and value is not None and value > 0:
        difference = dp10(abs(gross - tare * quantity - value))
        details.update(
            netWeightDifferenceKg=difference, grossWeight=gross, tare=tare, containerQuantity=quantity
        )
        formula = (
            f"|gross − tare × quantity − value| = |{num(gross)} − {num(tare)} × {num(quantity)} − "
            f"{num(value)}| = {num(difference)} kg"
        )
        details["formula"] = formula
        if difference > TOLERANCE:
            problems.append(f"{formula} exceeds {num(TOLERANCE)} kg")
    return problems, details


def _check(graph: DocumentGraph) -> Verdict:
    actor, accreditation = role_accreditation(graph, c.RECYCLER)
    if actor is None:
        return failed("The MassID has no Recycler ACTOR.")
    if accreditation is None:
        return failed(
            f"The Recycler {actor.participant_id} has no valid accreditation to check the scale against."
        )
    events = graph.mass_id.events_named(c.WEIGHING)
    if not events:
        return failed('The MassID has no "Weighing" event.')
    if len(events) > c.MAX_WEIGHING_EVENTS:
        return failed(
            f'The MassID has {len(events)} "Weighing" events; at most {c.MAX_WEIGHING_EVENTS} are allowed.'
        )
    problems = _two_step_problems(events[0], events[1]) if len(events) == 2 else []
    first_problems, details = _first_event_problems(graph, events[0], accreditation)
    problems += first_problems
    if problems:
        message = "; ".join(problems)
        return failed("Weighing: " + message + ".", **details)
    steps = "two steps" if len(events) == 2 else "one step"
    if "formula" in details:
        net = f"{details['formula']} ≤ {num(TOLERANCE)} kg"
    else:
        net = "the net weight is not checked (an attribute is omitted under an approved exception)"
    return passed(f"The weighing was captured in {steps} and every attribute is valid; {net}.", **details)


RULE = Rule(SLUG, NAME, _check)
