"""9. Hauler Identification: a Hauler ACTOR, unless the Pick-up vehicle is Sludge Pipes or a Cart."""

from __future__ import annotations

from massledger.methodology import constants as c
from massledger.methodology.engine import Rule, Verdict, failed, passed
from massledger.methodology.graph import DocumentGraph

SLUG = "hauler-identification"
NAME = "Hauler Identification"


def _check(graph: DocumentGraph) -> Verdict:
    pick_up = graph.mass_id.first(c.PICK_UP)
    if pick_up is None:
        return failed('The MassID has no "Pick-up" event.')
    if graph.mass_id.actors(c.HAULER):
        return passed("The MassID names a Hauler ACTOR.")
    vehicle = pick_up.text("Vehicle Type")
    if vehicle in c.VEHICLES_WITHOUT_HAULER:
        return passed(f'No Hauler ACTOR is needed for the vehicle type "{vehicle}".')
    return failed(
        f'The MassID has no Hauler ACTOR; one is required unless the "Vehicle Type" is '
        f"{' or '.join(sorted(c.VEHICLES_WITHOUT_HAULER))} (got {vehicle or 'none'})."
    )


RULE = Rule(SLUG, NAME, _check)
