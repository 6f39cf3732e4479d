"""The reference MassID of carrot.md §9.2 with its accreditations and definitions, created through the
real HTTP API from the request bodies of ``builders``: an operator organization (methodology:run) writes
the accreditations and the definitions, an integrator organization writes the MassID and grants the
operator READ on it.

The builders' dates are those of carrot.md (2025). Rules judge them against the audit time (project
period: Recycled in the current or previous year; accreditations valid until the end of the next year),
so every date is shifted by whole years to keep the MassID in the previous year of today's clock."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from fastapi.testclient import TestClient

from massledger.methodology.samples import BUILDER_YEAR, shift_years
from tests.attachments.helpers import upload
from tests.conftest import OPERATOR_SCOPES, Api, Factory
from tests.methodology import builders as b


def year_shift(now: datetime | None = None) -> int:
    return ((now or datetime.now(UTC)).year - 1) - BUILDER_YEAR


@dataclass
class World:
    http: httpx.Client | TestClient
    operator: Api
    integrator: Api
    years: int
    mass_id: str = ""
    accreditations: dict[str, str] = field(default_factory=dict)  # role -> document id
    definitions: dict[str, str] = field(default_factory=dict)  # slug -> document id

    @property
    def vintage(self) -> int:
        return BUILDER_YEAR + self.years


def create(api: Api, request: b.DocumentRequest, years: int, attachments: tuple[str, ...] = ()) -> str:
    """POST the document, upload its attachments, POST its events as one batch; returns its id."""
    response = api.post("/documents", json=shift_years(request.body, years))
    assert response.status_code == 201, response.text
    document_id = str(response.json()["id"])
    for name in attachments:
        upload(api, document_id, name, b"%PDF-1.4 " + name.encode(), "application/pdf")
    if request.events:
        batch = {"documentId": document_id, "events": shift_years(request.events, years)}
        created = api.post("/documents/events", json=batch)
        assert created.status_code == 201, created.text
    return document_id


def accredit(world: World, definitions: bool = True) -> None:
    for request in b.accreditations():
        world.accreditations[request.body["subtype"]] = create(world.operator, request, world.years)
    for slug in ("bold-recycling", "bold-carbon") if definitions else ():
        world.definitions[slug] = create(world.operator, b.definition(slug), world.years)


def reference_mass_id(world: World, request: b.DocumentRequest | None = None) -> str:
    """The integrator's MassID (the reference one unless given), readable by the operator."""
    request = (request or b.mass_id(world.accreditations["Recycler"])).copy()
    request.body["deduplicationId"] = str(uuid.uuid4())  # one integrator may send several MassIDs
    grant = b.event(
        "ACTOR",
        request.events[-1]["externalCreatedAt"],
        label="Auditor",
        participantId=world.operator.creds.participant_id,
        permissions=[{"effect": "ALLOW", "actions": ["READ"]}],
        isPublic=False,
    )
    request.events.insert(len(request.events) - 1, grant)  # before the CLOSE
    return create(world.integrator, request, world.years, ("mtr-4126.pdf", "cdf-2353.pdf"))


def make_world(
    http: httpx.Client | TestClient, factory: Factory, *, data_set: str = "TEST", definitions: bool = True
) -> World:
    operator_org = factory.organization("BOLD Operator")
    operator = Api(http, factory.client(operator_org, data_set, OPERATOR_SCOPES))
    integrator = Api(http, factory.client(factory.organization("Integra Resíduos"), data_set))
    world = World(http, operator, integrator, year_shift())
    accredit(world, definitions)
    world.mass_id = reference_mass_id(world)
    return world
