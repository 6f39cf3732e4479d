"""Small helpers shared by the rule modules (formatting, ROUND_DOWN comparisons)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_DOWN, Decimal, localcontext
from typing import Any

from massledger.methodology.graph import Event

_TEN_DP = Decimal("1e-10")


def quantize(value: Decimal, places: Decimal, rounding: str) -> Decimal:
    """``value.quantize`` with room for every digit (inputs are below 10^18, so products fit)."""
    with localcontext() as context:
        context.prec = 100
        return value.quantize(places, rounding=rounding)


def dp10(value: Decimal) -> Decimal:
    """Round toward zero at 10 decimal places, as the reference (bignumber.js, 10 dp, ROUND_DOWN)."""
    return quantize(value, _TEN_DP, ROUND_DOWN)


def num(value: Decimal | int) -> str:
    """A decimal in plain notation without trailing zeros ("3250.5", "0")."""
    if isinstance(value, int):
        return str(value)
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def iso(moment: datetime) -> str:
    """UTC ISO-8601 with seconds and a Z ("2025-03-10T14:10:00Z")."""
    moment = moment.astimezone(UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}".rstrip("0")
    return text + "Z"


def shown(value: Any) -> str:
    """An attribute value as quoted in a message: missing, or its JSON-ish text in quotes."""
    if value is None:
        return "missing"
    return f'"{value}"'


def event_label(event: Event) -> str:
    return f'"{event.name}" event' + (f" {event.id}" if event.id else "")
