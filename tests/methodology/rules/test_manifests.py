from typing import Any

import pytest

from massledger.methodology.rules import recycling_manifest, transport_manifest
from tests.methodology import builders as b
from tests.methodology.builders import address_id

RULES = {"Transport Manifest": transport_manifest.RULE, "Recycling Manifest": recycling_manifest.RULE}
REPORT = {"Transport Manifest": "MTR", "Recycling Manifest": "CDF"}


def _run(name: str, mass: b.DocumentRequest) -> tuple[str, str]:
    outcome = RULES[name](b.graph(mass))
    return outcome.result, outcome.message


@pytest.mark.parametrize("name", list(RULES))
def test_reference_manifests(name: str) -> None:
    assert _run(name, b.mass_id()) == (
        "PASSED",
        f'Every "{name}" event carries a valid manifest or an exemption.',
    )


@pytest.mark.parametrize("name", list(RULES))
def test_exemption_instead_of_the_document(name: str) -> None:
    mass = b.mass_id()
    mass.one(name)["attachments"] = []
    mass.unset(name, "Document Type").unset(name, "Document Number").unset(name, "Issue Date")
    mass.set(name, "Exemption Justification", "Generator exempt from MTR (small volume)")
    assert _run(name, mass) == ("PASSED", f'Every "{name}" event carries a valid manifest or an exemption.')


@pytest.mark.parametrize("name", list(RULES))
@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ("both", 'The "{name}" event has both a "{name}" attachment and an "Exemption Justification".'),
        ("neither", 'The "{name}" event needs a "{name}" attachment or an "Exemption Justification".'),
        (
            "wrong label",
            'Every attachment of the "{name}" event must be labelled "{name}" (got "Weighing Ticket").',
        ),
        ("no type", 'The "{name}" event has no "Document Type".'),
        ("other type", 'The "Document Type" must be "{report}" for a recycler in Brazil, got "NF-e".'),
        ("no number", 'The "{name}" event has no "Document Number".'),
        ("no date", 'The "{name}" event has no "Issue Date".'),
        ("date format", 'The "Issue Date" must be a YYYY-MM-DD date with format "DATE", got "2025-03-10".'),
        ("bad date", 'The "Issue Date" must be a YYYY-MM-DD date with format "DATE", got "10/03/2025".'),
    ],
)
def test_manifest_problems(name: str, change: str, problem: str) -> None:
    mass = b.mass_id()
    target = mass.one(name)
    if change == "both":
        mass.set(name, "Exemption Justification", "No MTR")
    elif change == "neither":
        target["attachments"] = []
    elif change == "wrong label":
        target["attachments"].append({"fileName": "ticket.jpg", "label": "Weighing Ticket"})
    elif change == "no type":
        mass.unset(name, "Document Type")
    elif change == "other type":
        mass.set(name, "Document Type", "NF-e")
    elif change == "no number":
        mass.unset(name, "Document Number")
    elif change == "no date":
        mass.unset(name, "Issue Date")
    elif change == "date format":
        mass.unset(name, "Issue Date").set(name, "Issue Date", "2025-03-10")
    elif change == "bad date":
        mass.set(name, "Issue Date", "10/03/2025", format="DATE")
    assert _run(name, mass) == ("FAILED", problem.format(name=name, report=REPORT[name]))


@pytest.mark.parametrize(("value", "shown"), [(None, "missing"), (0, '"0"')])
def test_transport_manifest_needs_a_value(value: Any, shown: str) -> None:
    mass = b.mass_id()
    if value is None:
        mass.one("Transport Manifest").pop("value")
    else:
        mass.one("Transport Manifest")["value"] = value
    assert _run("Transport Manifest", mass) == (
        "FAILED",
        f'The "Transport Manifest" event value must be a number greater than 0, got {shown}.',
    )


def test_recycling_manifest_value_equals_the_document_value() -> None:
    mass = b.mass_id()
    mass.one("Recycling Manifest")["value"] = 3120.49
    mass.events.insert(len(mass.events) - 1, b.event("Adjustment", "2025-06-11T10:00:00Z", value=3120.48))
    assert _run("Recycling Manifest", mass) == (
        "FAILED",
        'The "Recycling Manifest" event value (3120.49) must equal the MassID current value (3120.48).',
    )


def test_recycling_manifest_happens_at_the_recycler() -> None:
    mass = b.mass_id()
    mass.one("Recycling Manifest")["address"] = b.PROCESSOR_SITE
    assert _run("Recycling Manifest", mass) == (
        "FAILED",
        f'The "Recycling Manifest" event address ({address_id(b.PROCESSOR_SITE)}) must be the Recycler\'s '
        "address "
        f"({address_id(b.YARD)}).",
    )


@pytest.mark.parametrize("name", list(RULES))
def test_missing_event_or_recycler(name: str) -> None:
    assert _run(name, b.mass_id().drop(name)) == ("FAILED", f'The MassID has no "{name}" event.')
    assert _run(name, b.mass_id().drop("ACTOR", "Recycler")) == (
        "FAILED",
        "The MassID has no Recycler ACTOR.",
    )
