from typing import Any

import pytest

from massledger.methodology.rules.vehicle import RULE
from tests.methodology import builders as b

BAD_PLATE = (
    'The "Vehicle License Plate" "{}" is not a Brazilian plate (Mercosul ABC1D23, legacy ABC1234 or AB1234; '
    "dashes and spaces are ignored)."
)


@pytest.mark.parametrize(
    "plate",
    ["ABC1D23", "abc1d23", "ABC-1D23", "ABC 1D23", " ABC1D23 ", "ABC1234", "ABC-1234", "AB1234", "AB-12 34"],
)
def test_valid_plates(plate: str) -> None:
    outcome = RULE(b.graph(b.mass_id().set("Pick-up", "Vehicle License Plate", plate)))
    assert (outcome.result, outcome.message) == (
        "PASSED",
        'The "Truck" is identified by a valid license plate.',
    )


@pytest.mark.parametrize(
    "plate", ["ABC1D2", "ABC1D234", "AB1D23", "1BC1D23", "ABC.1D23", "ABC/1D23", "ABCD123"]
)
def test_invalid_plates(plate: str) -> None:
    outcome = RULE(b.graph(b.mass_id().set("Pick-up", "Vehicle License Plate", plate)))
    assert (outcome.result, outcome.message) == ("FAILED", BAD_PLATE.format(plate.strip()))


@pytest.mark.parametrize(
    ("vehicle", "plate", "description", "result", "message"),
    [
        ("Bicycle", None, None, "PASSED", 'The vehicle is a "Bicycle", which needs no license plate.'),
        ("Cart", None, None, "PASSED", 'The vehicle is a "Cart", which needs no license plate.'),
        (
            "Sludge Pipes",
            None,
            None,
            "PASSED",
            'The vehicle is a "Sludge Pipes", which needs no license plate.',
        ),
        (
            "Boat",
            None,
            None,
            "FAILED",
            'The "Pick-up" event has no "Vehicle License Plate" (required for a "Boat").',
        ),
        (
            "Others",
            "ABC1D23",
            None,
            "FAILED",
            'The "Vehicle Type" is "Others", so a "Vehicle Description" is required.',
        ),
        ("Others", "ABC1D23", "Tractor", "PASSED", 'The "Others" is identified by a valid license plate.'),
        (
            "Spaceship",
            "ABC1D23",
            None,
            "FAILED",
            'The "Vehicle Type" "Spaceship" is not one of Bicycle, Boat, Car, Cargo Ship, Cart, Mini Van, '
            "Motorcycle, "
            "Others, Sludge Pipes, Truck.",
        ),
        (None, "ABC1D23", None, "FAILED", 'The "Pick-up" event has no "Vehicle Type".'),
    ],
)
def test_vehicle_types(vehicle: Any, plate: Any, description: Any, result: str, message: str) -> None:
    mass = b.mass_id().unset("Pick-up", "Vehicle License Plate").unset("Pick-up", "Vehicle Type")
    for name, value in (
        ("Vehicle Type", vehicle),
        ("Vehicle License Plate", plate),
        ("Vehicle Description", description),
    ):
        if value is not None:
            mass.set("Pick-up", name, value)
    outcome = RULE(b.graph(mass))
    assert (outcome.result, outcome.message) == (result, message)
