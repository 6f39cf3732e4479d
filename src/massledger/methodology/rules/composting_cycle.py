"""18. Composting Cycle Timeframe: from the first Drop-off to the first Recycled event takes between
60 and 180 days, with 1 hour of tolerance on both bounds (integrator clocks jitter around midnight)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from massledger.methodology import constants as c
from massledger.methodology.engine import Rule, Verdict, failed, passed
from massledger.methodology.graph import DocumentGraph
from massledger.methodology.rules._common import iso, num

SLUG = "composting-cycle-timeframe"
NAME = "Composting Cycle Timeframe"
MIN_HOURS = c.COMPOSTING_MIN_DAYS * 24 - c.COMPOSTING_TOLERANCE_HOURS  # 1 439 h
MAX_HOURS = c.COMPOSTING_MAX_DAYS * 24 + c.COMPOSTING_TOLERANCE_HOURS  # 4 321 h


def _hours(delta: timedelta) -> Decimal:
    microseconds = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return Decimal(microseconds) / Decimal(3_600_000_000)


def _check(graph: DocumentGraph) -> Verdict:
    drop_off, recycled = graph.mass_id.first(c.DROP_OFF), graph.mass_id.first(c.RECYCLED)
    if drop_off is None or recycled is None:
        missing = " and ".join(
            f'"{n}"' for n, e in ((c.DROP_OFF, drop_off), (c.RECYCLED, recycled)) if e is None
        )
        return failed(f"The MassID has no {missing} event.")
    if drop_off.external_created_at is None or recycled.external_created_at is None:
        return failed('The "Drop-off" and "Recycled" events need valid externalCreatedAt timestamps.')
    hours = _hours(recycled.external_created_at - drop_off.external_created_at)
    days = (hours / 24).quantize(Decimal("0.01"))
    span = (
        f'{num(hours.quantize(Decimal("0.0001")))} h ({num(days)} days) from the "Drop-off" '
        f'({iso(drop_off.external_created_at)}) to the "Recycled" event ({iso(recycled.external_created_at)})'
    )
    details = {"hours": hours.quantize(Decimal("0.0001")), "minHours": MIN_HOURS, "maxHours": MAX_HOURS}
    if hours < MIN_HOURS or hours > MAX_HOURS:
        return failed(
            f"The composting cycle took {span}; it must take {c.COMPOSTING_MIN_DAYS} to "
            f"{c.COMPOSTING_MAX_DAYS} days ({MIN_HOURS} to {MAX_HOURS} h with the 1 h tolerance).",
            **details,
        )
    return passed(
        f"The composting cycle took {span}, within {c.COMPOSTING_MIN_DAYS} to {c.COMPOSTING_MAX_DAYS} days.",
        **details,
    )


RULE = Rule(SLUG, NAME, _check)
