"""GET /documents: the caller's readable documents, filters, cursor pagination, invalid parameters, and
query plans that use indexes instead of scanning."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

from massledger.traceability import service
from massledger.traceability.schemas import DocumentFilters, PublicDocumentFilters
from tests.conftest import Api, Factory
from tests.traceability.helpers import document_body, event_body


def _ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["documents"]]


def _all_pages(api: Api, **params: Any) -> list[str]:
    found: list[str] = []
    cursor = None
    while True:
        page = api.get("/documents", params={**params, **({"cursor": cursor} if cursor else {})})
        found += _ids(page)
        cursor = page.json()["nextCursor"]
        if cursor is None:
            return found


def test_pages_cover_every_readable_document_once_in_creation_order(
    app_client: TestClient, factory: Factory
) -> None:
    mine = Api(app_client, factory.client(factory.organization("Mine")))
    other = Api(app_client, factory.client(factory.organization("Other")))
    created: list[str] = []
    for index in range(9):
        if index % 3 == 2:  # other organization's documents, every third one granted to me
            document_id = other.post("/documents", json=document_body()).json()["id"]
            grant = [{"effect": "ALLOW", "actions": ["READ"]}]
            actor = event_body(
                "ACTOR", label="Recycler", participantId=mine.creds.participant_id, permissions=grant
            )
            assert other.post(f"/documents/{document_id}/events", json=actor).status_code == 201
        else:
            document_id = mine.post("/documents", json=document_body()).json()["id"]
        created.append(document_id)
    other.post("/documents", json=document_body())  # not granted: never listed
    Api(app_client, factory.client(mine.creds.organization_id, "PROD")).post(
        "/documents", json=document_body()
    )

    assert _all_pages(mine, limit=2) == created
    assert _all_pages(mine, limit=500) == created
    first = mine.get("/documents", params={"limit": 4}).json()
    assert [d["id"] for d in first["documents"]] == created[:4] and first["nextCursor"]
    summary = first["documents"][0]
    assert "events" not in summary and summary["eventCount"] == 0 and summary["dataSetName"] == "TEST"
    assert summary["participantId"] and summary["status"] == "OPEN"
    last = mine.get("/documents", params={"limit": 9}).json()
    assert len(last["documents"]) == 9 and last["nextCursor"] is None


def test_filters(operator: Api) -> None:
    api = operator  # writes Methodology documents, which need methodology:run

    def create(**overrides: Any) -> str:
        return str(api.post("/documents", json=document_body(**overrides)).json()["id"])

    wood = create(
        subtype="Wood", tags=["pilot", "2025"], externalId="WG-1", externalCreatedAt="2025-01-01T00:00:00Z"
    )
    audit = create(category="Methodology", type="MassID Audit", externalCreatedAt="2025-02-01T00:00:00Z")
    food = create(tags=["2025"], externalCreatedAt="2025-03-01T00:00:00Z")
    api.post(f"/documents/{food}/events", json=event_body("CLOSE"))
    hauler = {"countryCode": "BR", "name": "Transportes", "taxId": "55555555000155", "taxIdType": "CNPJ"}
    api.post(f"/documents/{audit}/events", json=event_body("ACTOR", label="Hauler", participant=hauler))
    hauler_id = api.get(f"/documents/{audit}").json()["events"][0]["participant"]["id"]
    primary_id = api.get(f"/documents/{wood}").json()["participant"]["id"]
    created_food = api.get(f"/documents/{food}").json()["createdAt"]

    cases: list[tuple[dict[str, Any], list[str]]] = [
        ({"category": "Methodology"}, [audit]),
        ({"type": "Organic"}, [wood, food]),
        ({"subtype": "Wood"}, [wood]),
        ({"status": "CLOSED"}, [food]),
        ({"status": "OPEN"}, [wood, audit]),
        ({"tag": "2025"}, [wood, food]),
        ({"tag": "pilot"}, [wood]),
        ({"externalId": "WG-1"}, [wood]),
        ({"participantId": hauler_id}, [audit]),
        ({"participantId": primary_id}, [wood, audit, food]),
        ({"createdAfter": created_food}, [food]),
        ({"createdBefore": created_food}, [wood, audit]),
        ({"externalCreatedAfter": "2025-02-01T00:00:00Z"}, [audit, food]),
        ({"externalCreatedBefore": "2025-02-01T00:00:00Z"}, [wood]),
        (
            {
                "externalCreatedAfter": "2025-01-15T00:00:00-03:00",
                "externalCreatedBefore": "2025-03-01T00:00:00Z",
            },
            [audit],
        ),
        ({"type": "Organic", "tag": "2025", "status": "OPEN"}, [wood]),
        ({"category": "Nothing"}, []),
    ]
    for params, expected in cases:
        assert _ids(api.get("/documents", params=params)) == expected, params


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"status": "DONE"}, "status"),
        ({"createdAfter": "yesterday"}, "createdAfter"),
        ({"externalCreatedBefore": "2025-01-01T00:00:00"}, "externalCreatedBefore"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "WzEsMl0"}, "cursor"),  # base64 of [1,2]: well-formed, not ours
        ({"category": ""}, "category"),
        ({"colour": "green"}, "colour"),
    ],
)
def test_invalid_parameters_are_400_naming_them(api: Api, params: dict[str, Any], field: str) -> None:
    response = api.get("/documents", params=params)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["code"] == "validationError" and error["message"].startswith(field), error


def _plan(conn: Connection, query: Any) -> str:
    sql = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        return "\n".join(row[0] for row in conn.execute(text(f"EXPLAIN {sql}")))
    return "\n".join(row[-1] for row in conn.execute(text(f"EXPLAIN QUERY PLAN {sql}")))


def test_listing_queries_use_indexes(api: Api, factory: Factory) -> None:
    api.post("/documents", json=document_body(tags=["a"]))
    readers = ("TEST", api.creds.organization_id, api.creds.participant_id)
    variants = [
        (DocumentFilters(), readers, None, False),
        (DocumentFilters(status="OPEN", limit=10), readers, None, False),
        (DocumentFilters(tag="a"), readers, None, False),
        (DocumentFilters(participantId=api.creds.participant_id), readers, None, False),
        (DocumentFilters(externalId="WG-1"), readers, None, False),
        (PublicDocumentFilters(), None, None, True),
        (PublicDocumentFilters(category="MassID"), None, "PROD", True),
    ]

    def plans(conn: Connection) -> list[str]:
        found = []
        for filters, who, data_set, public in variants:
            for query in service.listing_queries(filters, readers=who, data_set=data_set, public=public):
                found.append(_plan(conn, query))
        return found

    with factory.database.begin() as conn:
        for plan in plans(conn):
            lines = plan.splitlines()
            assert not any(
                line.strip().startswith("SCAN documents") and "INDEX" not in line for line in lines
            ), plan
            assert "Seq Scan" not in plan, plan
            assert not any(
                line.strip() in ("SCAN document_tags", "SCAN document_participants") for line in lines
            ), plan
