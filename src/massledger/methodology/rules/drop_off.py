"""16. Drop-off At Recycling Facility (drop-off-at-recycler): the last Drop-off names the receiving
operator and happens at the Recycler ACTOR's address (same address id)."""

from __future__ import annotations

from massledger.methodology import constants as c
from massledger.methodology.engine import Rule, Verdict, failed, passed
from massledger.methodology.graph import DocumentGraph

SLUG = "drop-off-at-recycler"
NAME = "Drop-off At Recycling Facility"


def _check(graph: DocumentGraph) -> Verdict:
    drop_off = graph.mass_id.last(c.DROP_OFF)
    if drop_off is None:
        return failed('The MassID has no "Drop-off" event.')
    recycler = graph.mass_id.actor(c.RECYCLER)
    if recycler is None:
        return failed("The MassID has no Recycler ACTOR.")
    problems = []
    if not drop_off.has("Receiving Operator Identifier"):
        problems.append('the "Drop-off" event has no "Receiving Operator Identifier"')
    if drop_off.address_id is None or drop_off.address_id != recycler.address_id:
        problems.append(
            f'the "Drop-off" address ({drop_off.address_id or "missing"}) is not the Recycler\'s address '
            f"({recycler.address_id or 'missing'})"
        )
    if problems:
        message = "; ".join(problems)
        return failed(message[0].upper() + message[1:] + ".")
    return passed("The last drop-off is at the Recycler's address and names the receiving operator.")


RULE = Rule(SLUG, NAME, _check)
