"""2. Certificate Uniqueness Check (no-conflicting-recycled-id-or-credit / -gas-id-or-credit).

A MassID yields at most one certificate per methodology: the rule fails when a non-cancelled
certificate of the methodology's type is linked to the MassID, or when another non-cancelled audit of
the same methodology passed or is still running. Cancelling a certificate frees the MassID (the passed
audit whose certificate, its child, was cancelled no longer counts) once every credit minted from it is
cancelled in the registry too: credits still held, in a buffer or retired keep the MassID counted."""

from __future__ import annotations

from massledger.methodology.audit import audit_methodology, audit_result
from massledger.methodology.engine import Outcome, Rule, Verdict, failed, passed
from massledger.methodology.graph import DocumentGraph
from massledger.registry.ledger import kg_to_tonnes as tonnes

NAME = "Certificate Uniqueness Check"


def certificate_uniqueness_rule(slug: str, methodology_slug: str, certificate_type: str) -> Rule:
    def check(graph: DocumentGraph) -> Verdict:
        certificates = [
            doc.id or "?"
            for doc in graph.certificates
            if doc.type == certificate_type and not doc.is_cancelled
        ]
        cancelled = [doc for doc in graph.certificates if doc.type == certificate_type and doc.is_cancelled]
        unsettled = {
            doc.id or "?": graph.outstanding_credits.get(doc.id or "?", 0)
            for doc in cancelled
            if graph.outstanding_credits.get(doc.id or "?", 0) > 0
        }
        released = {
            doc.parent_document_id for doc in cancelled if doc.parent_document_id and doc.id not in unsettled
        }
        passed_audits: list[str] = []
        running_audits: list[str] = []
        for audit in graph.audits:
            if audit.is_cancelled or (graph.current_audit_id and audit.id == graph.current_audit_id):
                continue
            if audit_methodology(audit) != methodology_slug:
                continue
            result = audit_result(audit)
            if result == Outcome.PASSED and audit.id not in released:
                passed_audits.append(audit.id or "?")
            elif result is None:
                running_audits.append(audit.id or "?")
        details = {
            "certificates": certificates,
            "passedAudits": passed_audits,
            "runningAudits": running_audits,
            "cancelledCertificatesWithCredits": sorted(unsettled),
        }
        problems = []
        if certificates:
            problems.append(f"is already certified by {certificate_type} {', '.join(certificates)}")
        if passed_audits:
            problems.append(f"already passed the {methodology_slug} audit {', '.join(passed_audits)}")
        if running_audits:
            problems.append(f"has a {methodology_slug} audit in progress: {', '.join(running_audits)}")
        for certificate_id, kg in sorted(unsettled.items()):
            problems.append(
                f"was certified by the cancelled {certificate_type} {certificate_id},"
                f" whose credits are not all cancelled ({tonnes(kg)} t still held or retired);"
                " cancel them in the registry first"
            )
        if problems:
            return failed("The MassID " + "; it ".join(problems) + ".", **details)
        return passed(
            f"The MassID is not linked to a valid {certificate_type} certificate "
            f"nor to another passed or running {methodology_slug} audit.",
            **details,
        )

    return Rule(slug, NAME, check)
