"""Export records and POST /admin/documents/restore: verbatim, verified, idempotent, refused when altered."""

from __future__ import annotations

import copy
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from massledger.canonical import canonical_json, chain_hash
from massledger.db.engine import Database
from massledger.traceability import export
from massledger.traceability.service import GENESIS
from massledger.verify import run_all
from tests.attachments.helpers import local
from tests.backends import truncate_all
from tests.conftest import Api, Factory, LiveServer
from tests.traceability.archive import MANIFEST, World, build_world, contained, snapshot
from tests.traceability.helpers import document_body, event_body

RESTORE = "/admin/documents/restore"
ADMIN = ["documents:admin"]


def _world(app_client: TestClient, factory: Factory) -> tuple[World, Api, Api]:
    owner_org = factory.organization("Owner")
    owner = Api(app_client, factory.client(owner_org))
    partner = Api(app_client, factory.client(factory.organization("Partner")))
    owner_prod = Api(app_client, factory.client(owner_org, "PROD"))
    return build_world(owner, partner, owner_prod), owner, owner_prod


def _records(db: Database, data_set: str | None = None) -> list[dict[str, Any]]:
    return db.run_read(lambda conn: list(export.export_documents(conn, data_set)))


def test_export_then_restore_into_an_emptied_database_reproduces_every_record(
    app_client: TestClient, factory: Factory, db: Database
) -> None:
    world, owner, owner_prod = _world(app_client, factory)
    views = {}
    for document_id in world.documents:
        found = [api.get(f"/documents/{document_id}") for api in (owner, owner_prod)]
        views[document_id] = next(r.json() for r in found if r.status_code == 200)
    public = app_client.get(f"/public/documents/{world.source}").json()
    records = _records(db)
    assert [r["document"]["id"] for r in records][:2] == [world.source, world.related]  # oldest first
    assert len(records) == len(world.documents)
    # An export record is plain JSON, and carries no secret.
    text = json.dumps(records)
    assert "secret" not in text.lower() and "upload_nonce" not in text
    before = snapshot(db)

    truncate_all(db)
    operator = factory.organization("Operator")
    admins = {
        data_set: Api(app_client, factory.client(operator, data_set, ADMIN)) for data_set in ("TEST", "PROD")
    }
    for record in records:
        response = admins[record["document"]["dataSetName"]].post(RESTORE, json=record)
        assert response.status_code == 201, response.text
        assert response.json() == {
            "documentId": record["document"]["id"],
            "headHash": record["headHash"],
            "events": len(record["events"]),
            "restored": True,
        }
    contained(before, snapshot(db))
    report = db.run_read(run_all)
    assert report.ok, report.problems
    # The same documents, read back as the API renders them, public view included.
    # (New clients of the restored organization: clients and their secrets never travel.)
    readers = {name: Api(app_client, factory.client(_org_of(records), name)) for name in ("TEST", "PROD")}
    for document_id, view in views.items():
        assert readers[view["dataSetName"]].get(f"/documents/{document_id}").json() == view
    reader = readers["TEST"]
    assert app_client.get(f"/public/documents/{world.source}").json() == public
    # Restored organizations hold registry accounts: friendbot credits arrive in their inventory.
    assert reader.get(f"/organizations/{_org_of(records)}/friendbot").status_code == 200
    [credit] = reader.get(f"/organizations/{_org_of(records)}/inventory").json()["credits"]
    assert credit["amount"] == 100
    # Attachment metadata travels; the bytes are in the (shared here) content-addressed file store.
    download = reader.get(f"/documents/{world.source}/attachments/manifest.pdf").json()
    assert app_client.get(local(download["downloadUrl"])).content == MANIFEST

    # Restoring again changes nothing (200, restored: false), whoever's records they are.
    after = snapshot(db)
    for record in records:
        again = admins[record["document"]["dataSetName"]].post(RESTORE, json=record)
        assert again.status_code == 200 and again.json()["restored"] is False
    assert snapshot(db) == after


def _org_of(records: list[dict[str, Any]]) -> str:
    return str(records[0]["document"]["author"]["organizationId"])


def _rehash(record: dict[str, Any]) -> dict[str, Any]:
    """Recompute every hash of a record, as a forger with the hash function could."""
    head = chain_hash(GENESIS, canonical_json(record["document"]))
    for event in record["events"]:
        head = event["hash"] = chain_hash(head, canonical_json(event["record"]))
    record["headHash"] = head
    return record


@pytest.mark.parametrize(
    ("alter", "field"),
    [
        (lambda r: r["events"][2]["record"].update(value="1000"), "events[2].hash"),
        (lambda r: r["events"][0]["record"].update(label="Hauler"), "events[0].hash"),
        (lambda r: r["document"].update(title="Edited"), "events[0].hash"),
        (lambda r: r.update(headHash="0" * 64), "headHash"),
        (lambda r: r["projection"].update(status="OPEN"), "projection.status"),
        (lambda r: r["projection"].update(currentValue="65.5"), "projection.currentValue"),
        (lambda r: r["events"].pop(3), "events[3].record.seq"),
        (lambda r: _rehash(r)["events"][1]["record"].update(seq=9), "events[1].record.seq"),
        (
            lambda r: _rehash(r["events"][4]["record"].update(externalCreatedAt="tomorrow") or r),
            "events[4].record.externalCreatedAt",
        ),
        (
            lambda r: _rehash(r["events"][0]["record"].update(documentId="x") or r),
            "events[0].record.documentId",
        ),
        (lambda r: r["events"][2]["record"]["attachments"][0].update(sha256="f" * 64), "events[2].hash"),
        (lambda r: r.update(attachments=[]), "events[2].record.attachments[0]"),
        (lambda r: r.update(participants=[]), "document.participantId"),
        (lambda r: r.update(organizations=[]), "organizations"),
        (lambda r: r["deduplications"][0].update(deduplicationId="other"), "deduplications[0]"),
    ],
)
def test_a_record_that_does_not_verify_is_refused_naming_it(
    app_client: TestClient, factory: Factory, db: Database, alter: Any, field: str
) -> None:
    world, _owner, _prod = _world(app_client, factory)
    record = next(r for r in _records(db, "TEST") if r["document"]["id"] == world.source)
    truncate_all(db)
    admin = Api(app_client, factory.client(factory.organization("Operator"), "TEST", ADMIN))
    before = snapshot(db)
    altered = copy.deepcopy(record)
    alter(altered)
    response = admin.post(RESTORE, json=altered)
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["message"].startswith(field), response.text
    assert snapshot(db) == before  # nothing stored
    assert admin.post(RESTORE, json=record).status_code == 201  # the genuine record restores


def test_conflicts_data_sets_and_scope(app_client: TestClient, factory: Factory, db: Database) -> None:
    world, owner, _prod = _world(app_client, factory)
    records = {r["document"]["id"]: r for r in _records(db)}
    record = records[world.related]
    admin = Api(app_client, factory.client(factory.organization("Operator"), "TEST", ADMIN))
    assert admin.post(RESTORE, json=record).status_code == 200
    # The stored document moves on: the (older) export is another history now.
    owner.post(f"/documents/{world.related}/events", json=event_body("Later", at="2025-03-11T08:00:00Z"))
    conflict = admin.post(RESTORE, json=record)
    assert conflict.status_code == 409 and "another history" in conflict.text
    # A PROD record through a TEST client; a client without the admin scope.
    prod = next(r for r in records.values() if r["document"]["dataSetName"] == "PROD")
    refused = admin.post(RESTORE, json=prod)
    assert refused.status_code == 403 and "PROD" in refused.text
    assert owner.post(RESTORE, json=record).status_code == 403
    # A forged record whose hashes are right still cannot reuse an event id of another document.
    forged = copy.deepcopy(records[world.source])
    forged["document"]["id"] = "00000000-0000-4000-8000-000000000001"
    for event in forged["events"]:
        event["record"]["documentId"] = forged["document"]["id"]
    forged["deduplications"] = []
    _rehash(forged)
    taken = admin.post(RESTORE, json=forged)
    assert taken.status_code == 409 and "already stored" in taken.text


def test_replayed_writes_say_so_in_a_header(api: Api) -> None:
    body = document_body(deduplicationId="replay-doc")
    first = api.post("/documents", json=body)
    again = api.post("/documents", json=body)
    assert "idempotent-replayed" not in first.headers and again.headers["idempotent-replayed"] == "true"
    document_id = first.json()["id"]
    event = event_body("Weighing", value=1, deduplicationId="replay-event")
    single = [api.post(f"/documents/{document_id}/events", json=event) for _ in range(2)]
    assert [r.headers.get("idempotent-replayed") for r in single] == [None, "true"]
    batch = {"documentId": document_id, "events": [event_body("A", deduplicationId="b-1")]}
    batches = [api.post("/documents/events", json=batch) for _ in range(2)]
    assert [r.headers.get("idempotent-replayed") for r in batches] == [None, "true"]
    # A batch only partly replayed stored something: no header.
    mixed = {"documentId": document_id, "events": [*batch["events"], event_body("B", deduplicationId="b-2")]}
    assert "idempotent-replayed" not in api.post("/documents/events", json=mixed).headers


def test_concurrent_restores_of_one_document_store_it_once(
    live_server: LiveServer, live: httpx.Client, factory: Factory, db: Database
) -> None:
    writer = Api(live, factory.client())
    document_id = writer.post("/documents", json=document_body()).json()["id"]
    writer.post(f"/documents/{document_id}/events", json=event_body("Weighing", value=2))
    record = _records(db)[0]
    truncate_all(db)
    admin = factory.client(factory.organization("Operator"), "TEST", ADMIN)

    def restore(_index: int) -> int:
        with httpx.Client(base_url=live_server.url, timeout=30) as http:
            return Api(http, admin).post(RESTORE, json=record).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(restore, range(8)))
    assert statuses == [200] * 7 + [201]
    after = snapshot(db)
    assert [row["id"] for row in after["documents"]] == [document_id] and len(after["events"]) == 1
    assert db.run_read(run_all).ok
