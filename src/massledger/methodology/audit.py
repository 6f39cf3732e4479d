"""How an audit is recorded as a ``MassID Audit`` document, so later audits can read it back.

The certificate-uniqueness rule recognises another audit of the same methodology by the attribute
``Methodology Slug`` on any of its events, and its verdict by the attribute ``Evaluation Result`` (an
audit without one is still running). :func:`audit_event_bodies` writes exactly that, as event bodies
of the documents API (``POST /documents/{id}/events`` / ``POST /documents/events``)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from massledger.methodology.engine import RuleResult, to_json
from massledger.methodology.graph import Document
from massledger.methodology.rules._common import iso

if TYPE_CHECKING:
    from massledger.methodology.methodologies import Evaluation

METHODOLOGY_SLUG = "Methodology Slug"
EVALUATION_RESULT = "Evaluation Result"
RULE_EXECUTION = "RULE EXECUTION"


def audit_methodology(audit: Document) -> str | None:
    """The methodology slug an audit document was run for."""
    for event in audit.events:
        slug = event.text(METHODOLOGY_SLUG)
        if slug is not None:
            return slug
    return None


def audit_result(audit: Document) -> str | None:
    """PASSED / FAILED / REVIEW_REQUIRED once the audit has finished; None while it runs."""
    for event in reversed(audit.events):
        result = event.text(EVALUATION_RESULT)
        if result is not None:
            return result
    return None


def _attribute(name: str, value: Any, *, public: bool = True) -> dict[str, Any]:
    return {"name": name, "value": value, "isPublic": public}


def rule_event_body(result: RuleResult, order: int, at: datetime) -> dict[str, Any]:
    """One ``RULE EXECUTION`` event recording a rule's result."""
    return {
        "name": RULE_EXECUTION,
        "externalCreatedAt": iso(at),
        "isPublic": True,
        "metadata": {
            "attributes": [
                _attribute("Rule Slug", result.slug),
                _attribute("Rule Name", result.name),
                _attribute("Rule Execution Order", order),
                _attribute("Rule Result", result.result.value),
                # Messages and details may quote private MassID data (a plate, an address): readers with
                # access see them; public views show which rule ran and its result.
                _attribute("Rule Message", result.message, public=False),
                _attribute("Rule Result Details", to_json(result.details), public=False),
            ]
        },
    }


def audit_event_bodies(evaluation: Evaluation, at: datetime) -> list[dict[str, Any]]:
    """The events of a ``MassID Audit`` document: the methodology, one per rule, then the verdict."""
    methodology = evaluation.methodology
    first = {
        "name": f"{methodology.name} Methodology",
        "externalCreatedAt": iso(at),
        "isPublic": True,
        "metadata": {"attributes": [_attribute(METHODOLOGY_SLUG, methodology.slug)]},
    }
    rules = [rule_event_body(result, order, at) for order, result in enumerate(evaluation.rules, start=1)]
    verdict = {
        "name": f"Result: MassID {evaluation.result.value}",
        "externalCreatedAt": iso(at),
        "isPublic": True,
        "metadata": {"attributes": [_attribute(EVALUATION_RESULT, evaluation.result.value)]},
    }
    return [first, *rules, verdict]
