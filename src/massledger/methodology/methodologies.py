"""The two BOLD methodologies and :func:`evaluate`, the one entry point of an audit.

graph = DocumentGraph.from_views(mass_id_view, now, accreditations=..., ...)
evaluation = evaluate("bold-recycling", graph)
evaluation.result, evaluation.rules, evaluation.certificate_value, evaluation.credits
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from massledger.methodology.certificates import credits_from_kg
from massledger.methodology.engine import Outcome, Rule, RuleResult, overall, run_rules, to_json
from massledger.methodology.graph import DocumentGraph

CertificateValue = Callable[[DocumentGraph, tuple[RuleResult, ...]], Decimal | None]


@dataclass(frozen=True)
class Methodology:
    slug: str
    name: str
    certificate_type: str  # RecycledID or GasID
    certificate_unit: str  # unit of the certificate value
    credit_symbol: str
    rules: tuple[Rule, ...]
    certificate_value: CertificateValue


@dataclass(frozen=True)
class Evaluation:
    methodology: Methodology
    document_id: str | None
    result: Outcome
    rules: tuple[RuleResult, ...]
    certificate_value: Decimal | None  # set only when the result is PASSED
    credits: Decimal | None  # tonnes, 3 decimals rounded down; set only when PASSED

    def to_dict(self) -> dict[str, Any]:
        return {
            "documentId": self.document_id,
            "methodology": self.methodology.slug,
            "result": self.result.value,
            "rules": [rule.to_dict() for rule in self.rules],
            "certificateType": self.methodology.certificate_type,
            "certificateValue": to_json(self.certificate_value),
            "certificateUnit": self.methodology.certificate_unit,
            "credits": to_json(self.credits),
        }


def _registry() -> MappingProxyType[str, Methodology]:
    from massledger.methodology.bold_carbon import BOLD_CARBON
    from massledger.methodology.bold_recycling import BOLD_RECYCLING

    return MappingProxyType({m.slug: m for m in (BOLD_RECYCLING, BOLD_CARBON)})


_METHODOLOGIES: MappingProxyType[str, Methodology] | None = None


def methodologies() -> MappingProxyType[str, Methodology]:
    """slug → methodology (``bold-recycling``, ``bold-carbon``)."""
    global _METHODOLOGIES
    if _METHODOLOGIES is None:
        _METHODOLOGIES = _registry()
    return _METHODOLOGIES


def get_methodology(slug: str) -> Methodology | None:
    return methodologies().get(slug)


def evaluate(methodology: Methodology | str, graph: DocumentGraph) -> Evaluation:
    """Run every rule of the methodology in order; on PASSED compute the certificate value and credits.
    Raises KeyError for an unknown slug (the route answers 404 before calling this)."""
    chosen = methodology if isinstance(methodology, Methodology) else methodologies()[methodology]
    results = run_rules(chosen.rules, graph)
    outcome = overall(results)
    value = chosen.certificate_value(graph, results) if outcome == Outcome.PASSED else None
    return Evaluation(
        methodology=chosen,
        document_id=graph.mass_id.id,
        result=outcome,
        rules=results,
        certificate_value=value,
        credits=credits_from_kg(value) if value is not None else None,
    )
