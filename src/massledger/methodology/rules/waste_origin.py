"""8. Waste Origin Identification: one Waste Generator ACTOR, or none when the Pick-up declares the
"Waste Origin" as "Unidentified" (never both)."""

from __future__ import annotations

from massledger.methodology import constants as c
from massledger.methodology.engine import Rule, Verdict, failed, passed
from massledger.methodology.graph import DocumentGraph

SLUG = "waste-origin-identification"
NAME = "Waste Origin Identification"


def _check(graph: DocumentGraph) -> Verdict:
    pick_up = graph.mass_id.first(c.PICK_UP)
    if pick_up is None:
        return failed('The MassID has no "Pick-up" event.')
    generators = graph.mass_id.actors(c.WASTE_GENERATOR)
    unidentified = pick_up.text("Waste Origin") == c.UNIDENTIFIED
    if len(generators) > 1:
        return failed(f"The MassID has {len(generators)} Waste Generator ACTORs; exactly one is allowed.")
    if unidentified and generators:
        return failed(
            'The "Waste Origin" is "Unidentified" but the MassID has a Waste Generator ACTOR; '
            "declare one or the other."
        )
    if unidentified:
        return passed('The "Waste Origin" is declared "Unidentified" and no Waste Generator is named.')
    if not generators:
        return failed('The MassID has no Waste Generator ACTOR and the "Waste Origin" is not "Unidentified".')
    return passed("The waste origin is identified by one Waste Generator ACTOR.")


RULE = Rule(SLUG, NAME, _check)
