"""10. Vehicle Identification: a known "Vehicle Type"; "Others" needs a "Vehicle Description"; every
vehicle but a Bicycle, Cart or Sludge Pipes needs a valid Brazilian "Vehicle License Plate"."""

from __future__ import annotations

from massledger.methodology import constants as c
from massledger.methodology.engine import Rule, Verdict, failed, passed
from massledger.methodology.graph import DocumentGraph
from massledger.methodology.text import is_valid_plate

SLUG = "vehicle-identification"
NAME = "Vehicle Identification"


def _check(graph: DocumentGraph) -> Verdict:
    pick_up = graph.mass_id.first(c.PICK_UP)
    if pick_up is None:
        return failed('The MassID has no "Pick-up" event.')
    vehicle = pick_up.text("Vehicle Type")
    if vehicle is None:
        return failed('The "Pick-up" event has no "Vehicle Type".')
    if vehicle not in c.VEHICLE_TYPES:
        return failed(f'The "Vehicle Type" "{vehicle}" is not one of {", ".join(c.VEHICLE_TYPES)}.')
    if vehicle == c.OTHERS and not pick_up.has("Vehicle Description"):
        return failed('The "Vehicle Type" is "Others", so a "Vehicle Description" is required.')
    if vehicle in c.VEHICLES_WITHOUT_PLATE:
        return passed(f'The vehicle is a "{vehicle}", which needs no license plate.')
    plate = pick_up.text("Vehicle License Plate")
    if plate is None:
        return failed(f'The "Pick-up" event has no "Vehicle License Plate" (required for a "{vehicle}").')
    if not is_valid_plate(plate):
        return failed(
            f'The "Vehicle License Plate" "{plate}" is not a Brazilian plate '
            "(Mercosul ABC1D23, legacy ABC1234 or AB1234; dashes and spaces are ignored)."
        )
    return passed(f'The "{vehicle}" is identified by a valid license plate.')


RULE = Rule(SLUG, NAME, _check)
