import pytest

from massledger.methodology.rules.qualifications import RULE
from tests.methodology import builders as b


def test_reference_mass_id_qualifies() -> None:
    outcome = RULE(b.graph())
    assert (outcome.result, outcome.message) == (
        "PASSED",
        'The MassID is an "Organic" MassID of subtype "Food, Food Waste and Beverages" with 3120.48 kg.',
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"category": "Mass"}, 'The category must be "MassID", got "Mass".'),
        ({"type": "ORGANIC"}, 'The type must be "Organic", got "ORGANIC".'),
        ({"measurementUnit": "kg CO2e"}, 'The measurement unit must be "kg", got "kg CO2e".'),
        (
            {"subtype": "Plastic"},
            "The subtype must be one of Domestic Sludge, EFB similar to Garden, Yard and Park Waste, Food, "
            "Food "
            "Waste and Beverages, Garden, Yard and Park Waste, Industrial Sludge, Others (if organic), "
            "Tobacco, "
            'Wood and Wood Products; got "Plastic".',
        ),
        (
            {"category": "Mass", "measurementUnit": "t"},
            'The category must be "MassID", got "Mass"; the measurement unit must be "kg", got "t".',
        ),
    ],
)
def test_document_fields(changes: dict[str, str], message: str) -> None:
    mass = b.mass_id()
    mass.body.update(changes)
    outcome = RULE(b.graph(mass))
    assert (outcome.result, outcome.message) == ("FAILED", message)


@pytest.mark.parametrize(("value", "shown"), [(0, "0"), (None, "missing")])
def test_current_value_must_be_positive(value: object, shown: str) -> None:
    view = b.mass_id().view()
    view["currentValue"] = value
    outcome = RULE(b.DocumentGraph.from_views(view, b.NOW))
    assert (outcome.result, outcome.message) == (
        "FAILED",
        f"The current value must be a number greater than 0, got {shown}.",
    )
