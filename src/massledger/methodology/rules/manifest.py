"""Shared checks of rules 12 (Transport Manifest) and 19 (Recycling Manifest).

Per manifest event: an attachment labelled with the manifest type, or an "Exemption Justification" (not
both, not neither; no attachment with another label). With an attachment, "Document Type" (MTR / CDF
when the recycler is in Brazil), "Document Number" and "Issue Date" (format DATE, ``YYYY-MM-DD``) are
required. The Recycling Manifest happens at the Recycler's address. Value (framework rules): a Transport
Manifest carries a value > 0; a Recycling Manifest's value equals the MassID's current value.

The OCR cross-validation of the attached file against the events (reference: AWS Textract) is not done
here; see docs/methodology.md."""

from __future__ import annotations

from collections.abc import Callable

from massledger.methodology import constants as c
from massledger.methodology.engine import Rule, Verdict, failed, passed
from massledger.methodology.graph import DocumentGraph, Event, parse_date
from massledger.methodology.rules._common import num, shown

ValueCheck = Callable[[DocumentGraph, Event], str | None]


def _event_problems(
    graph: DocumentGraph,
    event: Event,
    label: str,
    report_type: str,
    at_recycler: bool,
    value_check: ValueCheck,
) -> list[str]:
    recycler = graph.mass_id.actor(c.RECYCLER)
    assert recycler is not None
    name = f'"{event.name}" event'
    problems = []
    if at_recycler and (event.address_id is None or event.address_id != recycler.address_id):
        problems.append(
            f"the {name} address ({event.address_id or 'missing'}) must be the Recycler's address "
            f"({recycler.address_id or 'missing'})"
        )
    labelled = [a for a in event.attachments if a.label == label]
    others = [a for a in event.attachments if a.label != label]
    exempt = event.has(c.EXEMPTION_JUSTIFICATION)
    if others:
        got = ", ".join(shown(a.label) for a in others)
        problems.append(f'every attachment of the {name} must be labelled "{label}" (got {got})')
    if labelled and exempt:
        problems.append(f'the {name} has both a "{label}" attachment and an "{c.EXEMPTION_JUSTIFICATION}"')
    elif not labelled and not exempt:
        problems.append(f'the {name} needs a "{label}" attachment or an "{c.EXEMPTION_JUSTIFICATION}"')
    elif labelled:
        document_type = event.text("Document Type")
        country = recycler.address.country_code if recycler.address else None
        if document_type is None:
            problems.append(f'the {name} has no "Document Type"')
        elif country == "BR" and document_type != report_type:
            problems.append(
                f'the "Document Type" must be "{report_type}" for a recycler in Brazil, got "{document_type}"'
            )
        if not event.has("Document Number"):
            problems.append(f'the {name} has no "Document Number"')
        issue = event.attribute("Issue Date")
        if issue is None or issue.value is None:
            problems.append(f'the {name} has no "Issue Date"')
        elif issue.format != "DATE" or parse_date(issue.value) is None:
            problems.append(
                f'the "Issue Date" must be a YYYY-MM-DD date with format "DATE", got {shown(issue.value)}'
            )
    value_problem = value_check(graph, event)
    if value_problem:
        problems.append(value_problem)
    return problems


def manifest_rule(
    slug: str, name: str, event_name: str, report_type: str, at_recycler: bool, value_check: ValueCheck
) -> Rule:
    def check(graph: DocumentGraph) -> Verdict:
        events = graph.mass_id.events_named(event_name)
        if not events:
            return failed(f'The MassID has no "{event_name}" event.')
        if graph.mass_id.actor(c.RECYCLER) is None:
            return failed("The MassID has no Recycler ACTOR.")
        problems = [
            problem
            for event in events
            for problem in _event_problems(graph, event, event_name, report_type, at_recycler, value_check)
        ]
        if problems:
            message = "; ".join(problems)
            return failed(message[0].upper() + message[1:] + ".")
        return passed(f'Every "{event_name}" event carries a valid manifest or an exemption.')

    return Rule(slug, name, check)


def positive_value(graph: DocumentGraph, event: Event) -> str | None:
    if event.value is None or event.value <= 0:
        return f'the "{event.name}" event value must be a number greater than 0, got {shown(event.raw_value)}'
    return None


def equals_current_value(graph: DocumentGraph, event: Event) -> str | None:
    current = graph.mass_id.current_value
    if event.value is None or current is None or event.value != current:
        got = shown(event.raw_value) if event.value is None else num(event.value)
        expected = shown(graph.mass_id.raw_current_value) if current is None else num(current)
        return f'the "{event.name}" event value ({got}) must equal the MassID current value ({expected})'
    return None
