from typing import Any

import pytest

from massledger.methodology.rules.weighing import RULE
from tests.methodology import builders as b

NET_OK = "|gross − tare × quantity − value| = |{gross} − {tare} × {quantity} − {value}| = {diff} kg"


def _run(mass: b.DocumentRequest, accredited: list[b.DocumentRequest] | None = None) -> tuple[str, str]:
    outcome = RULE(b.graph(mass, accredited=accredited))
    return outcome.result, outcome.message


def _passed(steps: str, gross: str, tare: str, quantity: str, value: str, diff: str) -> tuple[str, str]:
    net = NET_OK.format(gross=gross, tare=tare, quantity=quantity, value=value, diff=diff)
    return "PASSED", f"The weighing was captured in {steps} and every attribute is valid; {net} ≤ 0.1 kg."


@pytest.mark.parametrize(
    ("gross", "result", "diff"),
    [
        (6750.6, "PASSED", "0.1"),
        (6750.4, "PASSED", "0.1"),
        (6750.61, "FAILED", "0.11"),
        (6750.39, "FAILED", "0.11"),
    ],
)
def test_net_weight_tolerance(gross: float, result: str, diff: str) -> None:
    outcome = _run(b.mass_id().set("Weighing", "Gross Weight", gross, format="KILOGRAM"))
    if result == "PASSED":
        assert outcome == _passed("one step", str(gross), "3500", "1", "3250.5", diff)
    else:
        net = NET_OK.format(gross=gross, tare="3500", quantity="1", value="3250.5", diff=diff)
        assert outcome == ("FAILED", f"Weighing: {net} exceeds 0.1 kg.")


def test_containers_multiply_the_tare() -> None:
    mass = b.mass_id().set("Weighing", "Container Type", "Bin").set("Weighing", "Container Quantity", 3)
    mass.set("Weighing", "Tare", 10, format="KILOGRAM").set(
        "Weighing", "Gross Weight", 3280.5, format="KILOGRAM"
    )
    assert _run(mass) == _passed("one step", "3280.5", "10", "3", "3250.5", "0")


@pytest.mark.parametrize(
    ("attribute", "value", "extra", "problem"),
    [
        (
            "Container Quantity",
            2,
            {},
            '"Container Quantity" must not be declared when the "Container Type" is "Truck"',
        ),
        (
            "Weighing Capture Method",
            "Guess",
            {},
            '"Weighing Capture Method" must be one of Digital, Manual, Photo '
            '(Scale + Cargo), Transport Manifest, got "Guess"',
        ),
        (
            "Scale Type",
            "Floor Scale",
            {},
            '"Scale Type" "Floor Scale" differs from the accredited scale type "Weighbridge (Truck Scale)"',
        ),
        (
            "Container Type",
            "Box",
            {},
            '"Container Type" must be one of Bag, Bin, Drum, Pail, Street Bin, Truck, Waste Box, got "Box"',
        ),
        (
            "Container Capacity",
            0,
            {"format": "KILOGRAM"},
            '"Container Capacity" must be a number greater than 0, got "0"',
        ),
        (
            "Container Capacity",
            12000,
            {"format": "DATE"},
            '"Container Capacity" must have a format among KILOGRAM, LITER, CUBIC_METER, got "DATE"',
        ),
        (
            "Gross Weight",
            "6750.5",
            {"format": "KILOGRAM"},
            '"Gross Weight" must be a number greater than 0, got "6750.5"',
        ),
        ("Tare", 3500, {"format": "LITER"}, '"Tare" must have the format "KILOGRAM", got "LITER"'),
        (
            "Vehicle License Plate",
            "XX-1",
            {},
            '"Vehicle License Plate" "XX-1" is not a valid Brazilian plate',
        ),
        (
            "Scale Validation",
            {"documentId": "another"},
            {},
            '"Scale Validation" must reference the Recycler '
            f'accreditation {{"documentId": "{b.RECYCLER_ACCREDITATION}"}}',
        ),
        (
            "Scale Validation",
            {"documentId": b.RECYCLER_ACCREDITATION, "eventId": "nope"},
            {},
            '"Scale Validation" names event nope, which the Recycler accreditation does not have',
        ),
    ],
)
def test_attribute_problems(attribute: str, value: Any, extra: dict, problem: str) -> None:
    result, message = _run(b.mass_id().set("Weighing", attribute, value, **extra))
    assert result == "FAILED"
    assert message.startswith(f"Weighing: {problem}")


@pytest.mark.parametrize(
    ("attribute", "problem"),
    [
        ("Description", '"Description" is missing'),
        ("Container Capacity", '"Container Capacity" is missing'),
        ("Tare", '"Tare" must be a number greater than 0, got missing'),
        ("Vehicle License Plate", '"Vehicle License Plate" is missing (required for a Truck)'),
    ],
)
def test_missing_attributes(attribute: str, problem: str) -> None:
    assert _run(b.mass_id().unset("Weighing", attribute)) == ("FAILED", f"Weighing: {problem}.")


def test_event_value_must_be_positive() -> None:
    mass = b.mass_id()
    mass.one("Weighing")["value"] = 0
    result, message = _run(mass)
    assert (result, message) == (
        "FAILED",
        'Weighing: the event value must be a number greater than 0, got "0".',
    )


def test_weighbridge_spellings_are_equal() -> None:
    accredited = b.replace_accreditation(b.recycler_accreditation(scale_type="Weighbridge"))
    assert _run(b.mass_id(), accredited)[0] == "PASSED"


def _tare_exception(valid_until: str | None) -> list[dict[str, Any]]:
    item: dict[str, Any] = {
        "Attribute Location": {"Asset": {"Category": "MassID"}, "Event": "Weighing"},
        "Attribute Name": "Tare",
        "Exception Type": "Exemption for Mandatory Attribute",
        "Reason": "Tare printed on the truck",
    }
    if valid_until:
        item["Valid Until"] = valid_until
    return [item]


@pytest.mark.parametrize(
    ("valid_until", "result"),
    [(None, "PASSED"), ("2025-07-01T12:00:00Z", "PASSED"), ("2025-07-01T11:59:59Z", "FAILED")],
)
def test_tare_exception(valid_until: str | None, result: str) -> None:
    accredited = b.replace_accreditation(b.recycler_accreditation(exceptions=_tare_exception(valid_until)))
    outcome = _run(b.mass_id().unset("Weighing", "Tare"), accredited)
    if result == "PASSED":
        assert outcome == (
            "PASSED",
            "The weighing was captured in one step and every attribute is valid; the net weight is not "
            "checked "
            "(an attribute is omitted under an approved exception).",
        )
    else:
        assert outcome == ("FAILED", 'Weighing: "Tare" must be a number greater than 0, got missing.')


def _two_step(**second: Any) -> b.DocumentRequest:
    mass = b.mass_id()
    first = mass.one("Weighing")
    copy = {**first, "externalCreatedAt": "2025-03-10T14:05:00Z"}
    copy["metadata"] = {"attributes": [dict(a) for a in first["metadata"]["attributes"]]}
    copy.update(second)
    mass.events.insert(mass.events.index(first) + 1, copy)
    return mass


def test_two_step_weighing() -> None:
    assert _run(_two_step()) == _passed("two steps", "6750.5", "3500", "1", "3250.5", "0")


def test_two_step_weighing_must_agree() -> None:
    mass = _two_step(participant=b.PROCESSOR)
    mass.set("Weighing", "Gross Weight", 6800, index=1, format="KILOGRAM")
    assert _run(mass) == (
        "FAILED",
        'Weighing: the two weighing events have different participants; the first weighing "Gross Weight" '
        '"6750.5" differs from the second "6800".',
    )


def test_two_step_weighing_needs_a_truck_on_a_weighbridge() -> None:
    mass = _two_step()
    for index in (0, 1):
        mass.set("Weighing", "Container Type", "Bin", index=index).set(
            "Weighing", "Container Quantity", 1, index=index
        )
    result, message = _run(mass)
    assert result == "FAILED"
    assert message.startswith('Weighing: two-step weighing needs the "Container Type" "Truck", got "Bin".')


@pytest.mark.parametrize(
    ("count", "message"),
    [
        (0, 'The MassID has no "Weighing" event.'),
        (3, 'The MassID has 3 "Weighing" events; at most 2 are allowed.'),
    ],
)
def test_number_of_weighing_events(count: int, message: str) -> None:
    mass = _two_step()
    if count == 0:
        mass.drop("Weighing")
    else:
        mass.events.insert(mass.events.index(mass.one("Weighing")), dict(mass.one("Weighing")))
    assert _run(mass) == ("FAILED", message)


def test_needs_a_valid_recycler_accreditation() -> None:
    accredited = b.replace_accreditation(b.recycler_accreditation(expiration="2025-06-30"))
    assert _run(b.mass_id(), accredited) == (
        "FAILED",
        f"The Recycler {b.participant_id(b.RECYCLER)} has no valid accreditation to check the scale against.",
    )
