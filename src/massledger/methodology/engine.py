"""Rules, their results, and running an ordered rule list over a document graph.

A rule is a pure function ``(DocumentGraph) -> Verdict`` wrapped in a :class:`Rule` that names it. The
engine runs every rule of a methodology in order (no short-circuit: integrators see every problem at
once) and folds the results: any FAILED → FAILED, else any REVIEW_REQUIRED → REVIEW_REQUIRED, else
PASSED."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from massledger.methodology.graph import DocumentGraph

log = logging.getLogger(__name__)


class Outcome(StrEnum):
    PASSED = "PASSED"
    FAILED = "FAILED"
    REVIEW_REQUIRED = "REVIEW_REQUIRED"


@dataclass(frozen=True)
class Verdict:
    """What a rule function returns; the engine adds the rule's slug and name."""

    outcome: Outcome
    message: str
    details: Mapping[str, Any] = field(default_factory=dict)


def passed(message: str, **details: Any) -> Verdict:
    return Verdict(Outcome.PASSED, message, details)


def failed(message: str, **details: Any) -> Verdict:
    return Verdict(Outcome.FAILED, message, details)


def review(message: str, **details: Any) -> Verdict:
    return Verdict(Outcome.REVIEW_REQUIRED, message, details)


_PLAIN = frozenset({str, int, float, bool})


def to_json(value: Any) -> Any:
    """Details as JSON-safe values: decimals as plain strings, dates as ISO strings."""
    if value is None or type(value) in _PLAIN:  # most details: nothing to convert
        return value
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f") if value else "0"
        return text
    if isinstance(value, datetime | date):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, Mapping):
        return {str(key): to_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    return value


@dataclass(frozen=True)
class RuleResult:
    slug: str
    name: str
    result: Outcome
    message: str
    details: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """``{slug, name, result, message, details}`` with JSON-safe details."""
        return {
            "slug": self.slug,
            "name": self.name,
            "result": self.result.value,
            "message": self.message,
            "details": to_json(self.details),
        }


@dataclass(frozen=True)
class Rule:
    slug: str
    name: str
    check: Callable[[DocumentGraph], Verdict]

    def __call__(self, graph: DocumentGraph) -> RuleResult:
        """Run the rule. A bug that raises is reported as FAILED (never a crash of the audit) and
        logged; rules are written and tested not to raise on any input document."""
        try:
            verdict = self.check(graph)
        except Exception:
            log.exception("rule %s raised", self.slug)
            verdict = Verdict(Outcome.FAILED, f"The rule {self.slug} could not evaluate this MassID.", {})
        return RuleResult(self.slug, self.name, verdict.outcome, verdict.message, verdict.details)


def overall(results: tuple[RuleResult, ...] | list[RuleResult]) -> Outcome:
    outcomes = {result.result for result in results}
    if Outcome.FAILED in outcomes:
        return Outcome.FAILED
    if Outcome.REVIEW_REQUIRED in outcomes:
        return Outcome.REVIEW_REQUIRED
    return Outcome.PASSED


def run_rules(rules: tuple[Rule, ...], graph: DocumentGraph) -> tuple[RuleResult, ...]:
    return tuple(rule(graph) for rule in rules)
