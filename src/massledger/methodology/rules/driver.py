"""11. Driver Identification: exactly one of "Driver Identifier" and "Driver Identifier Exemption
Justification" on the Pick-up, unless the vehicle is Sludge Pipes."""

from __future__ import annotations

from massledger.methodology import constants as c
from massledger.methodology.engine import Rule, Verdict, failed, passed
from massledger.methodology.graph import DocumentGraph

SLUG = "driver-identification"
NAME = "Driver Identification"
IDENTIFIER = "Driver Identifier"
EXEMPTION = "Driver Identifier Exemption Justification"


def _check(graph: DocumentGraph) -> Verdict:
    pick_up = graph.mass_id.first(c.PICK_UP)
    if pick_up is None:
        return failed('The MassID has no "Pick-up" event.')
    if pick_up.text("Vehicle Type") == c.SLUDGE_PIPES:
        return passed(f'No driver is needed for "{c.SLUDGE_PIPES}".')
    has_identifier, has_exemption = pick_up.has(IDENTIFIER), pick_up.has(EXEMPTION)
    if has_identifier and has_exemption:
        return failed(f'The "Pick-up" event has both a "{IDENTIFIER}" and a "{EXEMPTION}"; send only one.')
    if has_identifier:
        return passed("The driver is identified.")
    if has_exemption:
        return passed("The driver identification is exempted with a justification.")
    return failed(f'The "Pick-up" event needs a "{IDENTIFIER}" or a "{EXEMPTION}".')


RULE = Rule(SLUG, NAME, _check)
