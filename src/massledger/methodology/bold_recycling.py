"""BOLD Recycling: the 19 MassID rules in their documented order (carrot.md §6); certificate RecycledID
valued at the MassID's kg recycled."""

from __future__ import annotations

from decimal import Decimal

from massledger.methodology import constants as c
from massledger.methodology.certificates import recycled_value
from massledger.methodology.engine import RuleResult
from massledger.methodology.graph import DocumentGraph
from massledger.methodology.methodologies import Methodology
from massledger.methodology.rules import (
    accreditations,
    composting_cycle,
    driver,
    drop_off,
    geolocation,
    hauler,
    processor,
    project_period,
    qualifications,
    recycler,
    recycling_manifest,
    sorting,
    transport_manifest,
    uniqueness,
    vehicle,
    waste_classification,
    waste_origin,
    weighing,
)
from massledger.methodology.rules.certificate_uniqueness import certificate_uniqueness_rule

SLUG = "bold-recycling"

MASS_ID_RULES_BEFORE_CERTIFICATE = (uniqueness.RULE,)
MASS_ID_RULES_AFTER_CERTIFICATE = (
    project_period.RULE,
    accreditations.RULE,
    qualifications.RULE,
    waste_classification.RULE,
    geolocation.RULE,
    waste_origin.RULE,
    hauler.RULE,
    vehicle.RULE,
    driver.RULE,
    transport_manifest.RULE,
    processor.RULE,
    recycler.RULE,
    weighing.RULE,
    drop_off.RULE,
    sorting.RULE,
    composting_cycle.RULE,
    recycling_manifest.RULE,
)


def _value(graph: DocumentGraph, results: tuple[RuleResult, ...]) -> Decimal | None:
    return recycled_value(graph.mass_id)


BOLD_RECYCLING = Methodology(
    slug=SLUG,
    name="BOLD Recycling",
    certificate_type=c.RECYCLED_ID,
    certificate_unit="kg",
    credit_symbol="C-BIOW",
    rules=(
        *MASS_ID_RULES_BEFORE_CERTIFICATE,
        certificate_uniqueness_rule("no-conflicting-recycled-id-or-credit", SLUG, c.RECYCLED_ID),
        *MASS_ID_RULES_AFTER_CERTIFICATE,
    ),
    certificate_value=_value,
)
