from datetime import UTC, datetime

import pytest

from massledger.methodology.rules.project_period import RULE
from tests.methodology import builders as b


@pytest.mark.parametrize(
    ("recycled_at", "now", "result", "message"),
    [
        (
            "2024-01-01T00:00:00Z",
            datetime(2025, 12, 31, 23, 59, tzinfo=UTC),
            "PASSED",
            'The "Recycled" event (2024-01-01T00:00:00Z) is within the project period (on or after '
            "2024-01-01).",
        ),
        (
            "2023-12-31T23:59:59Z",
            datetime(2025, 1, 1, tzinfo=UTC),
            "FAILED",
            'The "Recycled" event (2023-12-31T23:59:59Z) is before the project period, which starts on '
            "2024-01-01 (1 January of the year before the audit, UTC).",
        ),
        (
            # A MassID held past a year boundary: the same event fails once the audit moves to 2026.
            "2024-06-10T09:00:00Z",
            datetime(2026, 1, 1, tzinfo=UTC),
            "FAILED",
            'The "Recycled" event (2024-06-10T09:00:00Z) is before the project period, which starts on '
            "2025-01-01 (1 January of the year before the audit, UTC).",
        ),
        (
            # A -03:00 offset is honoured: 22:00-03:00 on 31 December is 01:00Z on 1 January, inside.
            "2023-12-31T22:00:00-03:00",
            datetime(2025, 6, 1, tzinfo=UTC),
            "PASSED",
            'The "Recycled" event (2024-01-01T01:00:00Z) is within the project period (on or after '
            "2024-01-01).",
        ),
    ],
)
def test_recycled_event_against_the_project_period(
    recycled_at: str, now: datetime, result: str, message: str
) -> None:
    mass = b.mass_id()
    mass.one("Recycled")["externalCreatedAt"] = recycled_at
    outcome = RULE(b.graph(mass, now=now))
    assert (outcome.result, outcome.message) == (result, message)


def test_missing_recycled_event_fails() -> None:
    outcome = RULE(b.graph(b.mass_id().drop("Recycled")))
    assert (outcome.result, outcome.message) == ("FAILED", 'The MassID has no "Recycled" event.')
