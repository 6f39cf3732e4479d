"""14. Recycler Identification: exactly one Recycler ACTOR."""

from massledger.methodology import constants as c
from massledger.methodology.rules.identification import exactly_one_actor_rule

RULE = exactly_one_actor_rule("recycler-identification", "Recycler Identification", c.RECYCLER)
