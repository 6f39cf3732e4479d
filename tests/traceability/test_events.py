"""Event rules (design §3): ordering, values, status transitions, metadata, batches."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api
from tests.traceability.helpers import ago, document_body, event_body, logical_events


def _document(api: Api) -> str:
    return str(api.post("/documents", json=document_body()).json()["id"])


def _snapshot(api: Api, document_id: str) -> dict[str, Any]:
    document = api.get(f"/documents/{document_id}").json()
    document.pop("updatedAt")
    return dict(document)


@pytest.mark.parametrize(
    ("timestamp", "reason"),
    [
        ("one hour ahead", "future"),
        ("2025-03-10T07:59:59Z", "latest event"),
        ("2025-03-10T09:00:00", "offset"),
        ("2025-03-10", "offset"),
        (1741593600, "offset"),
    ],
)
def test_bad_timestamps_are_refused_and_change_nothing(api: Api, timestamp: Any, reason: str) -> None:
    document_id = _document(api)
    assert (
        api.post(f"/documents/{document_id}/events", json=event_body(at="2025-03-10T08:00:00Z")).status_code
        == 201
    )
    before = _snapshot(api, document_id)
    if timestamp == "one hour ahead":
        timestamp = ago(hours=-1)
    response = api.post(
        f"/documents/{document_id}/events", json=event_body("Weighing", at=timestamp, value=10)
    )
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["code"] == "validationError"
    assert "externalCreatedAt" in error["message"] and reason in error["message"]
    assert _snapshot(api, document_id) == before


def test_offsets_are_accepted_and_normalised_and_equal_timestamps_keep_arrival_order(api: Api) -> None:
    document_id = _document(api)
    for name in ("A", "B", "C"):
        response = api.post(
            f"/documents/{document_id}/events", json=event_body(name, at="2025-03-10T05:00:00-03:00")
        )
        assert response.status_code == 201
    events = api.get(f"/documents/{document_id}").json()["events"]
    assert [e["name"] for e in events] == ["A", "B", "C"]
    assert {e["externalCreatedAt"] for e in events} == {"2025-03-10T08:00:00.000Z"}


def test_value_sets_current_value_exactly(api: Api) -> None:
    document_id = _document(api)
    api.post(f"/documents/{document_id}/events", json=event_body("Weighing", value=3250.5))
    api.post(f"/documents/{document_id}/events", json=event_body("Note"))
    assert api.get(f"/documents/{document_id}").json()["currentValue"] == 3250.5
    api.post(f"/documents/{document_id}/events", json=event_body("Sorting", value=3120.48))
    document = api.get(f"/documents/{document_id}").json()
    assert document["currentValue"] == 3120.48
    assert [e["value"] for e in document["events"]] == [3250.5, None, 3120.48]
    for bad in (-1, "12", 1.1234567, True):
        response = api.post(f"/documents/{document_id}/events", json=event_body("Bad", value=bad))
        assert response.status_code == 400 and "value" in response.json()["errors"][0]["message"]


def test_close_then_only_relations_and_cancel_then_nothing(api: Api) -> None:
    related = _document(api)
    closed = _document(api)
    api.post(f"/documents/{closed}/events", json=event_body("Weighing", value=100))
    assert api.post(f"/documents/{closed}/events", json=event_body("CLOSE")).status_code == 201
    assert api.get(f"/documents/{closed}").json()["status"] == "CLOSED"
    for name, body in logical_events(related).items():
        response = api.post(f"/documents/{closed}/events", json=body)
        if name in ("RELATED", "LINK", "OUTPUT"):
            assert response.status_code == 201, (name, response.text)
        else:
            assert response.status_code == 409, (name, response.text)
            error = response.json()["errors"][0]
            assert error["code"] == "conflictError" and "CLOSED" in error["message"], name
    after_close = api.get(f"/documents/{closed}").json()
    assert [e["name"] for e in after_close["events"]] == ["Weighing", "CLOSE", "RELATED", "LINK", "OUTPUT"]
    assert after_close["currentValue"] == 100 and after_close["isPubliclySearchable"] is True

    cancelled = _document(api)
    api.post(f"/documents/{cancelled}/events", json=event_body("Weighing", value=100))
    assert api.post(f"/documents/{cancelled}/events", json=event_body("CANCEL")).status_code == 201
    assert api.get(f"/documents/{cancelled}").json()["status"] == "CANCELLED"
    for name, body in logical_events(related).items():
        for response in (
            api.post(f"/documents/{cancelled}/events", json=body),
            api.post("/documents/events", json={"documentId": cancelled, "events": [body]}),
        ):
            assert response.status_code == 409, (name, response.text)
            error = response.json()["errors"][0]
            assert error["code"] == "conflictError" and "CANCELLED" in error["message"], name
    assert len(api.get(f"/documents/{cancelled}").json()["events"]) == 2


def test_metadata_attributes_round_trip(api: Api) -> None:
    document_id = _document(api)
    attributes = [
        {"name": "Vehicle License Plate", "value": "ABC1D23", "isPublic": True, "sensitive": True},
        {"name": "Gross Weight", "value": 6750.5, "isPublic": True, "format": "KILOGRAM"},
        {"name": "Issue Date", "value": "2025-03-10", "format": "DATE"},
        {"name": "Scale Validation", "value": {"documentId": "x", "eventId": "y"}, "isPublic": False},
        {"name": "Driver Identifier", "value": "DRV-77", "sensible": True},
    ]
    response = api.post(
        f"/documents/{document_id}/events",
        json=event_body("Weighing", value=3250.5, metadata={"attributes": attributes}, isPublic=False),
    )
    assert response.status_code == 201
    stored = api.get(f"/documents/{document_id}").json()["events"][0]["metadata"]["attributes"]
    assert [a["name"] for a in stored] == [a["name"] for a in attributes]
    assert stored[0]["sensitive"] is True and stored[0]["isPublic"] is True
    assert stored[1]["format"] == "KILOGRAM" and stored[1]["value"] == 6750.5
    assert stored[2]["isPublic"] is False  # inherits the event's isPublic
    assert stored[3]["value"] == {"documentId": "x", "eventId": "y"}
    assert stored[4]["sensitive"] is True
    bad = api.post(
        f"/documents/{document_id}/events",
        json=event_body("Weighing", metadata={"attributes": [{"name": "X", "format": "POUND"}]}),
    )
    assert bad.status_code == 400 and "metadata.attributes[0].format" in bad.json()["errors"][0]["message"]


def test_a_batch_whose_7th_event_is_invalid_stores_nothing(api: Api) -> None:
    document_id = _document(api)
    events = [event_body(f"Step {i}", at=f"2025-03-10T08:0{i}:00Z", value=i) for i in range(9)]
    events[6]["externalCreatedAt"] = "2025-03-10T08:01:00Z"  # earlier than event #6
    response = api.post("/documents/events", json={"documentId": document_id, "events": events})
    assert response.status_code == 400
    assert "events[6].externalCreatedAt" in response.json()["errors"][0]["message"]
    assert api.get(f"/documents/{document_id}").json()["events"] == []
    # Schema errors are caught before anything runs, also naming the index.
    events[6] = {"name": "Step 6", "isPublic": True}
    response = api.post("/documents/events", json={"documentId": document_id, "events": events})
    assert response.status_code == 400
    assert "events[6].externalCreatedAt" in response.json()["errors"][0]["message"]
    # Fixed, the same batch stores all nine in order.
    events[6] = event_body("Step 6", at="2025-03-10T08:06:00Z", value=6)
    response = api.post("/documents/events", json={"documentId": document_id, "events": events})
    assert response.status_code == 201
    ids = [item["eventId"] for item in response.json()["events"]]
    stored = api.get(f"/documents/{document_id}").json()
    assert [e["id"] for e in stored["events"]] == ids
    assert stored["currentValue"] == 8


def test_batch_and_single_routes_are_served_under_v1(api: Api) -> None:
    created = api.post("/v1/documents", json=document_body())
    assert created.status_code == 201
    document_id = created.json()["id"]
    assert api.post(f"/v1/documents/{document_id}/events", json=event_body()).status_code == 201
    batch = api.post("/v1/documents/events", json={"documentId": document_id, "events": [event_body("B")]})
    assert batch.status_code == 201
    assert len(api.get(f"/v1/documents/{document_id}").json()["events"]) == 2


def test_a_batch_checks_each_participant_and_address_id_once_and_names_the_failing_event(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ids are looked up once per request; an unknown one still fails at its own index, and an inline
    participant or address resolves as before."""
    from massledger.traceability import participants

    document_id = _document(api)
    view = api.get(f"/documents/{document_id}").json()
    refs = {"participantId": view["participant"]["id"], "addressId": view["address"]["id"]}
    looked_up: list[str] = []
    original = participants.load_participants

    def counting(conn: Any, ids: Any) -> Any:
        looked_up.extend(ids)
        return original(conn, ids)

    monkeypatch.setattr(participants, "load_participants", counting)
    unknown = "00000000-0000-4000-8000-000000000000"
    events = [event_body(f"Step {i}", **refs) for i in range(5)]
    for field, index in (("participantId", 3), ("addressId", 4)):
        bad = [*events[:index], {**events[index], field: unknown}, *events[index + 1 :]]
        response = api.post("/documents/events", json={"documentId": document_id, "events": bad})
        assert response.status_code == 400
        assert response.json()["errors"][0]["message"] == (
            f"events[{index}].{field}: {field.removesuffix('Id')} {unknown} was not found"
        )
    assert api.get(f"/documents/{document_id}").json()["events"] == []
    looked_up.clear()
    inline = {**events[2], "participant": view["participant"]}
    del inline["participantId"], inline["participant"]["id"]
    events[2] = inline
    response = api.post("/documents/events", json={"documentId": document_id, "events": events})
    assert response.status_code == 201
    assert looked_up == [refs["participantId"]]  # once for five events (the inline one resolves)
    stored = api.get(f"/documents/{document_id}").json()["events"]
    assert [e["participant"]["id"] for e in stored] == [refs["participantId"]] * 5
    assert [e["address"]["id"] for e in stored] == [refs["addressId"]] * 5


def test_a_batch_stores_each_instant_in_utc_whatever_its_offset(api: Api) -> None:
    document_id = _document(api)
    times = ["2025-03-10T05:00:00-03:00", "2025-03-10T08:00:00Z", "2025-03-10T08:00:00.000001Z"]
    times += ["2025-03-10T09:00:00.000001+01:00", "2025-03-10T08:00:00.120Z"]
    events = [event_body(f"Step {i}", at=at) for i, at in enumerate(times)]
    response = api.post("/documents/events", json={"documentId": document_id, "events": events})
    assert response.status_code == 201
    stored = api.get(f"/documents/{document_id}").json()["events"]
    assert [e["externalCreatedAt"] for e in stored] == [
        "2025-03-10T08:00:00.000Z",
        "2025-03-10T08:00:00.000Z",
        "2025-03-10T08:00:00.000001Z",
        "2025-03-10T08:00:00.000001Z",
        "2025-03-10T08:00:00.120Z",
    ]
