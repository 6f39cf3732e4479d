"""SPLIT and OUTPUT: child documents, value conservation, deduplication, verify.

Conservation model (docs/architecture.md): the family of a document is itself and its SPLIT descendants.
SPLIT moves value inside the family, OUTPUT creates a downstream product outside it, a `value` event
re-weighs one document. Σ currentValue over the family = original mass + re-weighing deltas."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from massledger.ids import now_us
from massledger.traceability import service
from massledger.traceability.tables import documents
from massledger.traceability.verify import verify_documents
from tests.conftest import Api, Factory
from tests.traceability.helpers import ADDRESS, document_body, event_body, target_body

OTHER_ADDRESS = {**ADDRESS, "street": "Rua do Pátio", "number": "12"}


def _document(api: Api, mass: float | None = None) -> str:
    document_id = str(api.post("/documents", json=document_body()).json()["id"])
    if mass is not None:
        assert (
            api.post(f"/documents/{document_id}/events", json=event_body("Weighing", value=mass)).status_code
            == 201
        )
    return document_id


def _value(api: Api, document_id: str) -> Decimal:
    return Decimal(str(api.get(f"/documents/{document_id}").json()["currentValue"]))


def test_split_moves_value_into_a_child_that_inherits_the_source(api: Api) -> None:
    source = _document(api, 1000)
    response = api.post(
        f"/documents/{source}/events",
        json=event_body("SPLIT", target=target_body(250.5, externalId="LOT-7", title="Part", tags=["lot"])),
    )
    assert response.status_code == 201
    child_id = response.json()["targetDocumentId"]
    parent = api.get(f"/documents/{source}").json()
    child = api.get(f"/documents/{child_id}").json()
    assert parent["currentValue"] == 749.5 and child["currentValue"] == 250.5
    assert parent["events"][-1]["targetDocumentId"] == child_id
    assert parent["events"][-1]["target"]["value"] == 250.5
    assert child["parentDocumentId"] == source
    assert child["externalId"] == "LOT-7" and child["title"] == "Part" and child["tags"] == ["lot"]
    assert child["category"] == parent["category"] and child["measurementUnit"] == "kg"
    assert child["participant"]["id"] == parent["participant"]["id"]
    assert child["address"]["id"] == parent["address"]["id"]
    assert child["author"]["participantId"] == api.creds.participant_id
    assert child["events"] == [] and child["status"] == "OPEN"
    # A target may name its own address; events can be appended to the child like to any document.
    other = api.post(
        f"/documents/{child_id}/events",
        json=event_body("SPLIT", target=target_body(50, address=OTHER_ADDRESS)),
    )
    grandchild = api.get(f"/documents/{other.json()['targetDocumentId']}").json()
    assert grandchild["address"]["street"] == "Rua do Pátio" and grandchild["parentDocumentId"] == child_id
    assert _value(api, child_id) == Decimal("200.5")


def test_split_larger_than_current_value_or_not_positive_is_refused(api: Api) -> None:
    source = _document(api, 10)
    for value in (10.000001, 0, -1, 11):
        response = api.post(
            f"/documents/{source}/events", json=event_body("SPLIT", target=target_body(value))
        )
        assert response.status_code == 400, value
        assert "target.value" in response.json()["errors"][0]["message"]
    mismatch = api.post(
        f"/documents/{source}/events", json=event_body("SPLIT", target=target_body(1, measurementUnit="t"))
    )
    assert mismatch.status_code == 400 and "target.measurementUnit" in mismatch.json()["errors"][0]["message"]
    batch = api.post(
        "/documents/events",
        json={
            "documentId": source,
            "events": [
                event_body("SPLIT", target=target_body(6)),
                event_body("SPLIT", target=target_body(6)),
            ],
        },
    )
    assert batch.status_code == 400 and "events[1].target.value" in batch.json()["errors"][0]["message"]
    assert _value(api, source) == 10 and api.get(f"/documents/{source}").json()["events"][1:] == []
    exact = api.post(f"/documents/{source}/events", json=event_body("SPLIT", target=target_body(10)))
    assert exact.status_code == 201 and _value(api, source) == 0


def test_output_creates_a_child_without_moving_value_even_after_close(operator: Api) -> None:
    api = operator  # writes Methodology documents, which need methodology:run
    source = _document(api, 100)
    api.post(f"/documents/{source}/events", json=event_body("CLOSE"))
    response = api.post(
        f"/documents/{source}/events",
        json=event_body("OUTPUT", target=target_body(37, category="Methodology", type="RecycledID")),
    )
    assert response.status_code == 201
    output = api.get(f"/documents/{response.json()['targetDocumentId']}").json()
    assert output["currentValue"] == 37 and output["category"] == "Methodology"
    assert output["parentDocumentId"] == source
    assert _value(api, source) == 100


def test_batch_reports_each_child_and_replay_returns_the_same_child(api: Api, factory: Factory) -> None:
    source = _document(api, 100)
    events = [
        event_body("SPLIT", target=target_body(10), deduplicationId="split-1"),
        event_body("Note"),
        event_body("OUTPUT", target=target_body(1)),
    ]
    first = api.post("/documents/events", json={"documentId": source, "events": events})
    assert first.status_code == 201
    results = first.json()["events"]
    assert results[0]["targetDocumentId"] and results[2]["targetDocumentId"]
    assert results[1]["targetDocumentId"] is None
    replay = api.post(f"/documents/{source}/events", json=events[0])
    assert replay.status_code == 201
    assert replay.json()["targetDocumentId"] == results[0]["targetDocumentId"]
    assert replay.json()["eventId"] == results[0]["eventId"]

    def count(conn: Any) -> int:
        return int(conn.execute(select(func.count()).select_from(documents)).scalar_one())

    assert factory.database.run_read(count) == 3
    assert _value(api, source) == 90
    checked, problems = factory.database.run_read(verify_documents)
    assert problems == [] and checked["documents"] == 3


def test_verify_names_a_child_whose_origin_event_does_not_exist(api: Api, factory: Factory) -> None:
    source = _document(api, 100)
    split = api.post(f"/documents/{source}/events", json=event_body("SPLIT", target=target_body(10))).json()
    child = api.get(f"/documents/{split['targetDocumentId']}").json()

    def insert_forged_child(conn: Any) -> None:
        owner = service.system_principal_for(conn, api.creds.organization_id, "TEST")
        owner = type(owner)(
            api.creds.client_id, owner.organization_id, owner.participant_id, "TEST", owner.scopes
        )
        creation = {
            "id": "7d0e8f7a-1111-4222-8333-944455556666",
            "dataSetName": "TEST",
            "author": service.author_of(owner),
            "category": "MassID",
            "type": "Organic",
            "subtype": None,
            "externalCreatedAt": "2025-03-10T08:00:00.000Z",
            "externalId": None,
            "isPublic": True,
            "isPubliclySearchable": True,
            "participantId": child["participant"]["id"],
            "addressId": child["address"]["id"],
            "tags": [],
            "title": None,
            "shortTitle": None,
            "measurementUnit": "kg",
            "deduplicationId": None,
            "parentDocumentId": source,
            "currentValue": "500",
            "createdAt": "2025-03-10T08:00:00.000Z",
            "origin": {"documentId": source, "eventId": split["eventId"], "name": "SPLIT"},
        }
        service.insert_new_document(conn, creation, owner, now_us())

    factory.database.run_write(insert_forged_child)
    _, problems = factory.database.run_read(verify_documents)
    assert [(p.check, p.subject) for p in problems] == [
        ("origin", "document 7d0e8f7a-1111-4222-8333-944455556666")
    ]


# -- the property ------------------------------------------------------------------------------------------

AMOUNTS = st.integers(min_value=-20, max_value=12_000).map(lambda n: Decimal(n) / 10)
STEPS = st.lists(
    st.tuples(st.sampled_from(["split", "output", "weigh"]), st.integers(0, 50), AMOUNTS), max_size=8
)


def _number(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


def test_family_mass_is_conserved_and_never_negative(api: Api) -> None:
    @given(steps=STEPS)
    @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def run(steps: list[tuple[str, int, Decimal]]) -> None:
        root = _document(api, 1000)
        current: dict[str, Decimal] = {root: Decimal(1000)}  # the family: root + SPLIT descendants
        expected_total = Decimal(1000)
        for kind, pick, amount in steps:
            member = list(current)[pick % len(current)]
            path = f"/documents/{member}/events"
            if kind == "weigh":
                response = api.post(path, json=event_body("Sorting", value=_number(amount)))
                if amount >= 0:
                    assert response.status_code == 201, response.text
                    expected_total += amount - current[member]
                    current[member] = amount
                else:
                    assert response.status_code == 400 and "value" in response.text
            else:
                name = "SPLIT" if kind == "split" else "OUTPUT"
                response = api.post(path, json=event_body(name, target=target_body(_number(amount))))
                accepted = amount >= 0 if kind == "output" else 0 < amount <= current[member]
                if accepted:
                    assert response.status_code == 201, response.text
                    if kind == "split":
                        current[member] -= amount
                        current[response.json()["targetDocumentId"]] = amount
                else:
                    assert response.status_code == 400, response.text
                    assert "target.value" in response.json()["errors"][0]["message"]
            values = {doc: _value(api, doc) for doc in current}
            assert values == current
            assert all(value >= 0 for value in values.values())
            assert sum(values.values()) == expected_total
            if not any(k == "weigh" for k, _, _ in steps):
                assert sum(values.values()) == 1000

    run()
