"""13. Processor Identification: exactly one Processor ACTOR."""

from massledger.methodology import constants as c
from massledger.methodology.rules.identification import exactly_one_actor_rule

RULE = exactly_one_actor_rule("processor-identification", "Processor Identification", c.PROCESSOR)
