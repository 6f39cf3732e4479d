from datetime import UTC, datetime, timedelta

import pytest

from massledger.methodology.rules.composting_cycle import RULE
from tests.methodology import builders as b

DROP_OFF = datetime(2025, 3, 10, 14, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("after", "result", "hours", "days"),
    [
        (timedelta(days=60, hours=-1), "PASSED", "1439", "59.96"),
        (timedelta(days=60, hours=-1, seconds=-1), "FAILED", "1438.9997", "59.96"),
        (timedelta(days=180, hours=1), "PASSED", "4321", "180.04"),
        (timedelta(days=180, hours=1, seconds=1), "FAILED", "4321.0003", "180.04"),
        (timedelta(days=91, hours=18, minutes=50), "PASSED", "2202.8333", "91.78"),
    ],
)
def test_composting_window(after: timedelta, result: str, hours: str, days: str) -> None:
    recycled = DROP_OFF + after
    mass = b.mass_id()
    mass.one("Recycled")["externalCreatedAt"] = recycled.isoformat()
    outcome = RULE(b.graph(mass))
    span = (
        f'{hours} h ({days} days) from the "Drop-off" (2025-03-10T14:10:00Z) to the "Recycled" event '
        f"({recycled.strftime('%Y-%m-%dT%H:%M:%SZ')})"
    )
    if result == "PASSED":
        message = f"The composting cycle took {span}, within 60 to 180 days."
    else:
        message = (
            f"The composting cycle took {span}; it must take 60 to 180 days "
            "(1439 to 4321 h with the 1 h tolerance)."
        )
    assert (outcome.result, outcome.message) == (result, message)


def test_midnight_jitter_is_tolerated() -> None:
    # Drop-off logged 8 s after midnight, Recycled exactly at midnight 60 days later: 59.9999 days passes.
    mass = b.mass_id()
    mass.one("Drop-off")["externalCreatedAt"] = "2025-03-11T00:00:08Z"
    mass.one("Recycled")["externalCreatedAt"] = "2025-05-10T00:00:00-00:00"
    assert RULE(b.graph(mass)).result == "PASSED"


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("Drop-off", 'The MassID has no "Drop-off" event.'),
        ("Recycled", 'The MassID has no "Recycled" event.'),
    ],
)
def test_missing_events(missing: str, message: str) -> None:
    outcome = RULE(b.graph(b.mass_id().drop(missing)))
    assert (outcome.result, outcome.message) == ("FAILED", message)
