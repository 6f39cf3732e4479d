import pytest

from massledger.methodology.rules.waste_origin import RULE
from tests.methodology import builders as b


def _mass(generators: int, origin: str | None) -> b.DocumentRequest:
    mass = b.mass_id()
    if generators == 0:
        mass.drop("ACTOR", "Waste Generator")
    for _ in range(generators - 1):
        mass.events.insert(0, b.actor("Waste Generator", b.HAULER, b.HAULER_SITE, "2025-03-10T08:00:00Z"))
    if origin is not None:
        mass.set("Pick-up", "Waste Origin", origin)
    return mass


@pytest.mark.parametrize(
    ("generators", "origin", "result", "message"),
    [
        (1, None, "PASSED", "The waste origin is identified by one Waste Generator ACTOR."),
        (1, "Restaurant", "PASSED", "The waste origin is identified by one Waste Generator ACTOR."),
        (
            0,
            "Unidentified",
            "PASSED",
            'The "Waste Origin" is declared "Unidentified" and no Waste Generator is named.',
        ),
        (
            0,
            None,
            "FAILED",
            'The MassID has no Waste Generator ACTOR and the "Waste Origin" is not "Unidentified".',
        ),
        (
            1,
            "Unidentified",
            "FAILED",
            'The "Waste Origin" is "Unidentified" but the MassID has a Waste Generator ACTOR; declare one '
            "or the other.",
        ),
        (2, None, "FAILED", "The MassID has 2 Waste Generator ACTORs; exactly one is allowed."),
    ],
)
def test_waste_origin(generators: int, origin: str | None, result: str, message: str) -> None:
    outcome = RULE(b.graph(_mass(generators, origin)))
    assert (outcome.result, outcome.message) == (result, message)


def test_needs_a_pick_up() -> None:
    outcome = RULE(b.graph(b.mass_id().drop("Pick-up")))
    assert (outcome.result, outcome.message) == ("FAILED", 'The MassID has no "Pick-up" event.')
