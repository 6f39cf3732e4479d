"""Pure ledger rules: amounts, the split rule (sender keeps the low range), range algebra, the ex-ante
cap, pro-rata allocation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from massledger.registry import ledger
from massledger.registry.ledger import AmountError


@pytest.mark.parametrize(
    ("tonnes", "kg"), [(1, 1000), (0.001, 1), (13.5, 13500), ("2.25", 2250), (100, 100_000), (1e-3, 1)]
)
def test_tonnes_to_kg(tonnes: object, kg: int) -> None:
    assert ledger.tonnes_to_kg(tonnes) == kg  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("tonnes", "reason"),
    [
        (0, "greater than 0"),
        (-1, "greater than 0"),
        (1.0001, "3 decimal"),
        (0.0005, "3 decimal"),
        (1e300, "at most"),
        (True, "number"),
        ("abc", "number"),
        (float("nan"), "finite"),
    ],
)
def test_bad_amounts_say_why(tonnes: object, reason: str) -> None:
    with pytest.raises(AmountError, match=reason):
        ledger.tonnes_to_kg(tonnes)  # type: ignore[arg-type]


@given(st.integers(min_value=1, max_value=ledger.MAX_KG))
def test_kilograms_round_trip_through_tonnes(kg: int) -> None:
    assert ledger.tonnes_to_kg(ledger.kg_to_tonnes(kg)) == kg


def test_partial_transfer_keeps_the_low_range() -> None:
    kept, taken = ledger.take_high([(1, 100_000)], 40_000)
    assert kept == [(1, 60_000)] and taken == [(60_001, 100_000)]
    kept, taken = ledger.take_high([(1, 60), (91, 100)], 15)
    assert kept == [(1, 55)] and taken == [(56, 60), (91, 100)]
    with pytest.raises(ValueError):
        ledger.take_high([(1, 10)], 11)


def test_union_merges_and_refuses_overlap() -> None:
    assert ledger.union([(1, 5)], [(6, 9), (20, 30)]) == [(1, 9), (20, 30)]
    with pytest.raises(ValueError, match="overlap"):
        ledger.union([(1, 5)], [(5, 6)])


@pytest.mark.parametrize("text", ["1-2-3", "1-2,3", "1,2", "-1-2", "1--2", "a-b", "1-2,"])
def test_malformed_ranges_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        ledger.parse_ranges(text)


def test_subtract() -> None:
    assert ledger.subtract([(1, 100)], [(40, 60)]) == [(1, 39), (61, 100)]
    with pytest.raises(ValueError, match="not held"):
        ledger.subtract([(1, 10)], [(9, 12)])


ranges = st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=6).map(
    lambda gaps: [(sum(gaps[:i]) * 100 + 1, sum(gaps[:i]) * 100 + gap * 50) for i, gap in enumerate(gaps)]
)


@given(ranges, st.data())
def test_take_high_conserves_units(held: list[tuple[int, int]], data: st.DataObject) -> None:
    units = data.draw(st.integers(min_value=1, max_value=ledger.count(held)))
    kept, taken = ledger.take_high(held, units)
    assert ledger.count(taken) == units and ledger.count(kept) + units == ledger.count(held)
    assert ledger.union(kept, taken) == ledger.union(held, [])
    assert ledger.is_normal(ledger.union(kept, [])) or not kept
    if kept:
        assert max(last for _, last in kept) < min(first for first, _ in taken)
    assert ledger.subtract(ledger.union(held, []), taken) == ledger.union(kept, [])
    assert ledger.parse_ranges(ledger.format_ranges(taken)) == taken


@given(ranges, st.data())
def test_insert_is_union_for_a_normal_holding(held: list[tuple[int, int]], data: st.DataObject) -> None:
    """Crediting by binary search gives the merged union, and refuses overlaps, like ``union``."""
    units = data.draw(st.integers(min_value=1, max_value=ledger.count(held)))
    kept, taken = ledger.take_high(held, units)
    pieces = data.draw(st.lists(st.sampled_from(taken), unique=True, min_size=1)) if taken else []
    rest = [piece for piece in taken if piece not in pieces]
    for base, added in ((kept, taken), (ledger.union(kept, rest), pieces), (ledger.union(held, []), [])):
        assert ledger.insert(base, added) == ledger.union(base, added)
    overlapping = [(held[0][0], held[0][0])]
    with pytest.raises(ValueError, match="overlap"):
        ledger.insert(ledger.union(held, []), overlapping)
    assert ledger.insert([(1, 5), (10, 12)], [(6, 9)]) == [(1, 12)]
    assert ledger.insert([(1, 5), (10, 12)], [(7, 8), (14, 15)]) == [(1, 5), (7, 8), (10, 12), (14, 15)]
    with pytest.raises(ValueError, match="overlap at 10"):
        ledger.insert([(1, 5), (10, 12)], [(7, 10)])


def test_ex_ante_cap_is_half_of_the_unverified_estimate() -> None:
    assert ledger.ex_ante_cap_kg(1_000_000, 0) == 500_000
    assert ledger.ex_ante_cap_kg(1_000_000, 400_000) == 300_000
    assert ledger.ex_ante_cap_kg(1_000_000, 1_200_000) == 0


def test_buffer_rounds_down() -> None:
    assert ledger.buffer_kg(1_001, 1_000) == 100
    assert ledger.buffer_kg(500_000, 1_250) == 62_500


@given(
    st.lists(st.integers(min_value=1, max_value=10**6), min_size=1, max_size=8),
    st.floats(min_value=0, max_value=1),
)
def test_pro_rata_sums_exactly_and_never_exceeds_a_weight(weights: list[int], share: float) -> None:
    keyed = [(f"k{index}", weight) for index, weight in enumerate(weights)]
    total = int(sum(weights) * share)
    allocated = ledger.allocate_pro_rata(total, keyed)
    assert sum(allocated.values()) == total
    for key, weight in keyed:
        assert 0 <= allocated[key] <= weight
        assert abs(allocated[key] - total * weight / sum(weights)) < 1


def test_pro_rata_ties_go_to_the_smaller_key() -> None:
    assert ledger.allocate_pro_rata(1, [("b", 1), ("a", 1)]) == {"a": 1, "b": 0}
