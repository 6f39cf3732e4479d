import pytest

from massledger.methodology.rules.uniqueness import RULE
from tests.methodology import builders as b


def _twin(name: str = "twin") -> b.DocumentRequest:
    twin = b.mass_id()
    twin.id = b.doc_id(name)
    return twin


def _run(mass: b.DocumentRequest, *candidates: dict) -> tuple[str, str]:
    outcome = RULE(b.graph(mass, duplicate_candidates=[mass.view(), *candidates]))
    return outcome.result, outcome.message


def test_a_mass_id_is_not_its_own_duplicate() -> None:
    assert _run(b.mass_id()) == ("PASSED", "No other MassID records the same mass.")


def test_same_mass_recorded_twice_fails() -> None:
    twin = _twin().set("Pick-up", "Vehicle License Plate", "abc-1d23")  # same plate, other spelling
    assert _run(b.mass_id(), twin.view()) == (
        "FAILED",
        f"The MassID duplicates {twin.id}: same pick-up and drop-off (address and time), vehicle plate, "
        "waste "
        "generator, recycler, waste type and value.",
    )


def test_cancelled_duplicates_are_ignored() -> None:
    twin = _twin()
    twin.events.append(b.event("CANCEL", "2025-06-12T00:00:00Z"))
    assert _run(b.mass_id(), twin.view()) == (
        "PASSED",
        f"No other MassID records the same mass. Cancelled duplicates are ignored: {twin.id}.",
    )


@pytest.mark.parametrize(
    "change",
    [
        "value",
        "pick-up time",
        "drop-off time",
        "plate",
        "pick-up address",
        "generator",
        "recycler",
        "subtype",
        "data set",
    ],
)
def test_any_difference_means_another_mass(change: str) -> None:
    twin = _twin()
    if change == "value":
        twin.one("Recycling Manifest")["value"] = 3120.47
    elif change == "pick-up time":
        twin.one("Pick-up")["externalCreatedAt"] = "2025-03-10T08:00:01Z"
    elif change == "drop-off time":
        twin.one("Drop-off")["externalCreatedAt"] = "2025-03-10T14:11:00Z"
    elif change == "plate":
        twin.set("Pick-up", "Vehicle License Plate", "ABC1D24")
    elif change == "pick-up address":
        twin.one("Pick-up")["address"] = b.PROCESSOR_SITE
    elif change == "generator":
        twin.actor("Waste Generator")["participant"] = b.HAULER
    elif change == "recycler":
        twin.actor("Recycler")["participant"] = b.PROCESSOR
    elif change == "subtype":
        twin.body["subtype"] = "Garden, Yard and Park Waste"
    view = twin.view() if change != "data set" else b.render(twin, data_set="PROD")
    assert _run(b.mass_id(), view)[0] == "PASSED"


def test_same_instant_with_another_offset_is_the_same_time() -> None:
    twin = _twin()
    twin.one("Pick-up")["externalCreatedAt"] = "2025-03-10T05:00:00-03:00"
    assert _run(b.mass_id(), twin.view())[0] == "FAILED"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("plate", 'The duplicate check needs a "Vehicle License Plate" on the "Pick-up" event.'),
        ("generator", "The duplicate check needs a Waste Generator ACTOR."),
        ("events", 'The duplicate check needs a "Pick-up" event, a "Drop-off" event, a Recycler ACTOR.'),
    ],
)
def test_missing_identity_fails(change: str, message: str) -> None:
    mass = b.mass_id()
    if change == "plate":
        mass.unset("Pick-up", "Vehicle License Plate")
    elif change == "generator":
        mass.drop("ACTOR", "Waste Generator")
    else:
        mass.drop("Pick-up").drop("Drop-off").drop("ACTOR", "Recycler")
    assert _run(mass) == ("FAILED", message)


def test_unidentified_origin_and_plate_free_vehicle_still_identify_the_mass() -> None:
    mass = b.mass_id().drop("ACTOR", "Waste Generator").set("Pick-up", "Waste Origin", "Unidentified")
    mass.set("Pick-up", "Vehicle Type", "Cart").unset("Pick-up", "Vehicle License Plate")
    twin = mass.copy()
    twin.id = b.doc_id("cart-twin")
    assert _run(mass)[0] == "PASSED"
    assert _run(mass, twin.view())[0] == "FAILED"
