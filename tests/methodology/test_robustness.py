"""Rules never raise on malformed documents: any field may be missing, null or of the wrong type."""

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from massledger.methodology.graph import DocumentGraph
from massledger.methodology.methodologies import methodologies
from massledger.methodology.rewards import rewards_distribution
from tests.methodology import builders as b

REFERENCE = b.mass_id().view()
ACCREDITATIONS = [a.view() for a in b.accreditations()]
DEFINITION = b.definition().view()
RULES = {rule.slug: rule for m in methodologies().values() for rule in m.rules}

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["", " ", "2025-03-10", "2025-03-10T08:00:00", "Truck", "Weighbridge", "Unidentified"]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


PATHS = _paths(REFERENCE)


def _mutate(document: dict, path: tuple, action: str, junk: Any) -> dict:
    mutated = copy.deepcopy(document)
    parent = mutated
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    if action == "delete":
        del parent[last]
    else:
        parent[last] = junk
    return mutated


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    mutations=st.lists(
        st.tuples(st.sampled_from(PATHS), st.sampled_from(["delete", "replace"]), JUNK),
        min_size=1,
        max_size=4,
    )
)
def test_no_rule_raises_on_a_mutated_mass_id(mutations: list) -> None:
    document = REFERENCE
    for path, action, junk in mutations:
        try:
            document = _mutate(document, path, action, junk)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced this path's parent
    graph = DocumentGraph.from_views(
        document, b.NOW, accreditations=ACCREDITATIONS, definition=DEFINITION, duplicate_candidates=[document]
    )
    for rule in RULES.values():
        verdict = rule.check(graph)  # the raw function: the engine's safety net would hide a raise
        assert verdict.outcome in ("PASSED", "FAILED", "REVIEW_REQUIRED")
        assert verdict.message
    rewards_distribution(graph)


ACCREDITATION_PATHS = [(i, *p) for i, view in enumerate(ACCREDITATIONS) for p in _paths(view)]


@settings(max_examples=150, deadline=None)
@given(path=st.sampled_from(ACCREDITATION_PATHS), action=st.sampled_from(["delete", "replace"]), junk=JUNK)
def test_no_rule_raises_on_a_mutated_accreditation(path: tuple, action: str, junk: Any) -> None:
    accreditations = copy.deepcopy(ACCREDITATIONS)
    accreditations[path[0]] = _mutate(accreditations[path[0]], path[1:], action, junk)
    graph = DocumentGraph.from_views(REFERENCE, b.NOW, accreditations=accreditations, definition=DEFINITION)
    for rule in RULES.values():
        assert rule.check(graph).message
