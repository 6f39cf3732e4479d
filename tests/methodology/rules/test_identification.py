import pytest

from massledger.methodology.rules import processor, recycler
from tests.methodology import builders as b


@pytest.mark.parametrize(
    ("rule", "role", "participant", "site"),
    [
        (processor.RULE, "Processor", b.PROCESSOR, b.PROCESSOR_SITE),
        (recycler.RULE, "Recycler", b.RECYCLER, b.YARD),
    ],
)
def test_exactly_one_actor(rule: object, role: str, participant: dict, site: dict) -> None:
    assert callable(rule)
    one = rule(b.graph())
    assert (one.result, one.message) == ("PASSED", f"The MassID names exactly one {role} ACTOR.")
    none = rule(b.graph(b.mass_id().drop("ACTOR", role)))
    assert (none.result, none.message) == (
        "FAILED",
        f"The MassID has no {role} ACTOR; exactly one is required.",
    )
    two = b.mass_id()
    two.events.insert(5, b.actor(role, b.HAULER, b.HAULER_SITE, "2025-03-10T08:00:00Z"))
    both = rule(b.graph(two))
    assert (both.result, both.message) == (
        "FAILED",
        f"The MassID has 2 {role} ACTORs; exactly one is required.",
    )
