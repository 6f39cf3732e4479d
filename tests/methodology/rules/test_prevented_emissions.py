from decimal import ROUND_DOWN, ROUND_HALF_DOWN, Decimal
from typing import Any

import pytest

from massledger.methodology.rules.prevented_emissions import RULE
from tests.methodology import builders as b

FOOD = "Food, Food Waste and Beverages"
OTHERS = "Others (if organic)"
SIX = Decimal("0.000001")


def _run(mass: b.DocumentRequest | None = None, accredited: list[b.DocumentRequest] | None = None) -> Any:
    return RULE(b.graph(mass, accredited=accredited))


def _recycler(**metrics: Any) -> list[b.DocumentRequest]:
    return b.replace_accreditation(b.recycler_accreditation(metrics=b.emissions_metrics(**metrics)))


@pytest.mark.parametrize(
    ("baseline", "factor"),
    [
        ("Landfills with flaring of methane gas (and/or capture of biogas)", "0.459152"),
        ("Landfills without flaring of methane gas", "0.940301"),
        ("Open-air dump", "0.726812"),
    ],
)
def test_food_waste_per_baseline(baseline: str, factor: str) -> None:
    outcome = _run(accredited=_recycler(Baselines={FOOD: baseline}))
    # 3120.48 kg × factor − 3120.48 kg × 0.05, by hand with the table's factor:
    expected = (Decimal("3120.48") * Decimal(factor) - Decimal("3120.48") * Decimal("0.05")).quantize(
        SIX, ROUND_DOWN
    )
    assert outcome.result == "PASSED"
    assert outcome.details["preventedCo2e"] == expected
    assert outcome.message == (
        f"Prevented emissions: 3120.48 kg × {factor} − 3120.48 kg × 0.05 = {expected.normalize():f} kg CO2e "
        f'(Methane (CH4), baseline "{baseline}").'
    )


def test_prevented_emissions_are_never_negative() -> None:
    outcome = _run(accredited=_recycler(**{"Exceeding Emission Coefficient (per ton)": 1.2}))
    assert outcome.result == "PASSED"
    assert outcome.details["preventedCo2e"] == 0


@pytest.mark.parametrize(
    ("metrics", "message"),
    [
        (
            {"year": 2023},
            'The Recycler accreditation has no "Emissions & Composting Metrics" for the reference year 2024.',
        ),
        (
            {"Baselines": {"Wood and Wood Products": "Open-air dump"}},
            'The Recycler\'s 2024 emission metrics are incomplete: "Baselines" must map the subtype "Food, '
            "Food "
            'Waste and Beverages" to one of Landfills with flaring of methane gas (and/or capture of '
            "biogas), "
            "Landfills without flaring of methane gas, Open-air dump.",
        ),
        (
            {"Exceeding Emission Coefficient (per ton)": None, "Greenhouse Gas Type (GHG)": None},
            'The Recycler\'s 2024 emission metrics are incomplete: "Greenhouse Gas Type (GHG)" is missing; '
            '"Exceeding Emission Coefficient (per ton)" must be a number of at least 0.',
        ),
    ],
)
def test_incomplete_metrics(metrics: dict, message: str) -> None:
    outcome = _run(accredited=_recycler(**metrics))
    assert (outcome.result, outcome.message) == ("FAILED", message)


def _others(code: str, description: str) -> b.DocumentRequest:
    mass = b.mass_id()
    mass.body["subtype"] = OTHERS
    mass.set("Pick-up", "Local Waste Classification ID", code)
    mass.set("Pick-up", "Local Waste Classification Description", description)
    return mass


def test_others_if_organic_with_the_author_carbon_fraction() -> None:
    mass = _others("02 01 06", "Fezes, urina e estrume de animais")
    outcome = _run(mass, _recycler(Baselines={OTHERS: "Landfills without flaring of methane gas"}))
    factor = (Decimal("6.901715") * Decimal("0.15") + Decimal("-0.1297003")).quantize(SIX, ROUND_HALF_DOWN)
    assert factor == Decimal("0.905557")
    expected = (Decimal("3120.48") * factor - Decimal("3120.48") * Decimal("0.05")).quantize(SIX, ROUND_DOWN)
    assert outcome.result == "PASSED"
    assert (outcome.details["preventedCo2e"], outcome.details["carbonFractionSource"]) == (
        expected,
        "author table",
    )


def _generator_with_analysis(date: str, fraction: float = 0.2) -> list[b.DocumentRequest]:
    characterization = b.event(
        "Organic Waste Carbon Characterization",
        "2025-01-15T12:00:00Z",
        b.attr("Local Waste Classification ID", "02 02 99"),
        b.attr("Carbon Fraction", fraction),
        b.attr("Moisture Fraction", 0.6),
        b.attr("Carbon Analysis Date", date),
    )
    generator = b.accreditation("Waste Generator", b.GENERATOR, b.GENERATOR_SITE, characterization)
    recycler = b.recycler_accreditation(metrics=b.emissions_metrics(Baselines={OTHERS: "Open-air dump"}))
    return [recycler if a.body["subtype"] == "Recycler" else a for a in b.replace_accreditation(generator)]


@pytest.mark.parametrize(
    ("analysis", "result"),
    [
        ("2023-03-10T08:00:00Z", "PASSED"),  # the pick-up (2025-03-10T08:00Z) is exactly 2 years later
        ("2023-03-10T07:59:59Z", "REVIEW_REQUIRED"),  # 2 years and 1 second
        ("2025-03-10", "PASSED"),  # a date: midnight of that day, before the pick-up
        ("2025-03-11", "REVIEW_REQUIRED"),  # analysed after the pick-up
    ],
)
def test_others_if_organic_with_the_generator_characterization(analysis: str, result: str) -> None:
    mass = _others("02 02 99", "Outros resíduos não anteriormente especificados")
    outcome = _run(mass, _generator_with_analysis(analysis))
    assert outcome.result == result
    if result == "PASSED":
        factor = (Decimal("5.521373") * Decimal("0.2") + Decimal("-0.1297013")).quantize(SIX, ROUND_HALF_DOWN)
        expected = (Decimal("3120.48") * factor - Decimal("3120.48") * Decimal("0.05")).quantize(
            SIX, ROUND_DOWN
        )
        assert outcome.details["preventedCo2e"] == expected
    else:
        assert outcome.message == (
            "Awaiting a laboratory carbon characterization of waste code 02 02 99: no author carbon "
            "fraction and no "
            'Waste Generator "Organic Waste Carbon Characterization" valid at the pick-up date.'
        )


def test_others_if_organic_needs_an_8_7d_code() -> None:
    outcome = _run(
        _others("20 01 08", "Resíduos biodegradáveis de cozinha e cantinas"),
        _recycler(Baselines={OTHERS: "Open-air dump"}),
    )
    assert (outcome.result, outcome.message) == (
        "FAILED",
        '"Others (if organic)" needs a "Pick-up" "Local Waste Classification ID" of CDM type 8.7D; got 20 '
        "01 08.",
    )
