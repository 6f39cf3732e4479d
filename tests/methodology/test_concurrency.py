"""Concurrent audits over real HTTP against `massledger serve` (PostgreSQL row locks; SQLite's single
writer): audits of one MassID run one after the other, so it is certified and minted once per
methodology; audits of two MassIDs of one recycler share one project per methodology."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from sqlalchemy import func, select

from massledger.registry.tables import registry_batches, registry_projects
from massledger.registry.verify import verify_registry
from massledger.traceability.verify import verify_documents
from tests.conftest import Factory
from tests.methodology import builders as b
from tests.methodology.world import make_world, reference_mass_id

SLUGS = ("bold-recycling", "bold-carbon")


def _concurrently(live: httpx.Client, headers: dict[str, str], requests: list[tuple[str, str]]) -> list[Any]:
    start = threading.Barrier(len(requests))

    def run(request: tuple[str, str]) -> Any:
        slug, document_id = request
        start.wait()
        response = live.post(
            f"/methodologies/{slug}/audits", json={"documentId": document_id}, headers=headers
        )
        assert response.status_code == 201, response.text
        return response.json()

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(run, requests))


def _count(factory: Factory, table: Any) -> int:
    with factory.database.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_concurrent_audits_of_one_mass_id_mint_once(live: httpx.Client, factory: Factory) -> None:
    world = make_world(live, factory)
    audits = _concurrently(live, world.operator.headers, [(slug, world.mass_id) for slug in SLUGS * 3])
    for slug in SLUGS:
        mine = [audit for audit in audits if audit["methodology"] == slug]
        winners = [audit for audit in mine if audit["result"] == "PASSED"]
        assert len(winners) == 1, [audit["result"] for audit in mine]
        assert winners[0]["credits"] is not None
        for loser in mine:
            if loser is winners[0]:
                continue
            assert loser["credits"] is None and loser["certificateDocumentId"] is None
            [conflict] = [rule for rule in loser["rules"] if rule["result"] == "FAILED"]
            assert conflict["slug"].startswith("no-conflicting-")
            assert winners[0]["certificateDocumentId"] in conflict["message"]
    assert _count(factory, registry_batches) == 2 and _count(factory, registry_projects) == 2
    assert factory.database.run_read(verify_documents)[1] == []
    assert factory.database.run_read(verify_registry)[1] == []


def test_concurrent_audits_of_two_mass_ids_share_the_project(live: httpx.Client, factory: Factory) -> None:
    world = make_world(live, factory)
    other = b.mass_id(world.accreditations["Recycler"])
    other.one("Pick-up")["externalCreatedAt"] = "2025-03-10T08:00:01Z"
    second = reference_mass_id(world, other)
    audits = _concurrently(
        live, world.operator.headers, [("bold-carbon", world.mass_id), ("bold-carbon", second)]
    )
    assert [audit["result"] for audit in audits] == ["PASSED", "PASSED"]
    assert len({audit["credits"]["projectId"] for audit in audits}) == 1
    assert _count(factory, registry_projects) == 1 and _count(factory, registry_batches) == 2
    assert factory.database.run_read(verify_registry)[1] == []
