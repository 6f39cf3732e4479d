"""Public views without a token: only public documents, only publicly searchable ones in search, and no
raw tax id, e-mail, phone, sensitive value or private event in any public response (raw bytes scanned)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import Api
from tests.traceability.helpers import document_body, event_body, target_body

GENERATOR = {
    "countryCode": "BR",
    "name": "Gerador Secreto LTDA",
    "businessName": "Cozinha Industrial Secreta",
    "taxId": "31415926000158",
    "taxIdType": "CNPJ",
    "type": "COMPANY",
    "email": "compras@gerador-secreto.example",
    "mobileNumber": "+5511987650001",
    "telephoneNumber": "+551130300002",
}
HAULER = {
    "countryCode": "BR",
    "name": "Transportes Ocultos",
    "taxId": "27182818000177",
    "taxIdType": "CNPJ",
    "email": "frota@transportes-ocultos.example",
    "mobileNumber": "+5511987650003",
}
RECYCLER = {
    "countryCode": "BR",
    "name": "Compostagem Aberta",
    "taxId": "16180339000166",
    "taxIdType": "CNPJ",
    "email": "patio@compostagem-aberta.example",
    "telephoneNumber": "+551130300004",
}
GENERATOR_SITE = {
    "street": "Rua Escondida",
    "number": "4242",
    "zipCode": "01310930",
    "city": "São Paulo",
    "countryState": "SP",
    "countryCode": "BR",
    "latitude": -23.561684,
    "longitude": -46.655981,
}
YARD = {
    "street": "Estrada do Pátio",
    "number": "7",
    "city": "Mogi",
    "countryState": "SP",
    "countryCode": "BR",
    "latitude": -23.52071,
    "longitude": -46.18711,
}
PLATE = "QRS-7T65"
DRIVER = "MOTORISTA-99001"
PRIVATE_NOTE = "nota-confidencial-8812"
PRIVATE_EVENT = "Confidential Inspection"
SECRETS = [
    *(
        p[key]
        for p in (GENERATOR, HAULER, RECYCLER)
        for key in ("taxId", "email", "mobileNumber", "telephoneNumber")
        if key in p
    ),
    GENERATOR["name"],
    GENERATOR["businessName"],
    HAULER["name"],
    GENERATOR_SITE["street"],
    GENERATOR_SITE["zipCode"],
    str(GENERATOR_SITE["latitude"]),
    str(YARD["latitude"]),
    PLATE,
    PLATE.replace("-", ""),
    DRIVER,
    PRIVATE_NOTE,
    PRIVATE_EVENT,
    "dedup-secret",
]


def _mass_id(api: Api, index: int, **overrides: Any) -> str:
    body = document_body(
        participant=GENERATOR, address=GENERATOR_SITE, externalId=f"MASS-{index}", **overrides
    )
    document_id = str(api.post("/documents", json=body).json()["id"])
    attributes = [
        {"name": "Vehicle License Plate", "value": PLATE, "isPublic": True, "sensitive": True},
        {
            "name": "Vehicle Plate (docs spelling)",
            "value": PLATE.replace("-", ""),
            "isPublic": True,
            "sensible": True,
        },
        {"name": "Driver Identifier", "value": DRIVER, "isPublic": False},
        {"name": "Captured GPS Latitude", "value": GENERATOR_SITE["latitude"], "isPublic": True},
        {"name": "Vehicle Type", "value": "Truck", "isPublic": True},
    ]
    events = [
        event_body(
            "ACTOR", label="Waste Generator", participant=GENERATOR, address=GENERATOR_SITE, isPublic=False
        ),
        event_body("ACTOR", label="Hauler", participant=HAULER, address=GENERATOR_SITE),
        event_body("ACTOR", label="Recycler", participant=RECYCLER, address=YARD),
        event_body(
            "Pick-up",
            participant=GENERATOR,
            address=GENERATOR_SITE,
            metadata={"attributes": attributes},
            deduplicationId=f"dedup-secret-{index}",
        ),
        event_body(
            PRIVATE_EVENT,
            isPublic=False,
            participant=RECYCLER,
            metadata={"attributes": [{"name": "Note", "value": PRIVATE_NOTE}]},
        ),
        event_body("Weighing", value=1000, participant=RECYCLER, address=YARD),
        event_body("Drop-off", participant=RECYCLER, address=YARD),
        event_body("SPLIT", target=target_body(100, externalId=f"PART-{index}")),
    ]
    response = api.post("/documents/events", json={"documentId": document_id, "events": events})
    assert response.status_code == 201, response.text
    return document_id


def test_public_responses_never_contain_private_data(app_client: TestClient, api: Api) -> None:
    public = [_mass_id(api, index) for index in range(5)]
    unlisted = _mass_id(api, 5, isPubliclySearchable=False)
    private = _mass_id(api, 6, isPublic=False)
    hidden_later = _mass_id(api, 7)
    api.post(f"/documents/{hidden_later}/events", json=event_body("UPDATE", updates={"isPublic": False}))
    related = api.post(
        f"/documents/{public[0]}/events",
        json=event_body(PRIVATE_EVENT, isPublic=False, propagateEvent=True),
    )
    assert related.status_code == 201
    private_ids = {related.json()["eventId"]}
    for document_id in [*public, unlisted, private, hidden_later]:
        for event in api.get(f"/documents/{document_id}").json()["events"]:
            if not event["isPublic"]:
                private_ids.add(event["id"])
    # Children take their own visibility from the SPLIT target (public and searchable here).
    children = {
        d: next(
            e["targetDocumentId"] for e in api.get(f"/documents/{d}").json()["events"] if e["name"] == "SPLIT"
        )
        for d in [*public, unlisted, private, hidden_later]
    }

    responses = []
    for document_id in [*public, *children.values(), unlisted]:
        response = app_client.get(f"/public/documents/{document_id}")
        assert response.status_code == 200, response.text
        responses.append(response)
    for document_id in (private, hidden_later, "00000000-0000-4000-8000-000000000000"):
        response = app_client.get(f"/public/documents/{document_id}")
        assert response.status_code == 404 and response.json()["errors"][0]["code"] == "objectNotFound"
        responses.append(response)
    listed: list[str] = []
    for params in ({"limit": 2}, {"limit": 3, "category": "MassID", "dataSetName": "TEST"}):
        cursor = None
        ids: list[str] = []
        while True:
            page = app_client.get(
                "/v1/public/documents", params={**params, **({"cursor": cursor} if cursor else {})}
            )
            assert page.status_code == 200
            responses.append(page)
            ids += [item["id"] for item in page.json()["documents"]]
            cursor = page.json()["nextCursor"]
            if cursor is None:
                break
        listed = ids
    searchable = {*public, *children.values()}
    in_order = [d for parent, child in children.items() for d in (parent, child)]
    assert listed == [d for d in in_order if d in searchable]

    leaks = [
        (response.url, secret)
        for response in responses
        for secret in [*SECRETS, *private_ids]
        if secret.encode() in response.content
    ]
    assert not leaks, leaks

    # The views are not empty: public data is there, masked where the design says.
    view = app_client.get(f"/public/documents/{public[1]}").json()
    names = [event["name"] for event in view["events"]]
    assert names == ["ACTOR", "ACTOR", "Pick-up", "Weighing", "Drop-off", "SPLIT"]
    pick_up = view["events"][2]
    plate = next(a for a in pick_up["metadata"]["attributes"] if a["name"] == "Vehicle License Plate")
    assert plate["value"] == "QR*-***5"
    assert view["events"][4]["participant"]["name"] == RECYCLER["name"]
    assert view["events"][4]["address"]["street"] == YARD["street"]
    assert view["events"][4]["address"]["latitude"] == -23.5
    assert view["participant"]["name"] != GENERATOR["name"] and view["address"]["city"] == "São Paulo"
    assert "street" not in view["address"]
