"""3. Project Period (project-period-limit): the Recycled event is on or after 1 January (UTC) of the
year before the audit."""

from __future__ import annotations

from datetime import UTC, datetime

from massledger.methodology import constants as c
from massledger.methodology.engine import Rule, Verdict, failed, passed
from massledger.methodology.graph import DocumentGraph
from massledger.methodology.rules._common import iso

SLUG = "project-period-limit"
NAME = "Project Period"


def period_start(now: datetime) -> datetime:
    return datetime(now.year - 1, 1, 1, tzinfo=UTC)


def _check(graph: DocumentGraph) -> Verdict:
    recycled = graph.mass_id.first(c.RECYCLED)
    if recycled is None:
        return failed('The MassID has no "Recycled" event.')
    if recycled.external_created_at is None:
        return failed('The "Recycled" event has no valid externalCreatedAt (ISO 8601 with an offset).')
    start = period_start(graph.now)
    at = recycled.external_created_at
    details = {"recycledAt": at, "periodStart": start}
    if at < start:
        return failed(
            f'The "Recycled" event ({iso(at)}) is before the project period, which starts on '
            f"{start.date().isoformat()} (1 January of the year before the audit, UTC).",
            **details,
        )
    return passed(
        f'The "Recycled" event ({iso(at)}) is within the project period (on or after '
        f"{start.date().isoformat()}).",
        **details,
    )


RULE = Rule(SLUG, NAME, _check)
