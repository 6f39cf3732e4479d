"""Abuse (issue 8 item 4), over real HTTP against `massledger serve` where the transport matters: hostile
bodies, numbers, strings, file names and headers each get a clear 4xx, store nothing (every table is
counted before and after), and leave the server healthy. SQL and HTML in string fields are data: stored
and returned verbatim, never executed."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import orjson
import pytest
from sqlalchemy import func, select

from massledger.db.engine import Database
from massledger.db.tables import metadata
from tests.attachments.helpers import declare, upload
from tests.conftest import Api, Factory
from tests.traceability.helpers import ADDRESS, PARTICIPANT, document_body, event_body

JSON = {"Content-Type": "application/json"}


def _rows(db: Database) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {
            table.name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
            for table in metadata.sorted_tables
        }


def _healthy(http: httpx.Client) -> None:
    assert http.get("/health").json() == {"status": "ok"}
    assert http.get("/ready").status_code == 200


def _raw(base_url: str, request: bytes) -> tuple[int, bytes]:
    """Send bytes as they are (no client normalises or refuses them); the status and the whole answer."""
    parts = urlsplit(base_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return int(answer.split(b" ", 2)[1]), answer


@dataclass
class World:
    api: Api
    document_id: str
    db: Database
    before: dict[str, int]

    def nothing_stored(self) -> None:
        assert _rows(self.db) == self.before
        assert isinstance(self.api.http, httpx.Client)
        _healthy(self.api.http)


@pytest.fixture
def world(live: httpx.Client, factory: Factory, db: Database) -> World:
    """A client and one of its documents, and the row count of every table at that point."""
    api = Api(live, factory.client())
    document_id = str(api.post("/documents", json=document_body()).json()["id"])
    return World(api, document_id, db, _rows(db))


def _post_raw(api: Api, path: str, body: bytes) -> httpx.Response:
    return api.http.post(path, content=body, headers={**api.headers, **JSON})


def test_bodies_over_the_limit_are_413_before_they_are_read(world: World, live_server: Any) -> None:
    """A huge declared Content-Length is refused up front: the server never waits for the bytes.
    (tests/test_limits.py sends real 5 MB bodies, with Content-Length and chunked.)"""
    api, document_id = world.api, world.document_id
    token = api.headers["Authorization"].encode()
    for path in (b"/documents", f"/documents/{document_id}/events".encode(), b"/oauth2/token"):
        request = (
            b"POST "
            + path
            + b" HTTP/1.1\r\nHost: localhost\r\nAuthorization: "
            + token
            + b"\r\nContent-Type: application/json\r\nContent-Length: 999999999999\r\n"
            b"Connection: close\r\n\r\n{"
        )
        status, answer = _raw(live_server.url, request)
        assert status == 413, (path, answer)
        assert b'"statusCode":413' in answer
    world.nothing_stored()


def test_hostile_json_bodies_are_400(world: World) -> None:
    api, document_id = world.api, world.document_id
    event = f"/documents/{document_id}/events"
    cases: dict[str, tuple[str, bytes]] = {
        "arrays nested 10,000 deep": ("/documents", b'{"category":' + b"[" * 10_000 + b"]" * 10_000 + b"}"),
        "objects nested 10,000 deep": (event, b'{"a":' * 10_000 + b"1" + b"}" * 10_000),
        "invalid UTF-8": ("/documents", b'{"category": "\xff\xfe"}'),
        "overlong UTF-8": ("/documents", b'{"category": "\xc0\xaf"}'),
        "UTF-8 encoded surrogate": ("/documents", b'{"category": "\xed\xa0\x80"}'),
        "lone surrogate escape": ("/documents", b'{"category": "\\ud800"}'),
        "raw NUL byte": (event, b'{"name": "a\x00b"}'),
        "escaped NUL": (event, b'{"name": "a\\u0000b", "isPublic": true}'),
        "NUL after the JSON": ("/documents", b"{}\x00"),
        "truncated": ("/documents", b'{"category": "MassID"'),
        "not JSON": ("/documents", b"<xml/>"),
        "empty": ("/documents", b""),
    }
    for name, (path, body) in cases.items():
        response = _post_raw(api, path, body)
        assert response.status_code == 400, (name, response.text)
        assert response.json()["errors"][0]["code"] in ("invalidJson", "validationError"), name
    world.nothing_stored()


def test_10000_attributes_and_10000_fields_are_400(world: World) -> None:
    api, document_id = world.api, world.document_id
    attributes = [{"name": f"a{i}", "value": i} for i in range(10_000)]
    many = api.post(f"/documents/{document_id}/events", json=event_body(metadata={"attributes": attributes}))
    assert many.status_code == 400 and "attributes" in many.json()["errors"][0]["message"]
    fields = {f"field{i}": i for i in range(10_000)}
    unknown = api.post("/documents", json={**document_body(), **fields})
    assert unknown.status_code == 400
    tags = api.post("/documents", json=document_body(tags=[f"t{i}" for i in range(10_000)]))
    assert tags.status_code == 400 and "tags" in tags.json()["errors"][0]["message"]
    batch = api.post("/documents/events", json={"documentId": document_id, "events": [event_body()] * 10_000})
    assert batch.status_code == 400 and "events" in batch.json()["errors"][0]["message"]
    world.nothing_stored()


@pytest.mark.parametrize(
    "number", [b"1e309", b"-1e309", b"NaN", b"Infinity", b"-Infinity", b"1" + b"0" * 400, b'"12"', b"-1"]
)
def test_impossible_numbers_are_400(world: World, number: bytes) -> None:
    api, document_id = world.api, world.document_id
    value = b'{"name":"Weighing","isPublic":true,"externalCreatedAt":"2025-03-10T08:00:00Z","value":'
    response = _post_raw(api, f"/documents/{document_id}/events", value + number + b"}")
    assert response.status_code == 400, response.text
    latitude = b"-91" if number == b"-1" else number  # a negative latitude is fine; one below -90 is not
    address = orjson.dumps(document_body()).replace(b'"latitude":-23.5489', b'"latitude":' + latitude)
    assert _post_raw(api, "/documents", address).status_code == 400
    world.nothing_stored()


def test_very_long_strings_are_refused_not_truncated(world: World) -> None:
    api, document_id = world.api, world.document_id
    long = "x" * 1_000_000
    for field in ("category", "type", "subtype", "title", "shortTitle", "externalId", "deduplicationId"):
        response = api.post("/documents", json=document_body(**{field: long}))
        assert response.status_code == 400, field
        assert response.json()["errors"][0]["message"].startswith(field), field
    for field in ("name", "label", "externalId", "deduplicationId"):
        response = api.post(f"/documents/{document_id}/events", json=event_body(**{field: long}))
        assert response.status_code == 400, field
    participant = api.post("/documents", json=document_body(participant={**PARTICIPANT, "name": long}))
    assert participant.status_code == 400
    over_limit = api.post(f"/documents/{document_id}/events", json=event_body(label="x" * (6 * 1024 * 1024)))
    assert over_limit.status_code == 413
    world.nothing_stored()


SQL_AND_HTML = [
    "Robert'); DROP TABLE documents; --",
    '" OR "1"="1',
    "1; DELETE FROM events WHERE 1=1",
    "%s %(id)s :id ? $1",
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    "\\'; \\\" \\\\",
]


def test_sql_and_html_in_every_string_field_are_stored_and_returned_verbatim(
    live: httpx.Client, factory: Factory, db: Database
) -> None:
    api = Api(live, factory.client())
    for index, text in enumerate(SQL_AND_HTML):
        participant = {
            **PARTICIPANT,
            "name": text,
            "taxId": f"{text}{index}",
            "taxIdType": text[:20],
            "type": text[:40],
            "businessName": text,
            "email": text,
            "mobileNumber": text[:40],
            "telephoneNumber": text[:40],
        }
        address = {
            **ADDRESS,
            "street": text,
            "number": text[:40],
            "city": text,
            "countryState": text,
            "complement": text,
            "name": text,
            "neighborhood": text,
            "zipCode": text[:20],
        }
        document = document_body(
            category=text,
            type=text,
            subtype=text,
            title=text,
            shortTitle=text,
            externalId=text,
            deduplicationId=f"{text}{index}",
            tags=[text],
            measurementUnit=text[:20],
            participant=participant,
            address=address,
        )
        created = api.post("/documents", json=document)
        assert created.status_code == 201, created.text
        document_id = created.json()["id"]
        event = event_body(
            text,
            label=text,
            externalId=text,
            deduplicationId=f"{text}-event{index}",
            tags=[text],
            metadata={"attributes": [{"name": text, "value": text}, {"name": "n", "value": {text: [text]}}]},
        )
        assert api.post(f"/documents/{document_id}/events", json=event).status_code == 201
        response = api.get(f"/documents/{document_id}")
        assert response.headers["content-type"] == "application/json"
        stored = response.json()
        for key in ("category", "type", "subtype", "title", "shortTitle", "externalId"):
            assert stored[key] == text, key
        assert stored["tags"] == [text] and stored["measurementUnit"] == text[:20]
        for key in ("name", "businessName", "email", "taxIdType", "mobileNumber"):
            assert stored["participant"][key] == participant[key], key
        for key in ("street", "city", "countryState", "complement", "name", "neighborhood", "zipCode"):
            assert stored["address"][key] == address[key], key
        (stored_event,) = stored["events"]
        assert stored_event["name"] == text and stored_event["label"] == text
        assert stored_event["externalId"] == text and stored_event["tags"] == [text]
        assert stored_event["metadata"]["attributes"][0]["name"] == text
        assert stored_event["metadata"]["attributes"][0]["value"] == text
        assert stored_event["metadata"]["attributes"][1]["value"] == {text: [text]}
        # The response body is JSON with the quotes escaped: it can only be read as data.
        assert orjson.dumps(text) in response.content
    rows = _rows(db)
    assert rows["documents"] == len(SQL_AND_HTML) and rows["events"] == len(SQL_AND_HTML)
    for text in SQL_AND_HTML:
        assert api.get(f"/documents/{text}").status_code in (400, 404)
    _healthy(live)


def test_path_traversal_in_attachment_names_over_the_wire(world: World, live_server: Any) -> None:
    api, document_id = world.api, world.document_id
    token = api.headers["Authorization"]
    body = b'{"contentLength": 3, "contentType": "text/plain"}'
    for name in (
        b"../x",
        b"..%2Fx",
        b"../../../../etc/passwd",
        b"%2E%2E%2F%2E%2E%2Fjwt-signing-key.pem",
        b"..\\..\\x",
        b"/etc/passwd",
        b"a%00.pdf",
        b"a%0D%0ASet-Cookie:%20x=1",
    ):
        request = (
            b"PUT /documents/" + document_id.encode() + b"/attachments/" + name + b" HTTP/1.1\r\n"
            b"Host: localhost\r\nAuthorization: " + token.encode() + b"\r\nContent-Type: application/json\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body
        )
        status, answer = _raw(live_server.url, request)
        assert status == 400, (name, answer)
        assert b'"fileName: ' in answer, (name, answer)
        assert b"Set-Cookie" not in answer.split(b"\r\n\r\n")[0]
    # The signed routes take ids, never paths: a traversal there is just an unsigned URL.
    for path in (
        b"/attachments/downloads/..%2F..%2Fjwt-signing-key.pem?expires=1&signature=x",
        b"/attachments/downloads/../../jwt-signing-key.pem?expires=1&signature=x",
    ):
        status, answer = _raw(
            live_server.url, b"GET " + path + b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        )
        assert status in (403, 404), (path, answer)
        assert b"PRIVATE KEY" not in answer
    world.nothing_stored()


def test_header_injection_is_refused(world: World, live_server: Any) -> None:
    api, document_id = world.api, world.document_id
    path = f"/documents/{document_id}".encode()
    token = api.headers["Authorization"].encode()
    broken_headers = [
        b"X-Test: a\rInjected: b\r\n",  # bare CR inside a value
        b"X-Test: a\x00b\r\n",  # NUL inside a value
        b"X-Test:\r\n folded\r\n",  # obsolete line folding
        b"Bad Header Name: x\r\n",
    ]
    for header in broken_headers:
        request = b"GET " + path + b" HTTP/1.1\r\nHost: localhost\r\n" + header + b"Connection: close\r\n\r\n"
        status, _answer = _raw(live_server.url, request)
        assert 400 <= status < 500, header
    # Tokens with bytes no token has: 401, never a 500.
    for authorization in (token + b"\xff\xfe", b"Bearer \xc3\x28", b"Basic \xff", token[:-5] + b"%0d%0a"):
        request = (
            b"GET "
            + path
            + b" HTTP/1.1\r\nHost: localhost\r\nAuthorization: "
            + authorization
            + b"\r\nConnection: close\r\n\r\n"
        )
        status, _answer = _raw(live_server.url, request)
        assert status == 401, authorization
    for credentials in (b"\xff\xfe", b"bm90IGJhc2U2NA", b"YTpi\r\nX: y"):
        request = (
            b"POST /oauth2/token HTTP/1.1\r\nHost: localhost\r\nAuthorization: Basic "
            + credentials
            + b"\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 29\r\n"
            b"Connection: close\r\n\r\ngrant_type=client_credentials"
        )
        status, _answer = _raw(live_server.url, request)
        assert 400 <= status < 500, credentials
    world.nothing_stored()


def test_file_names_reach_content_disposition_only_encoded(world: World) -> None:
    api, document_id = world.api, world.document_id
    name = 'evil"; filename="x.html'
    upload(api, document_id, name, b"hello", "text/plain")
    link = api.get(f"/documents/{document_id}/attachments/{quote(name, safe='')}")
    response = api.http.get(link.json()["downloadUrl"])
    assert response.content == b"hello"
    disposition = response.headers["content-disposition"]
    assert disposition.count('filename="') == 1 and 'filename="x.html' not in disposition
    assert disposition.startswith('attachment; filename="evil__ filename=_x.html"; filename*=UTF-8')
    assert response.headers["content-type"].startswith("text/plain")
    assert declare(api, document_id, "x" * 300, 3, "text/plain").status_code == 400
    # The one upload above is the only thing stored.
    world.before["attachments"] += 1
    world.nothing_stored()
