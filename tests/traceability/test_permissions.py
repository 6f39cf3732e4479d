"""Permissions (carrot.md §1.9): creator, granted, revoked, denied, conditionally granted and unrelated
organizations × read/write → the expected status, for every logical event; ACTOR rules; system caller."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

from massledger.ids import now_us
from massledger.settings import Settings
from massledger.traceability import service
from massledger.traceability.append import append_events
from massledger.traceability.schemas import DocumentFilters, EventBatch
from massledger.traceability.verify import verify_documents
from tests.conftest import Api, Factory
from tests.traceability.helpers import document_body, event_body, logical_events

ALLOW_ALL = [{"effect": "ALLOW", "actions": ["READ", "WRITE"]}]
DENY_WINS = [
    {"effect": "ALLOW", "actions": ["READ", "WRITE"]},
    {"effect": "DENY", "actions": ["WRITE", "READ"]},
]
CONDITIONAL = [
    {"effect": "ALLOW", "actions": ["READ"]},
    {"effect": "ALLOW", "actions": ["WRITE"], "condition": {"$in": {"eventNames": ["Weighing", "RELATED"]}}},
]
EVENT_NAMES = ["ACTOR", "CLOSE", "CANCEL", "RELATED", "LINK", "UPDATE", "SPLIT", "OUTPUT", "CUSTOM"]


def _actor(participant_id: str, permissions: Any, label: str = "Processor") -> dict[str, Any]:
    return event_body("ACTOR", label=label, participantId=participant_id, permissions=permissions)


def _status(response: Any) -> int:
    if response.status_code == 403:
        assert response.json()["errors"][0]["code"] == "restrictedResource"
    return int(response.status_code)


def test_permission_matrix_for_every_logical_event(app_client: TestClient, factory: Factory) -> None:
    creator = Api(app_client, factory.client(factory.organization("Creator")))
    callers = {
        name: Api(app_client, factory.client(factory.organization(name)))
        for name in ("granted", "revoked", "denied", "conditional", "unrelated")
    }
    setup = [
        _actor(callers["granted"].creds.participant_id, ALLOW_ALL),
        _actor(callers["revoked"].creds.participant_id, ALLOW_ALL),
        _actor(callers["revoked"].creds.participant_id, []),
        _actor(callers["denied"].creds.participant_id, DENY_WINS),
        _actor(callers["conditional"].creds.participant_id, CONDITIONAL),
    ]
    readable = {"creator": True, "granted": True, "conditional": True}
    writable = {
        "creator": set(EVENT_NAMES),
        "granted": set(EVENT_NAMES),
        "conditional": {"CUSTOM", "RELATED"},  # CUSTOM here is a "Weighing"
    }
    everyone = {"creator": creator, **callers}
    failures = []
    for caller_name, caller in everyone.items():
        own = str(caller.post("/documents", json=document_body()).json()["id"])  # relation targets
        for event_name in EVENT_NAMES:
            document_id = creator.post("/documents", json=document_body()).json()["id"]
            batch = {"documentId": document_id, "events": [event_body("Weighing", value=100), *setup]}
            assert creator.post("/documents/events", json=batch).status_code == 201
            body = logical_events(
                own,
                participant={
                    "countryCode": "BR",
                    "name": "X",
                    "taxId": f"{caller_name}-1",
                    "taxIdType": "CNPJ",
                },
            )[event_name]
            expected_write = 201 if event_name in writable.get(caller_name, set()) else 403
            got = _status(caller.post(f"/documents/{document_id}/events", json=body))
            if got != expected_write:
                failures.append(f"{caller_name} write {event_name}: expected {expected_write}, got {got}")
            expected_read = 200 if readable.get(caller_name) else 403
            got = _status(caller.get(f"/documents/{document_id}"))
            if got != expected_read:
                failures.append(f"{caller_name} read after {event_name}: expected {expected_read}, got {got}")
            listed = document_id in {
                d["id"] for d in caller.get("/documents", params={"limit": 500}).json()["documents"]
            }
            if listed != bool(readable.get(caller_name)):
                failures.append(f"{caller_name} listing after {event_name}: listed={listed}")
    assert not failures, "\n".join(failures)


def test_latest_actor_wins_and_only_the_creator_changes_permissions(
    app_client: TestClient, factory: Factory
) -> None:
    creator = Api(app_client, factory.client(factory.organization("Creator")))
    partner = Api(app_client, factory.client(factory.organization("Partner")))
    document_id = creator.post("/documents", json=document_body()).json()["id"]
    pid = partner.creds.participant_id
    path = f"/documents/{document_id}/events"

    assert partner.get(f"/documents/{document_id}").status_code == 403
    creator.post(path, json=_actor(pid, ALLOW_ALL))
    assert partner.get(f"/documents/{document_id}").status_code == 200
    # An ACTOR without permissions (a new role) changes no access.
    creator.post(path, json=event_body("ACTOR", label="Hauler", participantId=pid))
    assert partner.post(path, json=event_body("Note")).status_code == 201
    # A granted organization may add ACTOR events, but never ones that change permissions.
    assert (
        partner.post(path, json=event_body("ACTOR", label="Recycler", participantId=pid)).status_code == 201
    )
    refused = partner.post(path, json=_actor(pid, []))
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["message"].startswith("permissions: ")
    # WRITE without READ: appends, cannot read.
    creator.post(path, json=_actor(pid, [{"effect": "ALLOW", "actions": ["WRITE"]}]))
    assert partner.post(path, json=event_body("Note")).status_code == 201
    assert partner.get(f"/documents/{document_id}").status_code == 403
    # The keyed form, then an empty list removes access.
    creator.post(
        path,
        json=event_body(
            "ACTOR", label="Auditor", participantId=creator.creds.participant_id, permissions={pid: ALLOW_ALL}
        ),
    )
    assert partner.get(f"/documents/{document_id}").status_code == 200
    creator.post(path, json=_actor(pid, []))
    assert partner.get(f"/documents/{document_id}").status_code == 403
    assert partner.post(path, json=event_body("Note")).status_code == 403
    unknown = creator.post(
        path,
        json=event_body(
            "ACTOR", label="X", participantId=pid, permissions={"00000000-0000-4000-8000-000000000000": []}
        ),
    )
    assert unknown.status_code == 400
    assert "permissions.00000000-0000-4000-8000-000000000000" in unknown.json()["errors"][0]["message"]
    no_participant = creator.post(path, json=event_body("ACTOR", label="X", permissions=[]))
    assert no_participant.status_code == 400
    assert no_participant.json()["errors"][0]["message"].startswith("participant")
    # The creating organization's own access is not affected by statements about its participant.
    creator.post(path, json=_actor(creator.creds.participant_id, DENY_WINS))
    assert creator.get(f"/documents/{document_id}").status_code == 200
    _, problems = factory.database.run_read(verify_documents)
    assert problems == []


def test_verify_recomputes_the_permission_projection(
    api: Api, app_client: TestClient, factory: Factory
) -> None:
    partner = factory.client(factory.organization("Partner"))
    document_id = api.post("/documents", json=document_body()).json()["id"]
    api.post(
        f"/documents/{document_id}/events",
        json=_actor(partner.participant_id, [{"effect": "ALLOW", "actions": ["WRITE"]}]),
    )
    assert factory.database.run_read(verify_documents)[1] == []
    with factory.database.begin() as conn:
        conn.execute(text("UPDATE document_participants SET can_read = :yes"), {"yes": True})
    _, problems = factory.database.run_read(verify_documents)
    assert len(problems) == 1 and partner.participant_id in problems[0].message
    assert problems[0].subject == f"document {document_id}"


def test_system_principal_reads_and_writes_every_document_of_its_data_set(
    api: Api, factory: Factory, settings: Settings
) -> None:
    engine_org = factory.organization("Methodology Engine")
    document_id = api.post("/documents", json=document_body()).json()["id"]

    def as_system(conn: Connection) -> tuple[dict[str, Any], dict[str, Any]]:
        system = service.system_principal_for(conn, engine_org, "TEST")
        context = service.WriteContext(system, now_us(), 5_000_000, settings.max_events_per_document)
        events = EventBatch.model_validate(
            {"documentId": document_id, "events": [event_body("MassID Audit", label="Auditor")]}
        ).events
        append_events(conn, context, document_id, events, lambda index: f"events[{index}].")
        return service.get_document(conn, system, document_id), service.list_documents(
            conn, system, DocumentFilters()
        )

    view, page = factory.database.run_write(as_system)
    assert view["events"][-1]["name"] == "MassID Audit"
    assert view["events"][-1]["author"]["participantId"] != api.creds.participant_id
    assert document_id in {d["id"] for d in page["documents"]}
    # The system principal is never reachable over HTTP: an ordinary client of that organization is not it.
    engine_client = Api(api.http, factory.client(engine_org))
    assert engine_client.get(f"/documents/{document_id}").status_code == 403
