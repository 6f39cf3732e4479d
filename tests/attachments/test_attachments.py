"""Attachments (issue 3 item 8): signed upload URLs used once, size and type checks, content-addressed
storage, signed downloads, and events that reference uploaded files."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, unquote

import httpx
import pytest
from fastapi.testclient import TestClient

from massledger.db.engine import Database
from massledger.settings import Settings
from tests.attachments.helpers import (
    count_attachments,
    declare,
    local,
    put_bytes,
    stored_files,
    upload,
)
from tests.conftest import Api, Factory
from tests.traceability.helpers import document_body, event_body

TEN_MB = 10 * 1024 * 1024
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


def _document(api: Api) -> str:
    return str(api.post("/documents", json=document_body()).json()["id"])


def _message(response: httpx.Response) -> str:
    return str(response.json()["errors"][0]["message"])


def test_good_upload_round_trips_byte_for_byte_over_http(live: httpx.Client, factory: Factory) -> None:
    """Real HTTP against `massledger serve`: declare, PUT the bytes to the signed URL without a token,
    get a signed download URL, download the same bytes with the declared type and a safe disposition."""
    api = Api(live, factory.client())
    document_id = _document(api)
    content = os.urandom(3 * 1024 * 1024 + 17)
    grant = declare(api, document_id, "Transport Manifest #1 (MTR).pdf", len(content), "application/pdf")
    assert grant.status_code == 200, grant.text
    upload_url = grant.json()["uploadUrl"]
    assert upload_url.startswith(str(live.base_url).rstrip("/") + "/attachments/uploads/")
    assert grant.json()["expiresAt"].endswith("Z")

    done = httpx.put(upload_url, content=content, headers={"Content-Type": "application/pdf"})
    assert done.status_code == 200, done.text
    receipt = done.json()
    assert receipt["sha256"] == hashlib.sha256(content).hexdigest()
    assert receipt["contentLength"] == len(content)

    link = api.get(
        f"/documents/{document_id}/attachments/{quote('Transport Manifest #1 (MTR).pdf', safe='')}"
    )
    assert link.status_code == 200, link.text
    assert link.json()["sha256"] == receipt["sha256"]
    downloaded = httpx.get(link.json()["downloadUrl"])
    assert downloaded.status_code == 200
    assert downloaded.content == content
    assert downloaded.headers["content-type"] == "application/pdf"
    assert downloaded.headers["x-content-type-options"] == "nosniff"
    disposition = downloaded.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Transport%20Manifest%20%231%20%28MTR%29.pdf" in disposition

    # The URL accepts the bytes once, also over the wire.
    again = httpx.put(upload_url, content=content, headers={"Content-Type": "application/pdf"})
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == "conflictError"


def test_exactly_the_limit_is_accepted_and_one_byte_more_is_refused(
    api: Api, db: Database, data_dir: Path
) -> None:
    document_id = _document(api)
    too_big = declare(api, document_id, "big.csv", TEN_MB + 1, "text/csv")
    assert too_big.status_code == 400 and _message(too_big).startswith("contentLength:")

    grant = declare(api, document_id, "big.csv", TEN_MB, "text/csv")
    assert grant.status_code == 200
    files = stored_files(data_dir)
    over = put_bytes(api.http, grant.json()["uploadUrl"], b"a" * (TEN_MB + 1), "text/csv")
    assert over.status_code == 413
    assert count_attachments(db, uploaded_only=True) == 0
    assert stored_files(data_dir) == files

    exact = put_bytes(api.http, grant.json()["uploadUrl"], b"a" * TEN_MB, "text/csv")
    assert exact.status_code == 200, exact.text
    assert exact.json()["contentLength"] == TEN_MB


def test_streamed_bodies_are_counted_as_they_arrive(
    live: httpx.Client, factory: Factory, db: Database
) -> None:
    """Without a Content-Length (chunked transfer): past the declared length → 400, past the limit → 413."""
    api = Api(live, factory.client())
    document_id = _document(api)

    def chunks(megabytes: int) -> Iterator[bytes]:
        for _ in range(megabytes):
            yield b"b" * (1024 * 1024)

    small = declare(api, document_id, "small.csv", 1024 * 1024, "text/csv").json()["uploadUrl"]
    longer = httpx.put(small, content=chunks(2), headers={"Content-Type": "text/csv"})
    assert longer.status_code == 400 and _message(longer).startswith("body: is longer than")
    big = declare(api, document_id, "big.csv", TEN_MB, "text/csv").json()["uploadUrl"]
    over = httpx.put(big, content=chunks(11), headers={"Content-Type": "text/csv"})
    assert over.status_code == 413
    assert count_attachments(db, uploaded_only=True) == 0
    # Chunked uploads of the right length are fine.
    assert httpx.put(small, content=chunks(1), headers={"Content-Type": "text/csv"}).status_code == 200


def test_wrong_content_types_are_refused(api: Api, db: Database, data_dir: Path) -> None:
    document_id = _document(api)
    for content_type in ("text/html", "image/svg+xml", "application/octet-stream", "application/PDF "):
        response = declare(api, document_id, "page.html", 10, content_type)
        assert response.status_code == 400, content_type
        assert _message(response).startswith("contentType"), content_type
    assert count_attachments(db) == 0

    grant = declare(api, document_id, "scan.png", len(PDF), "image/png")
    files = stored_files(data_dir)
    mismatch = put_bytes(api.http, grant.json()["uploadUrl"], PDF, "application/pdf")
    assert mismatch.status_code == 400 and _message(mismatch).startswith("Content-Type:")
    missing = api.http.put(local(grant.json()["uploadUrl"]), content=PDF)
    assert missing.status_code == 400
    assert count_attachments(db, uploaded_only=True) == 0 and stored_files(data_dir) == files
    # Parameters of the media type (charset) do not matter; the declared type is what is served.
    fine = put_bytes(api.http, grant.json()["uploadUrl"], PDF, "image/png; charset=binary")
    assert fine.status_code == 200


def test_an_upload_url_works_once_and_only_as_signed(api: Api, db: Database) -> None:
    document_id = _document(api)
    grant = declare(api, document_id, "a.pdf", len(PDF), "application/pdf").json()
    url = local(grant["uploadUrl"])
    for tampered in (
        url.replace("signature=", "signature=0"),
        url.replace("expires=", "expires=9"),
        url.replace(grant["attachmentId"], "x" * 21),
        url.split("?")[0],
    ):
        response = api.http.put(tampered, content=PDF, headers={"Content-Type": "application/pdf"})
        assert response.status_code in (400, 403), tampered
    assert put_bytes(api.http, grant["uploadUrl"], PDF, "application/pdf").status_code == 200
    reused = put_bytes(api.http, grant["uploadUrl"], b"%PDF other bytes", "application/pdf")
    assert reused.status_code == 409 and "already used" in _message(reused)
    # The name is taken for good: attachments never change.
    again = declare(api, document_id, "a.pdf", 5, "application/pdf")
    assert again.status_code == 409 and _message(again).startswith("fileName:")


def test_a_newer_url_supersedes_a_pending_one_and_urls_expire(api: Api, settings: Settings) -> None:
    document_id = _document(api)
    first = declare(api, document_id, "a.txt", 5, "text/plain").json()
    second = declare(api, document_id, "a.txt", 6, "text/plain").json()
    assert first["attachmentId"] == second["attachmentId"]
    stale = put_bytes(api.http, first["uploadUrl"], b"12345", "text/plain")
    assert stale.status_code == 409 and "superseded" in _message(stale)

    api.http.app.state.url_signer.ttl_seconds = -1  # type: ignore[attr-defined]
    expired = declare(api, document_id, "a.txt", 6, "text/plain").json()
    response = put_bytes(api.http, expired["uploadUrl"], b"123456", "text/plain")
    assert response.status_code == 403 and "expired" in _message(response)


def test_body_must_have_exactly_the_declared_length(api: Api, db: Database) -> None:
    document_id = _document(api)
    grant = declare(api, document_id, "a.txt", 10, "text/plain").json()
    for body in (b"123456789", b"12345678901"):
        response = put_bytes(api.http, grant["uploadUrl"], body, "text/plain")
        assert response.status_code == 400 and "Content-Length" in _message(response)
    assert count_attachments(db, uploaded_only=True) == 0
    assert put_bytes(api.http, grant["uploadUrl"], b"1234567890", "text/plain").status_code == 200


@pytest.mark.parametrize(
    "raw_name",
    [
        "..%2Fx",
        "%2E%2E",
        "%2E",
        "%2Fetc%2Fpasswd",
        "a%2F..%2F..%2Fb",
        "..%5C..%5Cwindows",
        "C:%5Cboot.ini",
        "a%00b.pdf",
        "a%0D%0AX-Injected:%201.pdf",
        "tab%09name.pdf",
        "%E2%80%AEfdp.exe",
        "%20leading.pdf",
        "x" * 256,
    ],
)
def test_file_names_cannot_escape_or_inject(api: Api, db: Database, data_dir: Path, raw_name: str) -> None:
    document_id = _document(api)
    files = stored_files(data_dir)
    response = api.http.put(
        f"/documents/{document_id}/attachments/{raw_name}",
        json={"contentLength": 3, "contentType": "text/plain"},
        headers=api.headers,
    )
    assert response.status_code == 400, unquote(raw_name)
    assert _message(response).startswith("fileName:"), _message(response)
    read = api.get(f"/documents/{document_id}/attachments/{raw_name}")
    assert read.status_code == 400 and _message(read).startswith("fileName:")
    assert count_attachments(db) == 0 and stored_files(data_dir) == files


def test_unicode_and_punctuation_names_are_kept_exactly_and_served_safely(api: Api) -> None:
    document_id = _document(api)
    name = 'Relatório "final"; tipo=MTR, nº 7 ✓.txt'
    upload(api, document_id, name, b"ok", "text/plain")
    link = api.get(f"/documents/{document_id}/attachments/{quote(name, safe='')}").json()
    assert link["fileName"] == name
    downloaded = api.http.get(local(link["downloadUrl"]))
    assert downloaded.content == b"ok"
    disposition = downloaded.headers["content-disposition"]
    assert disposition == (
        'attachment; filename="Relat_rio _final__ tipo=MTR, n_ 7 _.txt"; '
        f"filename*=UTF-8''{quote(name, safe='')}"
    )


def test_download_needs_a_valid_signature_and_an_upload(api: Api) -> None:
    document_id = _document(api)
    pending = declare(api, document_id, "later.pdf", 4, "application/pdf")
    assert pending.status_code == 200
    not_yet = api.get(f"/documents/{document_id}/attachments/later.pdf")
    assert not_yet.status_code == 404
    assert api.get(f"/documents/{document_id}/attachments/never.pdf").status_code == 404
    upload(api, document_id, "now.pdf", PDF, "application/pdf")
    link = api.get(f"/documents/{document_id}/attachments/now.pdf").json()
    url = local(link["downloadUrl"])
    assert api.http.get(url.replace("signature=", "signature=f")).status_code == 403
    assert api.http.get(url.split("&signature")[0]).status_code == 400
    assert api.http.get(url).content == PDF


def test_same_bytes_are_stored_once(api: Api, data_dir: Path) -> None:
    document_id = _document(api)
    content = os.urandom(1000)
    first = upload(api, document_id, "one.png", content, "image/png")
    second = upload(api, document_id, "two.png", content, "image/png")
    assert first["sha256"] == second["sha256"] and first["attachmentId"] != second["attachmentId"]
    digest = first["sha256"]
    path = data_dir / "attachments" / "sha256" / digest[:2] / digest
    assert path.read_bytes() == content
    assert not list((data_dir / "attachments" / "incoming").iterdir())


def test_other_organizations_and_data_sets_cannot_use_a_documents_attachments(
    api: Api, app_client: TestClient, factory: Factory
) -> None:
    document_id = _document(api)
    upload(api, document_id, "a.pdf", PDF, "application/pdf")
    stranger = Api(app_client, factory.client())
    other_set = Api(app_client, factory.client(api.creds.organization_id, "PROD"))
    assert declare(stranger, document_id, "b.pdf", 4, "application/pdf").status_code == 403
    assert stranger.get(f"/documents/{document_id}/attachments/a.pdf").status_code == 403
    assert declare(other_set, document_id, "b.pdf", 4, "application/pdf").status_code == 404
    assert other_set.get(f"/documents/{document_id}/attachments/a.pdf").status_code == 404
    reader = Api(app_client, factory.client(api.creds.organization_id, "TEST", ["documents:read"]))
    assert declare(reader, document_id, "b.pdf", 4, "application/pdf").status_code == 403
    assert reader.get(f"/documents/{document_id}/attachments/a.pdf").status_code == 200


def test_events_reference_uploaded_files_by_name(api: Api) -> None:
    document_id = _document(api)
    manifest = upload(api, document_id, "mtr.pdf", PDF, "application/pdf")
    declare(api, document_id, "pending.pdf", 10, "application/pdf")

    unknown = api.post(
        f"/documents/{document_id}/events",
        json=event_body(
            "Transport Manifest", attachments=[{"fileName": "mtr.pdf"}, {"fileName": "nope.pdf"}]
        ),
    )
    assert unknown.status_code == 400 and _message(unknown).startswith("attachments[1].fileName:")
    unfinished = api.post(
        "/documents/events",
        json={
            "documentId": document_id,
            "events": [
                event_body("Pick-up"),
                event_body("Transport Manifest", attachments=[{"fileName": "pending.pdf"}]),
            ],
        },
    )
    assert unfinished.status_code == 400
    assert _message(unfinished).startswith("events[1].attachments[0].fileName:")
    twice = api.post(
        f"/documents/{document_id}/events",
        json=event_body("X", attachments=[{"fileName": "mtr.pdf"}, {"fileName": "mtr.pdf"}]),
    )
    assert twice.status_code == 400 and _message(twice).startswith("attachments[1].fileName:")
    assert api.get(f"/documents/{document_id}").json()["events"] == []

    good = api.post(
        f"/documents/{document_id}/events",
        json=event_body(
            "Transport Manifest",
            isPublic=True,
            attachments=[{"fileName": "mtr.pdf", "label": "Transport Manifest", "isPublic": False}],
        ),
    )
    assert good.status_code == 201, good.text
    inherited = api.post(
        f"/documents/{document_id}/events",
        json=event_body("Weighing", isPublic=False, attachments=[{"fileName": "mtr.pdf"}]),
    )
    assert inherited.status_code == 201
    events = api.get(f"/documents/{document_id}").json()["events"]
    assert events[0]["attachments"] == [
        {
            "attachmentId": manifest["attachmentId"],
            "fileName": "mtr.pdf",
            "contentType": "application/pdf",
            "contentLength": len(PDF),
            "sha256": hashlib.sha256(PDF).hexdigest(),
            "label": "Transport Manifest",
            "isPublic": False,
        }
    ]
    assert events[1]["attachments"][0]["isPublic"] is False and events[1]["attachments"][0]["label"] is None


def test_a_file_of_another_document_cannot_be_referenced(api: Api) -> None:
    first, second = _document(api), _document(api)
    upload(api, first, "mtr.pdf", PDF, "application/pdf")
    response = api.post(
        f"/documents/{second}/events",
        json=event_body("Transport Manifest", attachments=[{"fileName": "mtr.pdf"}]),
    )
    assert response.status_code == 400 and _message(response).startswith("attachments[0].fileName:")


def test_cancelled_documents_take_no_attachments(api: Api) -> None:
    document_id = _document(api)
    assert api.post(f"/documents/{document_id}/events", json=event_body("CANCEL")).status_code == 201
    response = declare(api, document_id, "late.pdf", 4, "application/pdf")
    assert response.status_code == 409


def test_routes_under_v1_and_urls_on_the_public_url(settings: Settings, factory: Factory) -> None:
    from massledger.app import create_app

    configured = settings.model_copy(update={"public_url": "https://ledger.example.org/"})
    configured.model_fields_set.add("public_url")
    with TestClient(create_app(configured)) as client:
        api = Api(client, factory.client())
        document_id = _document(api)
        grant = api.http.put(
            f"/v1/documents/{document_id}/attachments/a.txt",
            json={"contentLength": 2, "contentType": "text/plain"},
            headers=api.headers,
        )
        assert grant.status_code == 200
        assert grant.json()["uploadUrl"].startswith("https://ledger.example.org/attachments/uploads/")
        assert put_bytes(client, grant.json()["uploadUrl"], b"hi", "text/plain").status_code == 200
        link = api.get(f"/v1/documents/{document_id}/attachments/a.txt").json()
        assert link["downloadUrl"].startswith("https://ledger.example.org/attachments/downloads/")


def test_attachments_follow_actor_grants(api: Api, app_client: TestClient, factory: Factory) -> None:
    """A participant granted WRITE (even for some event names only) may attach files; READ may download."""
    document_id = _document(api)
    upload(api, document_id, "a.pdf", PDF, "application/pdf")
    hauler = Api(app_client, factory.client())
    reader = Api(app_client, factory.client())

    def grant(creds_participant: str, statements: list[dict[str, object]]) -> None:
        actor = event_body("ACTOR", label="Hauler", participantId=creds_participant, permissions=statements)
        assert api.post(f"/documents/{document_id}/events", json=actor).status_code == 201

    only_weighing = {"$in": {"eventNames": ["Weighing"]}}
    grant(
        hauler.creds.participant_id, [{"effect": "ALLOW", "actions": ["WRITE"], "condition": only_weighing}]
    )
    grant(reader.creds.participant_id, [{"effect": "ALLOW", "actions": ["READ"]}])
    assert declare(hauler, document_id, "ticket.pdf", len(PDF), "application/pdf").status_code == 200
    assert hauler.get(f"/documents/{document_id}/attachments/a.pdf").status_code == 403  # WRITE is not READ
    assert declare(reader, document_id, "r.pdf", len(PDF), "application/pdf").status_code == 403
    assert reader.get(f"/documents/{document_id}/attachments/a.pdf").status_code == 200

    grant(hauler.creds.participant_id, [])  # revoked
    assert declare(hauler, document_id, "again.pdf", len(PDF), "application/pdf").status_code == 403
