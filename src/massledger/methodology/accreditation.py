"""Reading Participant Accreditation documents: validity at audit time, approved exceptions, metrics."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from massledger.methodology import constants as c
from massledger.methodology.graph import Document, DocumentGraph, Event, parse_date, parse_timestamp

# Roles whose accreditation must carry an approved, dated Accreditation Result; for the others
# (Integrator, Waste Generator, Hauler) a document without one counts as valid (carrot.md §6.1 rule 4).
ROLES_REQUIRING_RESULT = frozenset({c.PROCESSOR, c.RECYCLER})


def _moment(value: object) -> datetime | date | None:
    return parse_timestamp(value) or parse_date(value)


def _not_after(moment: datetime | date, now: datetime) -> bool:
    """Date-only values compare with the audit's UTC calendar day, date-times with the instant."""
    if isinstance(moment, datetime):
        return moment <= now
    return moment <= now.date()


def _not_before(moment: datetime | date, now: datetime) -> bool:
    if isinstance(moment, datetime):
        return moment >= now
    return moment >= now.date()


def accreditation_result(document: Document) -> Event | None:
    """The latest Accreditation Result event."""
    return document.last(c.ACCREDITATION_RESULT)


def validity_problem(document: Document, role: str, now: datetime) -> str | None:
    """Why this accreditation is not valid at ``now``, or None when it is."""
    result = accreditation_result(document)
    if result is None:
        if role in ROLES_REQUIRING_RESULT:
            return f'has no "{c.ACCREDITATION_RESULT}" event'
        return None
    status = result.text("Accreditation Status")
    if status != c.APPROVED:
        return f'"Accreditation Status" is {_quoted(status)}, not "{c.APPROVED}"'
    effective = _moment(result.value_of("Effective Date"))
    if effective is None:
        return '"Effective Date" is missing or not an ISO date'
    if not _not_after(effective, now):
        return f'"Effective Date" {_shown(effective)} is after the audit time {_iso(now)}'
    if result.has("Expiration Date"):
        expiration = _moment(result.value_of("Expiration Date"))
        if expiration is None:
            return '"Expiration Date" is not an ISO date'
        if not _not_before(expiration, now):
            return f'"Expiration Date" {_shown(expiration)} is before the audit time {_iso(now)}'
    return None


def valid_accreditations(graph: DocumentGraph, participant_id: str | None, role: str) -> tuple[Document, ...]:
    return tuple(
        document
        for document in graph.accreditations_of(participant_id, role)
        if validity_problem(document, role, graph.now) is None
    )


def active_accreditation(graph: DocumentGraph, participant_id: str | None, role: str) -> Document | None:
    """The one valid accreditation of this participant for this role; None when there are 0 or several."""
    valid = valid_accreditations(graph, participant_id, role)
    return valid[0] if len(valid) == 1 else None


def role_accreditation(graph: DocumentGraph, role: str) -> tuple[Event | None, Document | None]:
    """(the MassID's first ACTOR event of this role, that participant's active accreditation)."""
    actor = graph.mass_id.actor(role)
    participant_id = actor.participant_id if actor else None
    return actor, active_accreditation(graph, participant_id, role)


def has_approved_exception(document: Document | None, event_name: str, attribute: str, now: datetime) -> bool:
    """The accreditation grants an approved exception for this attribute of this MassID event, still valid
    (``Valid Until`` absent or not before ``now``)."""
    if document is None:
        return False
    result = accreditation_result(document)
    exceptions = result.value_of("Approved Exceptions") if result else None
    if not isinstance(exceptions, list):
        return False
    for item in exceptions:
        if not isinstance(item, Mapping):
            continue
        location = item.get("Attribute Location")
        if not isinstance(location, Mapping) or location.get("Event") != event_name:
            continue
        if item.get("Attribute Name") != attribute:
            continue
        if item.get("Exception Type") != "Exemption for Mandatory Attribute":
            continue
        until = item.get("Valid Until")
        if until is None:
            return True
        moment = _moment(until)
        if moment is not None and _not_before(moment, now):
            return True
    return False


def metrics_for_year(document: Document | None, year: int) -> Event | None:
    """The latest "Emissions & Composting Metrics" event (name may be suffixed, e.g. "(2026)") whose
    "Reference Year" is ``year``."""
    if document is None:
        return None
    found = None
    for event in sorted(document.events, key=lambda e: e.sort_key):
        if not (event.name or "").startswith(c.EMISSIONS_AND_COMPOSTING_METRICS):
            continue
        text = event.text("Reference Year")  # a number, or its digits as a string
        if text is not None and text.isdigit() and int(text) == year:
            found = event
    return found


def _quoted(value: str | None) -> str:
    return "missing" if value is None else f'"{value}"'


def _shown(moment: datetime | date) -> str:
    return _iso(moment) if isinstance(moment, datetime) else moment.isoformat()


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
