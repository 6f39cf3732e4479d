"""12. Transport Manifest Data (MTR)."""

from massledger.methodology import constants as c
from massledger.methodology.rules.manifest import manifest_rule, positive_value

RULE = manifest_rule(
    "transport-manifest-data", "Transport Manifest Data", c.TRANSPORT_MANIFEST, "MTR", False, positive_value
)
