"""19. Recycling Manifest Data (CDF), recorded at the Recycler's address."""

from massledger.methodology import constants as c
from massledger.methodology.rules.manifest import equals_current_value, manifest_rule

RULE = manifest_rule(
    "recycling-manifest-data",
    "Recycling Manifest Data",
    c.RECYCLING_MANIFEST,
    "CDF",
    True,
    equals_current_value,
)
