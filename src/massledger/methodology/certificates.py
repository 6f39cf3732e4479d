"""Certificate values and credit amounts.

- BOLD Recycling (RecycledID): the MassID's currentValue, kg of waste recycled.
- BOLD Carbon (GasID): the prevented emissions, kg CO2e (the prevented-emissions rule's result).
- Credits: the certificate value in tonnes, rounded **down** to 3 decimals (never mint more than
  was recorded)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_DOWN, Decimal

from massledger.methodology import constants as c
from massledger.methodology.engine import Outcome, RuleResult
from massledger.methodology.graph import Document
from massledger.methodology.rules.prevented_emissions import SLUG as PREVENTED_EMISSIONS


def credits_from_kg(kilograms: Decimal) -> Decimal:
    """Tonnes with 3 decimals, rounded down: 3120.48 kg → 3.120 t."""
    return (kilograms / c.KG_PER_TONNE).quantize(c.CREDIT_DECIMALS, rounding=ROUND_DOWN)


def recycled_value(mass_id: Document) -> Decimal | None:
    """kg recycled: the MassID's current value (None when it has none)."""
    return mass_id.current_value


def prevented_value(results: Iterable[RuleResult]) -> Decimal | None:
    """kg CO2e prevented, from a PASSED prevented-emissions result."""
    for result in results:
        if result.slug == PREVENTED_EMISSIONS and result.result == Outcome.PASSED:
            value = result.details.get("preventedCo2e")
            return value if isinstance(value, Decimal) else None
    return None
