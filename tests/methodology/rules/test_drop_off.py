from massledger.methodology.rules.drop_off import RULE
from tests.methodology import builders as b
from tests.methodology.builders import address_id


def test_reference_drop_off_is_at_the_recycler() -> None:
    outcome = RULE(b.graph())
    assert (outcome.result, outcome.message) == (
        "PASSED",
        "The last drop-off is at the Recycler's address and names the receiving operator.",
    )


def test_drop_off_elsewhere_fails() -> None:
    mass = b.mass_id()
    mass.one("Drop-off")["address"] = b.PROCESSOR_SITE
    outcome = RULE(b.graph(mass))
    assert (outcome.result, outcome.message) == (
        "FAILED",
        f'The "Drop-off" address ({address_id(b.PROCESSOR_SITE)}) is not the Recycler\'s address '
        f"({address_id(b.YARD)}).",
    )


def test_same_place_sent_with_other_spacing_and_case_is_the_same_address() -> None:
    mass = b.mass_id()
    mass.one("Drop-off")["address"] = {**b.YARD, "street": "ESTRADA  do Composto"}
    assert RULE(b.graph(mass)).result == "PASSED"


def test_receiving_operator_is_required_on_the_last_drop_off() -> None:
    outcome = RULE(b.graph(b.mass_id().unset("Drop-off", "Receiving Operator Identifier")))
    assert (outcome.result, outcome.message) == (
        "FAILED",
        'The "Drop-off" event has no "Receiving Operator Identifier".',
    )


def test_no_drop_off_fails() -> None:
    outcome = RULE(b.graph(b.mass_id().drop("Drop-off")))
    assert (outcome.result, outcome.message) == ("FAILED", 'The MassID has no "Drop-off" event.')
