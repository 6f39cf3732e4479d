"""BOLD Carbon (CH₄): the 19 MassID rules of BOLD Recycling plus prevented emissions (20 rules);
certificate GasID valued at the kg CO2e prevented."""

from __future__ import annotations

from decimal import Decimal

from massledger.methodology import constants as c
from massledger.methodology.bold_recycling import (
    MASS_ID_RULES_AFTER_CERTIFICATE,
    MASS_ID_RULES_BEFORE_CERTIFICATE,
)
from massledger.methodology.certificates import prevented_value
from massledger.methodology.engine import RuleResult
from massledger.methodology.graph import DocumentGraph
from massledger.methodology.methodologies import Methodology
from massledger.methodology.rules import prevented_emissions
from massledger.methodology.rules.certificate_uniqueness import certificate_uniqueness_rule

SLUG = "bold-carbon"


def _value(graph: DocumentGraph, results: tuple[RuleResult, ...]) -> Decimal | None:
    return prevented_value(results)


BOLD_CARBON = Methodology(
    slug=SLUG,
    name="BOLD Carbon",
    certificate_type=c.GAS_ID,
    certificate_unit="kg CO2e",
    credit_symbol="C-CARB.CH4",
    rules=(
        *MASS_ID_RULES_BEFORE_CERTIFICATE,
        certificate_uniqueness_rule("no-conflicting-gas-id-or-credit", SLUG, c.GAS_ID),
        *MASS_ID_RULES_AFTER_CERTIFICATE,
        prevented_emissions.RULE,
    ),
    certificate_value=_value,
)
