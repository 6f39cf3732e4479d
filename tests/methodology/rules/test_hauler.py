import pytest

from massledger.methodology.rules.hauler import RULE
from tests.methodology import builders as b


@pytest.mark.parametrize(
    ("hauler", "vehicle", "result", "message"),
    [
        (True, "Truck", "PASSED", "The MassID names a Hauler ACTOR."),
        (False, "Sludge Pipes", "PASSED", 'No Hauler ACTOR is needed for the vehicle type "Sludge Pipes".'),
        (False, "Cart", "PASSED", 'No Hauler ACTOR is needed for the vehicle type "Cart".'),
        (
            False,
            "Truck",
            "FAILED",
            'The MassID has no Hauler ACTOR; one is required unless the "Vehicle Type" is Cart or Sludge '
            "Pipes "
            "(got Truck).",
        ),
        (
            False,
            "Bicycle",
            "FAILED",
            'The MassID has no Hauler ACTOR; one is required unless the "Vehicle Type" is Cart or Sludge '
            "Pipes "
            "(got Bicycle).",
        ),
    ],
)
def test_hauler(hauler: bool, vehicle: str, result: str, message: str) -> None:
    mass = b.mass_id().set("Pick-up", "Vehicle Type", vehicle)
    if not hauler:
        mass.drop("ACTOR", "Hauler")
    outcome = RULE(b.graph(mass))
    assert (outcome.result, outcome.message) == (result, message)


def test_needs_a_pick_up() -> None:
    outcome = RULE(b.graph(b.mass_id().drop("Pick-up")))
    assert (outcome.result, outcome.message) == ("FAILED", 'The MassID has no "Pick-up" event.')
