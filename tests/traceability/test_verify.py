"""`massledger verify` proves nothing was edited: a direct UPDATE of one event is found and named."""

from __future__ import annotations

import json

import httpx
from sqlalchemy import text

from tests.conftest import Api, Factory, LiveServer, cli
from tests.traceability.helpers import document_body, event_body


def test_editing_one_event_row_makes_verify_fail_naming_it(
    live_server: LiveServer, live: httpx.Client, factory: Factory
) -> None:
    api = Api(live, factory.client())
    document_id = api.post("/documents", json=document_body()).json()["id"]
    other_id = api.post("/documents", json=document_body()).json()["id"]
    ids = [
        api.post(f"/documents/{document_id}/events", json=event_body(f"E{i}", value=i)).json()["eventId"]
        for i in range(5)
    ]
    api.post(f"/documents/{other_id}/events", json=event_body("Untouched"))

    clean = cli(["verify", "--json"], live_server.env)
    assert clean.returncode == 0 and json.loads(clean.stdout)["ok"] is True

    with factory.database.begin() as conn:
        conn.execute(
            text('UPDATE events SET body = replace(body, \'"value":"3"\', \'"value":"300"\') WHERE id = :id'),
            {"id": ids[3]},
        )
    broken = cli(["verify", "--json"], live_server.env, check=False)
    assert broken.returncode == 1
    report = json.loads(broken.stdout)
    assert report["ok"] is False
    assert len(report["problems"]) == 1
    assert ids[3] in report["problems"][0]["subject"] and document_id in report["problems"][0]["subject"]
    human = cli(["verify"], live_server.env, check=False)
    assert human.returncode == 1 and ids[3] in human.stderr


def test_tampered_projection_is_found(live_server: LiveServer, live: httpx.Client, factory: Factory) -> None:
    api = Api(live, factory.client())
    document_id = api.post("/documents", json=document_body()).json()["id"]
    api.post(f"/documents/{document_id}/events", json=event_body("Weighing", value=10))
    with factory.database.begin() as conn:
        conn.execute(text("UPDATE documents SET current_value = '99' WHERE id = :id"), {"id": document_id})
    report = json.loads(cli(["verify", "--json"], live_server.env, check=False).stdout)
    assert report["ok"] is False
    assert "current_value" in report["problems"][0]["message"]
