from datetime import UTC, datetime

import pytest

from massledger.methodology.audit import audit_event_bodies
from massledger.methodology.bold_carbon import BOLD_CARBON
from massledger.methodology.bold_recycling import BOLD_RECYCLING
from massledger.methodology.engine import Outcome, RuleResult
from massledger.methodology.methodologies import Evaluation, Methodology
from tests.methodology import builders as b

RECYCLING_RULE = BOLD_RECYCLING.rules[1]
CARBON_RULE = BOLD_CARBON.rules[1]
AT = datetime(2025, 6, 20, tzinfo=UTC)


def audit(name: str, methodology: Methodology, result: Outcome | None, cancelled: bool = False) -> dict:
    """A MassID Audit document as the service will store it (events from ``audit_event_bodies``)."""
    evaluation = Evaluation(methodology, b.MASS_ID, result or Outcome.PASSED, (), None, None)
    events = audit_event_bodies(evaluation, AT)
    if result is None:  # still running: no verdict event yet
        events = events[:-1]
    if cancelled:
        events.append(b.event("CANCEL", "2025-06-21T00:00:00Z"))
    request = b.DocumentRequest(
        b.doc_id(name),
        {
            "category": "Methodology",
            "type": "MassID Audit",
            "subtype": "Process",
            "externalCreatedAt": "2025-06-20T00:00:00Z",
            "isPublic": True,
            "isPubliclySearchable": True,
            "participant": b.NETWORK,
            "address": b.INTEGRATOR_SITE,
        },
        events,
    )
    return request.view()


def certificate(name: str, type_: str, cancelled: bool = False, audit_name: str | None = None) -> dict:
    events = [b.event("CANCEL", "2025-06-21T00:00:00Z")] if cancelled else []
    request = b.DocumentRequest(
        b.doc_id(name),
        {
            "category": "Methodology",
            "type": type_,
            "externalCreatedAt": "2025-06-20T00:00:00Z",
            "isPublic": True,
            "isPubliclySearchable": True,
            "participant": b.NETWORK,
            "address": b.INTEGRATOR_SITE,
        },
        events,
    )
    view = request.view()
    if audit_name is not None:  # the service creates the certificate as a child of its audit
        view["parentDocumentId"] = b.doc_id(audit_name)
    return view


def _run(rule: object, **graph: object) -> tuple[str, str]:
    assert callable(rule)
    outcome: RuleResult = rule(b.graph(**graph))
    return outcome.result, outcome.message


FREE = (
    "PASSED",
    "The MassID is not linked to a valid RecycledID certificate nor to another passed or running "
    "bold-recycling audit.",
)


def test_a_fresh_mass_id_is_free() -> None:
    assert _run(RECYCLING_RULE) == FREE


def test_a_live_certificate_blocks_a_second_one() -> None:
    assert _run(RECYCLING_RULE, certificates=[certificate("rid", "RecycledID")]) == (
        "FAILED",
        f"The MassID is already certified by RecycledID {b.doc_id('rid')}.",
    )


def test_a_cancelled_certificate_frees_the_mass_id() -> None:
    assert _run(RECYCLING_RULE, certificates=[certificate("rid", "RecycledID", cancelled=True)]) == FREE


def test_certificates_of_the_other_methodology_do_not_conflict() -> None:
    assert _run(RECYCLING_RULE, certificates=[certificate("gid", "GasID")]) == FREE
    assert _run(CARBON_RULE, certificates=[certificate("gid", "GasID")])[0] == "FAILED"


@pytest.mark.parametrize(
    ("result", "cancelled", "expected"),
    [
        (Outcome.PASSED, False, "FAILED"),
        (Outcome.FAILED, False, "PASSED"),
        (Outcome.REVIEW_REQUIRED, False, "PASSED"),
        (None, False, "FAILED"),
        (Outcome.PASSED, True, "PASSED"),
    ],
)
def test_other_audits_of_the_methodology(result: Outcome | None, cancelled: bool, expected: str) -> None:
    other = audit("other-audit", BOLD_RECYCLING, result, cancelled)
    assert _run(RECYCLING_RULE, audits=[other])[0] == expected


def test_messages_name_the_conflicting_audits() -> None:
    audits = [audit("passed", BOLD_RECYCLING, Outcome.PASSED), audit("running", BOLD_RECYCLING, None)]
    assert _run(RECYCLING_RULE, audits=audits) == (
        "FAILED",
        f"The MassID already passed the bold-recycling audit {b.doc_id('passed')}; it has a bold-recycling "
        "audit "
        f"in progress: {b.doc_id('running')}.",
    )


def test_the_current_audit_is_not_a_conflict_with_itself() -> None:
    running = audit("current", BOLD_RECYCLING, None)
    assert _run(RECYCLING_RULE, audits=[running], current_audit_id=b.doc_id("current")) == FREE


def test_audits_of_the_other_methodology_do_not_conflict() -> None:
    assert _run(RECYCLING_RULE, audits=[audit("carbon", BOLD_CARBON, Outcome.PASSED)]) == FREE


def test_cancelling_the_certificate_of_a_passed_audit_frees_the_mass_id() -> None:
    passed = audit("passed", BOLD_RECYCLING, Outcome.PASSED)
    cancelled = certificate("rid", "RecycledID", cancelled=True, audit_name="passed")
    assert _run(RECYCLING_RULE, audits=[passed], certificates=[cancelled]) == FREE
    live = certificate("rid", "RecycledID", audit_name="passed")
    assert _run(RECYCLING_RULE, audits=[passed], certificates=[live])[0] == "FAILED"
    # A cancelled certificate of the other type releases nothing.
    gas = certificate("gid", "GasID", cancelled=True, audit_name="passed")
    assert _run(RECYCLING_RULE, audits=[passed], certificates=[gas])[0] == "FAILED"


@pytest.mark.parametrize(("outstanding_kg", "expected"), [(0, "PASSED"), (1, "FAILED")])
def test_a_cancelled_certificate_frees_the_mass_id_only_when_its_credits_are_cancelled(
    outstanding_kg: int, expected: str
) -> None:
    passed = audit("passed", BOLD_RECYCLING, Outcome.PASSED)
    cancelled = certificate("rid", "RecycledID", cancelled=True, audit_name="passed")
    result, message = _run(
        RECYCLING_RULE,
        audits=[passed],
        certificates=[cancelled],
        outstanding_credits={b.doc_id("rid"): outstanding_kg},
    )
    assert result == expected
    if expected == "FAILED":
        assert message == (
            f"The MassID already passed the bold-recycling audit {b.doc_id('passed')};"
            f" it was certified by the cancelled RecycledID {b.doc_id('rid')},"
            " whose credits are not all cancelled (0.001 t still held or retired);"
            " cancel them in the registry first."
        )
