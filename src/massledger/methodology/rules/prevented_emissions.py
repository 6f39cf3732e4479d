"""20. Prevented Emissions (BOLD Carbon only): kg CO2e the composting prevented.

``prevented = max(0, value × factor − value × exceeding coefficient)`` with the MassID currentValue in
kg. The Recycler accreditation's "Emissions & Composting Metrics" for the reference year (MassID year − 1)
gives the "Greenhouse Gas Type (GHG)", the "Exceeding Emission Coefficient (per ton)" and the "Baselines"
map {subtype → baseline}. The factor (t CO2e per t) comes from the table per subtype and baseline;
"Others (if organic)" uses ``slope × carbon fraction + intercept`` (6 decimals, half down, at least 0)
with the author's carbon fraction for the Pick-up's waste code or, failing that, the Waste Generator's
"Organic Waste Carbon Characterization" for that code, valid for 2 years after its analysis date; with
neither the result is REVIEW_REQUIRED (awaiting a laboratory report). The result is kept at 6 decimals
(rounded down) so it can be a certificate's value."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_DOWN, ROUND_HALF_DOWN, Decimal
from typing import Any

from massledger.methodology import constants as c
from massledger.methodology.accreditation import active_accreditation, metrics_for_year, role_accreditation
from massledger.methodology.engine import Rule, Verdict, failed, passed, review
from massledger.methodology.graph import DocumentGraph, Event, parse_date, parse_timestamp
from massledger.methodology.reference import (
    compact_code,
    others_if_organic,
    static_emission_factors,
    waste_codes,
)
from massledger.methodology.rules._common import num, quantize

SLUG = "prevented-emissions"
NAME = "Prevented Emissions"
RESULT_PLACES = Decimal("0.000001")
OTHERS_CDM_CODE = "8.7D"


def _analysis_valid_until(analysis: datetime) -> datetime:
    try:
        return analysis.replace(year=analysis.year + c.CARBON_CHARACTERIZATION_VALIDITY_YEARS)
    except ValueError:  # 29 February
        return analysis.replace(year=analysis.year + c.CARBON_CHARACTERIZATION_VALIDITY_YEARS, day=28)


def _generator_carbon_fraction(graph: DocumentGraph, code: str, pick_up: Event) -> Decimal | None:
    """The newest valid carbon characterization of this waste code by the Waste Generator."""
    actor = graph.mass_id.actor(c.WASTE_GENERATOR)
    accreditation = active_accreditation(graph, actor.participant_id if actor else None, c.WASTE_GENERATOR)
    if accreditation is None or pick_up.external_created_at is None:
        return None
    best: tuple[datetime, Decimal] | None = None
    for event in accreditation.events_named(c.ORGANIC_WASTE_CARBON_CHARACTERIZATION):
        event_code = event.text("Local Waste Classification ID")
        fraction, moisture = event.number("Carbon Fraction"), event.number("Moisture Fraction")
        raw_date = event.value_of("Carbon Analysis Date")
        analysed = parse_timestamp(raw_date)
        if analysed is None and (day := parse_date(raw_date)) is not None:
            analysed = datetime(day.year, day.month, day.day, tzinfo=pick_up.external_created_at.tzinfo)
        if event_code is None or compact_code(event_code) != code or analysed is None:
            continue
        if fraction is None or not 0 <= fraction <= 1 or moisture is None:
            continue
        if not analysed <= pick_up.external_created_at <= _analysis_valid_until(analysed):
            continue
        if best is None or analysed > best[0]:
            best = (analysed, fraction)
    return best[1] if best else None


def _others_factor(
    graph: DocumentGraph, baseline: str
) -> tuple[Decimal | None, Verdict | None, dict[str, Any]]:
    pick_up = graph.mass_id.first(c.PICK_UP)
    code_text = pick_up.text("Local Waste Classification ID") if pick_up else None
    code = compact_code(code_text) if code_text else None
    entry = waste_codes().get(code) if code else None
    if pick_up is None or code is None or entry is None or entry.cdm_code != OTHERS_CDM_CODE:
        return (
            None,
            failed(
                f'"{c.OTHERS_IF_ORGANIC}" needs a "Pick-up" "Local Waste Classification ID" of CDM type '
                f"{OTHERS_CDM_CODE}; got {code_text or 'none'}."
            ),
            {},
        )
    coefficients, author_fractions = others_if_organic()
    fraction = author_fractions.get(code)
    source = "author table"
    if fraction is None:
        fraction = _generator_carbon_fraction(graph, code, pick_up)
        source = "waste generator carbon characterization"
    if fraction is None:
        return (
            None,
            review(
                f"Awaiting a laboratory carbon characterization of waste code {entry.code}: "
                "no author carbon fraction "
                'and no Waste Generator "Organic Waste Carbon Characterization" valid at the pick-up date.'
            ),
            {},
        )
    line = coefficients[baseline]
    factor = max(Decimal(0), quantize(line.slope * fraction + line.intercept, RESULT_PLACES, ROUND_HALF_DOWN))
    return factor, None, {"carbonFraction": fraction, "carbonFractionSource": source}


def _check(graph: DocumentGraph) -> Verdict:
    document = graph.mass_id
    actor, accreditation = role_accreditation(graph, c.RECYCLER)
    if actor is None or accreditation is None:
        return failed(
            "The MassID needs a Recycler ACTOR with a valid Recycler accreditation (emission metrics)."
        )
    if document.external_created_at is None:
        return failed("The MassID has no valid externalCreatedAt, so the reference year is unknown.")
    year = document.external_created_at.year - 1
    metrics = metrics_for_year(accreditation, year)
    if metrics is None:
        return failed(
            f'The Recycler accreditation has no "{c.EMISSIONS_AND_COMPOSTING_METRICS}" '
            f"for the reference year {year}."
        )
    gas = metrics.text("Greenhouse Gas Type (GHG)")
    coefficient = metrics.number("Exceeding Emission Coefficient (per ton)")
    baselines = metrics.value_of("Baselines")
    baseline = baselines.get(document.subtype or "") if isinstance(baselines, dict) else None
    problems = []
    if gas is None:
        problems.append('"Greenhouse Gas Type (GHG)" is missing')
    if coefficient is None or coefficient < 0:
        problems.append('"Exceeding Emission Coefficient (per ton)" must be a number of at least 0')
    if baseline not in c.BASELINES:
        problems.append(
            f'"Baselines" must map the subtype "{document.subtype}" to one of {", ".join(c.BASELINES)}'
        )
    if problems:
        return failed(f"The Recycler's {year} emission metrics are incomplete: " + "; ".join(problems) + ".")
    assert coefficient is not None and isinstance(baseline, str)
    value = document.current_value
    if value is None or value <= 0:
        return failed("The MassID current value must be a number greater than 0.")
    details: dict[str, Any] = {}
    if document.subtype == c.OTHERS_IF_ORGANIC:
        factor, verdict, details = _others_factor(graph, baseline)
        if verdict is not None or factor is None:
            return verdict or failed("No emission factor.")
    else:
        row = static_emission_factors().get(document.subtype or "")
        factor = row.get(baseline) if row is not None else None
        if factor is None:
            return failed(f'There is no emission factor for the subtype "{document.subtype}".')
    prevented = quantize(max(Decimal(0), value * factor - value * coefficient), RESULT_PLACES, ROUND_DOWN)
    details.update(
        preventedCo2e=prevented,
        unit="kg CO2e",
        gasType=gas,
        baseline=baseline,
        emissionFactor=factor,
        exceedingEmissionCoefficient=coefficient,
        massIDValue=value,
        referenceYear=year,
    )
    return passed(
        f"Prevented emissions: {num(value)} kg × {num(factor)} − {num(value)} kg × {num(coefficient)} = "
        f'{num(prevented)} kg CO2e ({gas}, baseline "{baseline}").',
        **details,
    )


RULE = Rule(SLUG, NAME, _check)
