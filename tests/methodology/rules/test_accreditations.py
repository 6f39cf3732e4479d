import pytest

from massledger.methodology.rules.accreditations import RULE
from tests.methodology import builders as b

OK = ("PASSED", "Every Integrator, Processor and Recycler ACTOR has exactly one valid accreditation.")
RECYCLER_ID = b.participant_id(b.RECYCLER)
ACCREDITATION_ID = b.RECYCLER_ACCREDITATION


def _run(accredited: list[b.DocumentRequest], mass: b.DocumentRequest | None = None) -> tuple[str, str]:
    outcome = RULE(b.graph(mass, accredited=accredited))
    return outcome.result, outcome.message


def test_reference_accreditations() -> None:
    assert _run(b.accreditations()) == OK


@pytest.mark.parametrize(
    ("effective", "expiration", "result", "reason"),
    [
        # now = 2025-07-01T12:00:00Z; dates compare with the audit's UTC day, date-times with the instant.
        ("2025-07-01", "2026-12-31", "PASSED", None),
        (
            "2025-07-02",
            "2026-12-31",
            "FAILED",
            '"Effective Date" 2025-07-02 is after the audit time 2025-07-01T12:00:00Z',
        ),
        ("2025-01-01", "2025-07-01", "PASSED", None),
        (
            "2025-01-01",
            "2025-06-30",
            "FAILED",
            '"Expiration Date" 2025-06-30 is before the audit time 2025-07-01T12:00:00Z',
        ),
        ("2025-07-01T12:00:00Z", None, "PASSED", None),
        ("2025-07-01T09:00:00-03:00", None, "PASSED", None),
        (
            "2025-07-01T12:00:01Z",
            None,
            "FAILED",
            '"Effective Date" 2025-07-01T12:00:01Z is after the audit time 2025-07-01T12:00:00Z',
        ),
        ("2025-01-01", "2025-07-01T12:00:00Z", "PASSED", None),
        (
            "2025-01-01",
            "2025-07-01T08:59:59-03:00",
            "FAILED",
            '"Expiration Date" 2025-07-01T11:59:59Z is before the audit time 2025-07-01T12:00:00Z',
        ),
        ("July 2025", None, "FAILED", '"Effective Date" is missing or not an ISO date'),
    ],
)
def test_validity_dates(effective: str, expiration: str | None, result: str, reason: str | None) -> None:
    recycler = b.recycler_accreditation(effective=effective, expiration=expiration)
    outcome = _run(b.replace_accreditation(recycler))
    if result == "PASSED":
        assert outcome == OK
    else:
        assert outcome == (
            "FAILED",
            f"Recycler {RECYCLER_ID} has no valid Recycler accreditation (accreditation {ACCREDITATION_ID} "
            f"{reason}).",
        )


def test_rejected_accreditation() -> None:
    outcome = _run(b.replace_accreditation(b.recycler_accreditation(status="Rejected")))
    assert outcome == (
        "FAILED",
        f"Recycler {RECYCLER_ID} has no valid Recycler accreditation (accreditation {ACCREDITATION_ID} "
        '"Accreditation Status" is "Rejected", not "Approved").',
    )


def test_processor_and_recycler_need_an_accreditation_result_but_the_integrator_does_not() -> None:
    recycler = b.recycler_accreditation().drop("Accreditation Result")
    integrator = b.accreditation("Integrator", b.INTEGRATOR, b.INTEGRATOR_SITE).drop("Accreditation Result")
    accredited = [
        recycler if a.body["subtype"] == "Recycler" else a for a in b.replace_accreditation(integrator)
    ]
    assert _run(accredited) == (
        "FAILED",
        f"Recycler {RECYCLER_ID} has no valid Recycler accreditation (accreditation {ACCREDITATION_ID} has "
        "no "
        '"Accreditation Result" event).',
    )
    assert _run(b.replace_accreditation(integrator)) == OK


def test_two_valid_accreditations_are_ambiguous() -> None:
    second = b.recycler_accreditation()
    second.id = b.doc_id("accreditation:recycler:second")
    assert _run([*b.accreditations(), second]) == (
        "FAILED",
        f"Recycler {RECYCLER_ID} has multiple valid Recycler accreditations ({ACCREDITATION_ID}, "
        f"{second.id}).",
    )


def test_an_expired_and_a_valid_accreditation_are_fine() -> None:
    expired = b.recycler_accreditation(expiration="2025-01-31")
    expired.id = b.doc_id("accreditation:recycler:old")
    assert _run([*b.accreditations(), expired]) == OK


def test_cancelled_accreditations_do_not_count() -> None:
    recycler = b.recycler_accreditation()
    recycler.events.append(b.event("CANCEL", "2025-02-01T00:00:00Z"))
    assert _run(b.replace_accreditation(recycler)) == (
        "FAILED",
        f"No accreditation found for these participants: Recycler {RECYCLER_ID}.",
    )


def test_accreditation_for_another_role_only() -> None:
    as_processor = b.accreditation("Processor", b.RECYCLER, b.YARD, name="recycler-as-processor")
    accredited = [a for a in b.accreditations() if a.body["subtype"] != "Recycler"] + [as_processor]
    assert _run(accredited) == ("FAILED", f"Recycler {RECYCLER_ID} has no Recycler accreditation.")
