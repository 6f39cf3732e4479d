"""Pure ledger arithmetic: amounts, serial ranges, the ex-ante cap and pro-rata allocation.

Amounts are integer kilograms inside the ledger; the API speaks tonnes with at most 3 decimals. A batch
of N kg owns the serial units 1..N; a holding is a set of disjoint inclusive ranges of those units."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation

Range = tuple[int, int]  # inclusive (first, last) serial units

KG_PER_TONNE = 1000
# A trillion tonnes: far above any real supply, and every amount up to it has at most 15 significant digits
# in tonnes, so it travels exactly as a JSON number (a double) both ways.
MAX_KG = 10**15


class AmountError(ValueError):
    """An amount the API refuses; the message says why."""


def tonnes_to_kg(value: int | float | Decimal | str) -> int:
    """Tonnes (at most 3 decimals, > 0) to whole kilograms."""
    if isinstance(value, bool):
        raise AmountError("must be a number of tonnes")
    try:
        tonnes = Decimal(str(value))
    except InvalidOperation as exc:
        raise AmountError("must be a number of tonnes") from exc
    if not tonnes.is_finite():
        raise AmountError("must be a finite number of tonnes")
    if tonnes <= 0:
        raise AmountError("must be greater than 0")
    kilograms = tonnes * KG_PER_TONNE
    if kilograms != kilograms.to_integral_value():
        raise AmountError("at most 3 decimal places (1 kg) are allowed")
    if kilograms > MAX_KG:
        raise AmountError(f"must be at most {MAX_KG // KG_PER_TONNE} tonnes")
    return int(kilograms)


def kg_to_tonnes(kilograms: int) -> int | float:
    """Whole tonnes as an int, otherwise the exact 3-decimal value (kg / 1000 prints exactly)."""
    whole, rest = divmod(kilograms, KG_PER_TONNE)
    return whole if rest == 0 else kilograms / KG_PER_TONNE


def format_tonnes(kilograms: int) -> str:
    return str(kg_to_tonnes(kilograms))


# -- serial ranges ------------------------------------------------------------------------------------


def parse_ranges(text: str) -> list[Range]:
    """ "1-60,91-100" → [(1, 60), (91, 100)]; "" → []."""
    if not text:
        return []
    if text.count("-") != text.count(",") + 1:
        raise ValueError(f"not a list of serial ranges: {text[:80]!r}")
    # One C-level pass over the numbers: a retired sink's holding can hold thousands of ranges.
    numbers = list(map(int, text.replace("-", ",").split(",")))
    return list(zip(numbers[::2], numbers[1::2], strict=True))


def format_ranges(ranges: Iterable[Range]) -> str:
    return ",".join(f"{first}-{last}" for first, last in ranges)


def count(ranges: Iterable[Range]) -> int:
    return sum(last - first + 1 for first, last in ranges)


def is_normal(ranges: Sequence[Range]) -> bool:
    """Sorted, non-empty, disjoint and not adjacent (adjacent ranges are always merged)."""
    previous_last: int | None = None
    for first, last in ranges:
        if first < 1 or first > last:
            return False
        if previous_last is not None and first <= previous_last + 1:
            return False
        previous_last = last
    return True


def take_high(ranges: Sequence[Range], units: int) -> tuple[list[Range], list[Range]]:
    """Split off the ``units`` highest serial units: (kept, taken). The sender keeps the low range."""
    if units <= 0 or units > count(ranges):
        raise ValueError(f"cannot take {units} units from {count(ranges)}")
    kept = list(ranges)
    taken: list[Range] = []
    remaining = units
    while remaining:
        first, last = kept.pop()
        size = last - first + 1
        if size <= remaining:
            taken.append((first, last))
            remaining -= size
        else:
            taken.append((last - remaining + 1, last))
            kept.append((first, last - remaining))
            remaining = 0
    taken.reverse()
    return kept, taken


def union(left: Sequence[Range], right: Sequence[Range]) -> list[Range]:
    """The merged union of two disjoint range sets, adjacent ranges coalesced."""
    merged: list[Range] = []
    for first, last in sorted([*left, *right]):
        if merged and first <= merged[-1][1]:
            raise ValueError(f"serial ranges overlap at {first}")
        if merged and first == merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], last)
        else:
            merged.append((first, last))
    return merged


def insert(held: Sequence[Range], added: Sequence[Range]) -> list[Range]:
    """``union(held, added)`` for a normal ``held`` (a holding) and a few ``added`` ranges: each is placed
    by binary search instead of re-sorting and re-merging the whole holding, so crediting a fragmented
    holding (a retired sink collecting thousands of single-unit ranges) stays cheap."""
    merged = list(held)
    for first, last in sorted(added):
        index = bisect.bisect_left(merged, (first, last))
        if index > 0 and merged[index - 1][1] >= first:
            raise ValueError(f"serial ranges overlap at {first}")
        if index < len(merged) and merged[index][0] <= last:
            raise ValueError(f"serial ranges overlap at {merged[index][0]}")
        low, high = index, index
        if index > 0 and merged[index - 1][1] + 1 == first:
            low, first = index - 1, merged[index - 1][0]
        if index < len(merged) and merged[index][0] == last + 1:
            high, last = index + 1, merged[index][1]
        merged[low:high] = [(first, last)]
    return merged


def subtract(ranges: Sequence[Range], removed: Sequence[Range]) -> list[Range]:
    """``ranges`` without ``removed``; every removed unit must be present."""
    result = list(ranges)
    for cut_first, cut_last in removed:
        for index, (first, last) in enumerate(result):
            if first <= cut_first and cut_last <= last:
                pieces = [(first, cut_first - 1), (cut_last + 1, last)]
                result[index : index + 1] = [(a, b) for a, b in pieces if a <= b]
                break
        else:
            raise ValueError(f"serial units {cut_first}-{cut_last} are not held")
    return result


# -- issuance rules -----------------------------------------------------------------------------------

EX_ANTE_MAX_PERCENT = 50


def ex_ante_cap_kg(estimate_kg: int, verified_ex_post_kg: int) -> int:
    """Most ex-ante kilograms a vintage may have outstanding: 50 % of (estimate − verified ex-post)."""
    return max(0, estimate_kg - verified_ex_post_kg) * EX_ANTE_MAX_PERCENT // 100


def buffer_kg(amount_kg: int, buffer_basis_points: int) -> int:
    """The buffer share of an issuance, rounded down to the kilogram."""
    return amount_kg * buffer_basis_points // 10_000


def allocate_pro_rata(total: int, weights: Sequence[tuple[str, int]]) -> dict[str, int]:
    """Split ``total`` units over keys in proportion to their weights (largest remainder method).

    Each key first gets floor(total × w / Σw); the units left go one each to the largest remainders,
    ties to the smaller key. The result sums to ``total`` exactly and never exceeds a weight when
    ``total`` ≤ Σw."""
    weight_sum = sum(weight for _, weight in weights)
    if total < 0 or (weights and weight_sum <= 0) or (not weights and total):
        raise ValueError("nothing to allocate over")
    shares = {key: total * weight // weight_sum for key, weight in weights} if weights else {}
    left = total - sum(shares.values())
    by_remainder = sorted(weights, key=lambda item: (-(total * item[1] % weight_sum), item[0]))
    for key, _ in by_remainder[:left]:
        shares[key] += 1
    return shares
