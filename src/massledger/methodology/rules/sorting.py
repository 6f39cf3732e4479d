"""17. Mass Sorting (mass-id-sorting): the Sorting event deducts the Recycler's sorting factor.

Needs the Recycler accreditation's "Emissions & Composting Metrics" for the reference year (the MassID's
year − 1) with a "Sorting Factor" > 0. The prior value is that of the latest earlier event carrying a
value, chosen by timestamp (then position), not by position alone. Checks, in order: "Description";
|deducted − gross × factor| ≤ 0.1 kg; gross = prior value (exact); MassID currentValue = sorting value
(exact); |(gross − deducted) − sorting value| ≤ 0.1 kg."""

from __future__ import annotations

from decimal import Decimal

from massledger.methodology import constants as c
from massledger.methodology.accreditation import metrics_for_year, role_accreditation
from massledger.methodology.engine import Rule, Verdict, failed, passed
from massledger.methodology.graph import DocumentGraph, Event
from massledger.methodology.rules._common import dp10, num, shown

SLUG = "mass-id-sorting"
NAME = "Mass Sorting"
TOLERANCE = c.SORTING_TOLERANCE_KG


def prior_value_event(events: tuple[Event, ...], sorting: Event) -> Event | None:
    earlier = [
        e for e in events if e is not sorting and e.raw_value is not None and e.sort_key < sorting.sort_key
    ]
    return max(earlier, key=lambda e: e.sort_key) if earlier else None


def _weight(event: Event, name: str) -> tuple[Decimal | None, str | None]:
    attribute = event.attribute(name)
    number = event.number(name)
    if number is None or number <= 0:
        return (
            None,
            f'the "Sorting" "{name}" must be a number greater than 0, '
            f"got {shown(attribute.value if attribute else None)}",
        )
    if attribute is not None and attribute.format != "KILOGRAM":
        return None, f'the "Sorting" "{name}" must have the format "KILOGRAM", got {shown(attribute.format)}'
    return number, None


def _check(graph: DocumentGraph) -> Verdict:
    document = graph.mass_id
    actor, accreditation = role_accreditation(graph, c.RECYCLER)
    if actor is None or accreditation is None:
        return failed(
            "The MassID needs a Recycler ACTOR with a valid Recycler accreditation (sorting factor)."
        )
    if document.external_created_at is None:
        return failed("The MassID has no valid externalCreatedAt, so the reference year is unknown.")
    year = document.external_created_at.year - 1
    metrics = metrics_for_year(accreditation, year)
    factor = metrics.number("Sorting Factor") if metrics else None
    if factor is None or factor <= 0:
        return failed(
            f'The Recycler accreditation has no "{c.EMISSIONS_AND_COMPOSTING_METRICS}" '
            'with a "Sorting Factor" '
            f"greater than 0 for the reference year {year}."
        )
    sorting = document.first(c.SORTING)
    if sorting is None:
        return failed('The MassID has no "Sorting" event.')
    prior = prior_value_event(document.events, sorting)
    if prior is None or prior.value is None or prior.value <= 0:
        got = "no earlier event carries a value" if prior is None else f"got {shown(prior.raw_value)}"
        return failed(f"The value before sorting must be a number greater than 0 ({got}).")
    value = sorting.value
    if value is None or value <= 0:
        return failed(
            f'The "Sorting" event value must be a number greater than 0, got {shown(sorting.raw_value)}.'
        )
    gross, problem = _weight(sorting, "Gross Weight")
    if gross is None:
        return failed(f"{problem[0].upper()}{problem[1:]}." if problem else "Invalid gross weight.")
    deducted, problem = _weight(sorting, "Deducted Weight")
    if deducted is None:
        return failed(f"{problem[0].upper()}{problem[1:]}." if problem else "Invalid deducted weight.")
    if deducted >= gross:
        return failed(
            f'The "Deducted Weight" ({num(deducted)} kg) must be less than '
            f'the "Gross Weight" ({num(gross)} kg).'
        )
    if not sorting.has("Description"):
        return failed('The "Sorting" event has no "Description".')
    expected = gross * factor
    details = {
        "sortingFactor": factor,
        "referenceYear": year,
        "grossWeight": gross,
        "deductedWeight": deducted,
        "valueBeforeSorting": prior.value,
        "valueAfterSorting": value,
    }
    deducted_difference = dp10(abs(deducted - expected))
    if deducted_difference > TOLERANCE:
        return failed(
            f'The "Deducted Weight" {num(deducted)} kg differs from gross × sorting factor = {num(gross)} × '
            f"{num(factor)} = {num(expected)} kg by {num(deducted_difference)} kg, "
            f"more than {num(TOLERANCE)} kg.",
            **details,
        )
    if gross != prior.value:
        return failed(
            f'The "Sorting" "Gross Weight" ({num(gross)} kg) must equal the value before sorting '
            f'({num(prior.value)} kg, "{prior.name}" event).',
            **details,
        )
    if document.current_value != value:
        current = (
            shown(document.raw_current_value)
            if document.current_value is None
            else num(document.current_value)
        )
        return failed(
            f'The MassID current value ({current}) must equal the "Sorting" value ({num(value)}).', **details
        )
    remainder = dp10(abs(gross - deducted - value))
    if remainder > TOLERANCE:
        return failed(
            f'The "Sorting" value {num(value)} kg differs from gross − deducted = '
            f"{num(gross)} − {num(deducted)} = "
            f"{num(gross - deducted)} kg by {num(remainder)} kg, more than {num(TOLERANCE)} kg.",
            **details,
        )
    return passed(
        f"Sorting deducted {num(deducted)} kg of {num(gross)} kg (factor {num(factor)} for {year}); "
        "the value "
        f"{num(value)} kg is within {num(TOLERANCE)} kg of gross − deducted.",
        **details,
    )


RULE = Rule(SLUG, NAME, _check)
