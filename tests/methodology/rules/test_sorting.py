import pytest

from massledger.methodology.rules.sorting import RULE
from tests.methodology import builders as b

PASSED = (
    "Sorting deducted {deducted} kg of 3250.5 kg (factor 0.04 for 2024); the value {value} kg is within 0.1 "
    "kg of "
    "gross − deducted."
)


def _run(mass: b.DocumentRequest, accredited: list[b.DocumentRequest] | None = None) -> tuple[str, str]:
    outcome = RULE(b.graph(mass, accredited=accredited))
    return outcome.result, outcome.message


def _sorted(deducted: float = 130.02, value: float = 3120.48) -> b.DocumentRequest:
    mass = b.mass_id().set("Sorting", "Deducted Weight", deducted, format="KILOGRAM")
    mass.one("Sorting")["value"] = value
    mass.one("Recycling Manifest")["value"] = value
    return mass


def test_reference_sorting() -> None:
    assert _run(b.mass_id()) == ("PASSED", PASSED.format(deducted="130.02", value="3120.48"))


@pytest.mark.parametrize(
    ("deducted", "result", "message"),
    [
        # 3250.5 × 0.04 = 130.02; the value stays within 0.1 of gross − deducted too.
        (130.12, "PASSED", PASSED.format(deducted="130.12", value="3120.48")),
        (129.92, "PASSED", PASSED.format(deducted="129.92", value="3120.48")),
        (
            130.13,
            "FAILED",
            'The "Deducted Weight" 130.13 kg differs from gross × sorting factor = 3250.5 × 0.04 = 130.02 '
            "kg by "
            "0.11 kg, more than 0.1 kg.",
        ),
    ],
)
def test_deducted_weight_tolerance(deducted: float, result: str, message: str) -> None:
    assert _run(_sorted(deducted=deducted)) == (result, message)


@pytest.mark.parametrize(
    ("value", "result", "message"),
    [
        (3120.58, "PASSED", PASSED.format(deducted="130.02", value="3120.58")),
        (
            3120.59,
            "FAILED",
            'The "Sorting" value 3120.59 kg differs from gross − deducted = 3250.5 − 130.02 = 3120.48 kg by '
            "0.11 kg, "
            "more than 0.1 kg.",
        ),
    ],
)
def test_sorting_value_tolerance(value: float, result: str, message: str) -> None:
    assert _run(_sorted(value=value)) == (result, message)


def test_gross_weight_must_equal_the_prior_value() -> None:
    mass = b.mass_id().set("Sorting", "Gross Weight", 3250.51, format="KILOGRAM")
    assert _run(mass) == (
        "FAILED",
        'The "Sorting" "Gross Weight" (3250.51 kg) must equal the value before sorting (3250.5 kg, '
        '"Drop-off" event).',
    )


def test_prior_value_is_chosen_by_timestamp_not_position() -> None:
    mass = b.mass_id()
    manifest = mass.one("Transport Manifest")
    manifest["value"] = 4000  # 08:05, before the Drop-off (14:10) in time
    mass.events.remove(manifest)
    mass.events.insert(mass.events.index(mass.one("Sorting")), manifest)  # but listed right before Sorting
    assert _run(mass) == ("PASSED", PASSED.format(deducted="130.02", value="3120.48"))


def test_document_value_must_equal_the_sorting_value() -> None:
    mass = b.mass_id()
    mass.one("Recycling Manifest")["value"] = 3120.5
    assert _run(mass) == (
        "FAILED",
        'The MassID current value (3120.5) must equal the "Sorting" value (3120.48).',
    )


@pytest.mark.parametrize(
    ("year", "factor", "message"),
    [
        (
            2023,
            0.04,
            'The Recycler accreditation has no "Emissions & Composting Metrics" with a "Sorting Factor" '
            "greater than 0 for the reference year 2024.",
        ),
        (
            2024,
            0,
            'The Recycler accreditation has no "Emissions & Composting Metrics" with a "Sorting Factor" '
            "greater than 0 for the reference year 2024.",
        ),
    ],
)
def test_sorting_factor_of_the_reference_year(year: int, factor: float, message: str) -> None:
    recycler = b.recycler_accreditation(metrics=b.emissions_metrics(year=year, sorting_factor=factor))
    assert _run(b.mass_id(), b.replace_accreditation(recycler)) == ("FAILED", message)


def test_suffixed_metrics_event_name_is_found() -> None:
    metrics = b.emissions_metrics()
    metrics["name"] = "Emissions & Composting Metrics (2024)"
    recycler = b.recycler_accreditation(metrics=metrics)
    assert _run(b.mass_id(), b.replace_accreditation(recycler))[0] == "PASSED"


@pytest.mark.parametrize(
    ("attribute", "value", "fmt", "message"),
    [
        (
            "Deducted Weight",
            3300,
            "KILOGRAM",
            'The "Deducted Weight" (3300 kg) must be less than the "Gross Weight" (3250.5 kg).',
        ),
        (
            "Gross Weight",
            3250.5,
            "LITER",
            'The "Sorting" "Gross Weight" must have the format "KILOGRAM", got "LITER".',
        ),
        (
            "Deducted Weight",
            -1,
            "KILOGRAM",
            'The "Sorting" "Deducted Weight" must be a number greater than 0, got "-1".',
        ),
    ],
)
def test_weight_attributes(attribute: str, value: float, fmt: str, message: str) -> None:
    assert _run(b.mass_id().set("Sorting", attribute, value, format=fmt)) == ("FAILED", message)


def test_description_is_required() -> None:
    assert _run(b.mass_id().unset("Sorting", "Description")) == (
        "FAILED",
        'The "Sorting" event has no "Description".',
    )


def test_no_sorting_event() -> None:
    assert _run(b.mass_id().drop("Sorting")) == ("FAILED", 'The MassID has no "Sorting" event.')
