"""The representative MassID (carrot.md §9.2) passes every rule of both methodologies."""

from datetime import UTC, datetime
from decimal import ROUND_DOWN, Decimal

import pytest

from massledger.methodology.methodologies import evaluate, get_methodology, methodologies
from tests.methodology import builders as b


def test_the_two_methodologies_and_their_rule_order() -> None:
    assert list(methodologies()) == ["bold-recycling", "bold-carbon"]
    recycling = [rule.slug for rule in methodologies()["bold-recycling"].rules]
    assert recycling == [
        "waste-mass-is-unique",
        "no-conflicting-recycled-id-or-credit",
        "project-period-limit",
        "participant-accreditations-and-verifications-requirements",
        "mass-id-qualifications",
        "regional-waste-classification",
        "geolocation-and-address-precision",
        "waste-origin-identification",
        "hauler-identification",
        "vehicle-identification",
        "driver-identification",
        "transport-manifest-data",
        "processor-identification",
        "recycler-identification",
        "weighing",
        "drop-off-at-recycler",
        "mass-id-sorting",
        "composting-cycle-timeframe",
        "recycling-manifest-data",
    ]
    carbon = [rule.slug for rule in methodologies()["bold-carbon"].rules]
    assert carbon == [
        *recycling[:1],
        "no-conflicting-gas-id-or-credit",
        *recycling[2:],
        "prevented-emissions",
    ]
    assert get_methodology("bold-unknown") is None


@pytest.mark.parametrize("slug", ["bold-recycling", "bold-carbon"])
def test_reference_mass_id_passes_every_rule(slug: str) -> None:
    evaluation = evaluate(slug, b.graph())
    failures = [(r.slug, r.result, r.message) for r in evaluation.rules if r.result != "PASSED"]
    assert failures == []
    assert evaluation.result == "PASSED"


def test_recycled_certificate_value_and_credits() -> None:
    evaluation = evaluate("bold-recycling", b.graph())
    assert evaluation.certificate_value == Decimal("3120.48")  # kg after sorting
    assert evaluation.credits == Decimal("3.120")  # tonnes, rounded down
    assert evaluation.to_dict()["certificateValue"] == "3120.48"
    assert evaluation.to_dict()["credits"] == "3.12"


def test_carbon_certificate_value_and_credits() -> None:
    evaluation = evaluate("bold-carbon", b.graph())
    # Food waste, baseline "Landfills without flaring of methane gas" (factor 0.940301 t CO2e/t), exceeding
    # coefficient 0.05 set on the recycler's 2024 metrics: 3120.48 × 0.940301 − 3120.48 × 0.05.
    by_hand = Decimal("2934.19046448") - Decimal("156.024")
    assert by_hand == Decimal("2778.16646448")
    assert evaluation.certificate_value == by_hand.quantize(Decimal("0.000001"), ROUND_DOWN)
    assert evaluation.credits == Decimal("2.778")


def test_a_failed_audit_has_no_certificate() -> None:
    evaluation = evaluate("bold-recycling", b.graph(now=datetime(2027, 1, 1, tzinfo=UTC)))
    assert evaluation.result == "FAILED"
    assert (evaluation.certificate_value, evaluation.credits) == (None, None)
    failed = [r.slug for r in evaluation.rules if r.result == "FAILED"]
    assert failed == [
        "project-period-limit",
        "participant-accreditations-and-verifications-requirements",
        "geolocation-and-address-precision",
        "weighing",
        "mass-id-sorting",
    ]
