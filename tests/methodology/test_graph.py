from datetime import UTC, datetime
from decimal import Decimal

import pytest

from massledger.methodology.graph import Document, DocumentGraph, parse_number, parse_timestamp
from tests.methodology import builders as b


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-03-10T08:00:00Z", datetime(2025, 3, 10, 8, tzinfo=UTC)),
        ("2025-03-10T08:00:00.123Z", datetime(2025, 3, 10, 8, 0, 0, 123000, tzinfo=UTC)),
        ("2025-03-10T05:00:00-03:00", datetime(2025, 3, 10, 8, tzinfo=UTC)),
        ("2025-03-10T08:00:00.123456789z", datetime(2025, 3, 10, 8, 0, 0, 123456, tzinfo=UTC)),
        ("2025-03-10T08:00:00", None),  # no offset: the instant is unknown
        ("2025-03-10", None),
        (1741593600, None),
        (None, None),
    ],
)
def test_timestamps_need_an_offset(text: object, expected: datetime | None) -> None:
    assert parse_timestamp(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3120.48, Decimal("3120.48")),
        (3500, Decimal(3500)),
        ("3120.48", None),
        (True, None),
        (float("nan"), None),
    ],
)
def test_numbers_are_json_numbers(value: object, expected: Decimal | None) -> None:
    assert parse_number(value) == expected


def test_view_is_parsed_into_typed_documents() -> None:
    document = Document.from_view(b.mass_id().view())
    assert (document.category, document.status, document.current_value) == (
        "MassID",
        "CLOSED",
        Decimal("3120.48"),
    )
    pick_up = document.first("Pick-up")
    assert pick_up is not None
    assert pick_up.text("Vehicle License Plate") == "ABC1D23"
    assert pick_up.attribute("Vehicle License Plate").sensitive  # type: ignore[union-attr]
    assert pick_up.number("Captured GPS Latitude") == Decimal("-23.5491")
    assert document.actor("Recycler").participant.name == "Compostagem Cajamar LTDA"  # type: ignore[union-attr]
    assert [e.name for e in document.events_named("ACTOR")] == ["ACTOR"] * 5


def test_nulls_and_absent_fields_are_alike() -> None:
    view = b.mass_id().view()
    view["events"][5]["address"] = None
    view["events"][5]["metadata"] = None
    view["primaryAddress"] = {"id": "a", "latitude": None, "longitude": None, "zipCode": None}
    document = Document.from_view(view)
    pick_up = document.events[5]
    assert (pick_up.address, pick_up.attributes) == (None, ())
    assert document.address is not None and document.address.coordinates is None


def test_malformed_view_does_not_raise() -> None:
    for junk in (
        None,
        [],
        "text",
        {"events": "no"},
        {"events": [None, 3, {"metadata": {"attributes": [1, {}]}}]},
    ):
        document = Document.from_view(junk)
        assert document.first("Pick-up") is None


def test_stored_shape_with_external_events_is_accepted() -> None:
    view = b.mass_id().view()
    view["externalEvents"] = view.pop("events")
    assert len(Document.from_view(view).events) == 13


def test_events_are_ordered_by_time_then_position() -> None:
    view = b.mass_id().view()
    view["events"].reverse()
    document = Document.from_view(view)
    assert document.first("ACTOR").label == "Integrator"  # type: ignore[union-attr]  # same time: list position
    assert [e.name for e in document.events_named("Pick-up")] == ["Pick-up"]


def test_graph_needs_an_aware_audit_time() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        DocumentGraph(mass_id=Document.from_view({}), now=datetime(2025, 1, 1))


def test_accreditations_are_indexed_by_participant_and_role() -> None:
    graph = b.graph()
    recycler = b.participant_id(b.RECYCLER)
    assert [d.id for d in graph.accreditations_of(recycler, "Recycler")] == [b.RECYCLER_ACCREDITATION]
    assert graph.accreditations_of(recycler, "Processor") == ()
    assert graph.accreditations_of(None, "Recycler") == ()
