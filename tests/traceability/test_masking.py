"""The masking rules as pure functions (no database)."""

from __future__ import annotations

from typing import Any

import pytest

from massledger.traceability.masking import mask_text, mask_value, private_participants, public_view


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("ABC-1D23", "AB*-***3"),
        ("ABC1D23", "AB****3"),
        ("12345678000199", "12***********9"),
        ("+551123456789", "+55*********9"),
        ("contato@gerador.example", "co*****@*******.******e"),
        ("12.345.678/0001-99", "12.***.***/****-*9"),
        ("DRV-7", "D**-*"),
        ("", ""),
        ("--", "--"),
        ("João da Fonseca", "Jo** ** ******a"),
    ],
)
def test_mask_text_keeps_first_two_last_and_separators(raw: str, masked: str) -> None:
    assert mask_text(raw) == masked


def test_mask_value_masks_numbers_and_nested_values() -> None:
    assert mask_value(11111111111) == "11********1"
    assert mask_value(True) is True and mask_value(None) is None
    assert mask_value(["ABC1D23", {"plate": "XYZ9A88"}]) == ["AB****3", {"plate": "XY****8"}]


def _participant(pid: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": pid,
        "name": f"Name {pid}",
        "businessName": f"Business {pid}",
        "taxId": f"{pid}-TAX-123456",
        "taxIdType": "CNPJ",
        "email": f"{pid}@example.org",
        "mobileNumber": "+5511999990000",
        "telephoneNumber": "+551133330000",
        **extra,
    }


def _address(aid: str) -> dict[str, Any]:
    return {
        "id": aid,
        "street": f"Street {aid}",
        "number": "500",
        "zipCode": "08575720",
        "city": "São Paulo",
        "countryState": "SP",
        "countryCode": "BR",
        "latitude": -23.5489,
        "longitude": -46.6388,
    }


def _event(
    name: str, participant: dict[str, Any] | None, address: dict[str, Any] | None, **extra: Any
) -> dict[str, Any]:
    return {
        "id": f"id-{name}",
        "name": name,
        "isPublic": True,
        "participant": participant,
        "address": address,
        "author": {**_participant("author"), "participantId": "author", "clientId": "client-1"},
        "metadata": {"attributes": []},
        "attachments": [],
        "deduplicationId": "dedup-1",
        **extra,
    }


def _document() -> dict[str, Any]:
    generator, hauler, recycler = _participant("gen"), _participant("hau"), _participant("rec")
    site, truck, yard = _address("site"), _address("truck"), _address("yard")
    attributes = [
        {"name": "Vehicle License Plate", "value": "ABC-1D23", "isPublic": True, "sensitive": True},
        {"name": "Driver Identifier", "value": "DRV-77-X", "isPublic": False, "sensitive": False},
        {"name": "Captured GPS Latitude", "value": -23.54891, "isPublic": True},
        {"name": "Gross Weight", "value": 6750.5, "isPublic": True},
    ]
    events = [
        _event("ACTOR", generator, site, label="Waste Generator", isPublic=False),
        _event("ACTOR", hauler, truck, label="HAULER"),
        _event("ACTOR", recycler, yard, label="Recycler", permissions={"rec": []}),
        _event("Pick-up", hauler, truck, metadata={"attributes": attributes}),
        _event("Secret Note", recycler, yard, isPublic=False),
        _event(
            "Drop-off",
            recycler,
            yard,
            attachments=[{"fileName": "a.pdf", "isPublic": False}, {"fileName": "b.pdf"}],
        ),
    ]
    return {
        "id": "doc",
        "participant": generator,
        "primaryParticipant": generator,
        "address": site,
        "primaryAddress": site,
        "author": {**_participant("author"), "participantId": "author", "clientId": "client-1"},
        "events": events,
        "currentValue": 10,
    }


def test_private_roles_are_found_on_private_and_public_actor_events() -> None:
    assert private_participants(_document()["events"]) == {"gen", "hau"}
    extra = _event("ACTOR", _participant("pro"), None, label="Processor", preserveSensitiveData=True)
    assert "pro" in private_participants([extra])


def test_public_view_masks_per_design() -> None:
    document = _document()
    view = public_view(document)
    assert [e["name"] for e in view["events"]] == ["ACTOR", "ACTOR", "Pick-up", "Drop-off"]
    # the generator (primary participant) and the hauler: names masked, addresses reduced
    assert (
        view["participant"]["name"] == mask_text("Name gen")
        and view["participant"]["taxId"] != "gen-TAX-123456"
    )
    assert view["address"] == {"id": "site", "city": "São Paulo", "countryState": "SP", "countryCode": "BR"}
    pick_up = view["events"][2]
    assert pick_up["participant"]["businessName"] == mask_text("Business hau")
    assert set(pick_up["address"]) == {"id", "city", "countryState", "countryCode"}
    # the recycler: public data, contacts masked, coordinates rounded
    drop_off = view["events"][3]
    assert drop_off["participant"]["name"] == "Name rec"
    assert drop_off["participant"]["email"] == mask_text("rec@example.org")
    assert drop_off["participant"]["mobileNumber"] == "+55**********0"
    assert drop_off["address"]["street"] == "Street yard"
    assert drop_off["address"]["latitude"] == -23.5 and drop_off["address"]["longitude"] == -46.6
    assert drop_off["attachments"] == [{"fileName": "b.pdf"}]
    # attributes: private left out, sensitive masked, coordinates rounded
    attributes = {a["name"]: a["value"] for a in pick_up["metadata"]["attributes"]}
    assert attributes == {
        "Vehicle License Plate": "AB*-***3",
        "Captured GPS Latitude": -23.5,
        "Gross Weight": 6750.5,
    }
    # integration details dropped, authors masked
    for event in view["events"]:
        assert "deduplicationId" not in event and "permissions" not in event
        assert "clientId" not in event["author"] and event["author"]["taxId"] != "author-TAX-123456"
    assert "clientId" not in view["author"]
    # the input is not modified
    assert document["participant"]["taxId"] == "gen-TAX-123456" and len(document["events"]) == 6


def test_roles_declared_on_an_ancestor_keep_a_childs_participant_private() -> None:
    child = {**_document(), "events": []}  # a SPLIT child: same primary participant, no ACTOR events
    assert public_view(child)["participant"]["name"] == "Name gen"
    inherited = public_view(child, {"gen"})
    assert inherited["participant"]["name"] == mask_text("Name gen")
    assert set(inherited["address"]) == {"id", "city", "countryState", "countryCode"}
