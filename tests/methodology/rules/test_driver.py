from typing import Any

import pytest

from massledger.methodology.rules.driver import RULE
from tests.methodology import builders as b


@pytest.mark.parametrize(
    ("vehicle", "identifier", "exemption", "result", "message"),
    [
        ("Truck", "DRV-77", None, "PASSED", "The driver is identified."),
        (
            "Truck",
            None,
            "Driver refused",
            "PASSED",
            "The driver identification is exempted with a justification.",
        ),
        (
            "Truck",
            "DRV-77",
            "Driver refused",
            "FAILED",
            'The "Pick-up" event has both a "Driver Identifier" and a "Driver Identifier Exemption '
            'Justification"; '
            "send only one.",
        ),
        (
            "Truck",
            None,
            None,
            "FAILED",
            'The "Pick-up" event needs a "Driver Identifier" or a "Driver Identifier Exemption '
            'Justification".',
        ),
        (
            "Truck",
            "   ",
            None,
            "FAILED",
            'The "Pick-up" event needs a "Driver Identifier" or a "Driver Identifier Exemption '
            'Justification".',
        ),
        ("Sludge Pipes", None, None, "PASSED", 'No driver is needed for "Sludge Pipes".'),
    ],
)
def test_driver(vehicle: str, identifier: Any, exemption: Any, result: str, message: str) -> None:
    mass = b.mass_id().set("Pick-up", "Vehicle Type", vehicle).unset("Pick-up", "Driver Identifier")
    if identifier is not None:
        mass.set("Pick-up", "Driver Identifier", identifier)
    if exemption is not None:
        mass.set("Pick-up", "Driver Identifier Exemption Justification", exemption)
    outcome = RULE(b.graph(mass))
    assert (outcome.result, outcome.message) == (result, message)
