"""Event request schemas: a union discriminated by `name`, one schema per logical event type, visible in
the OpenAPI; errors name the field without internal union tags."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BeforeValidator, Field, TypeAdapter, ValidationError

from massledger.traceability.schemas import (
    ActorEvent,
    CancelEvent,
    CloseEvent,
    CustomEvent,
    EventIn,
    Mass,
    OutputEvent,
    RelatedEvent,
    SplitEvent,
    UpdateEvent,
    _json_number,
)
from tests.conftest import Api
from tests.traceability.helpers import document_body, event_body, logical_events, target_body

EVENTS: TypeAdapter[Any] = TypeAdapter(EventIn)
EXPECTED = {
    "ACTOR": ActorEvent,
    "CLOSE": CloseEvent,
    "CANCEL": CancelEvent,
    "RELATED": RelatedEvent,
    "LINK": RelatedEvent,
    "UPDATE": UpdateEvent,
    "SPLIT": SplitEvent,
    "OUTPUT": OutputEvent,
    "CUSTOM": CustomEvent,
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_each_name_parses_into_its_schema(name: str) -> None:
    body = logical_events("00000000-0000-4000-8000-000000000000")[name]
    assert type(EVENTS.validate_python(body)) is EXPECTED[name]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (event_body("ACTOR"), "label"),
        (event_body("RELATED"), "relatedDocument"),
        (event_body("LINK", relatedDocument={}), "documentId"),
        (event_body("UPDATE"), "updates"),
        (event_body("UPDATE", updates={}), "updates"),
        (event_body("UPDATE", updates={"status": "CLOSED"}), "status"),
        (event_body("SPLIT"), "target"),
        (event_body("OUTPUT", target={**target_body(), "value": -1}), "value"),
        (event_body("CLOSE", value=10), "value"),
        (event_body("SPLIT", target=target_body(), value=3), "value"),
        (event_body("Pick-up", updates={"isPublic": True}), "updates"),
        (event_body("Pick-up", target=target_body()), "target"),
        (event_body("Pick-up", permissions=[]), "permissions"),
        (
            event_body("ACTOR", label="Hauler", permissions=[{"effect": "MAYBE", "actions": ["READ"]}]),
            "effect",
        ),
        (
            event_body("ACTOR", label="Hauler", permissions=[{"effect": "ALLOW", "actions": ["DELETE"]}]),
            "actions",
        ),
    ],
)
def test_fields_of_other_event_types_are_refused(body: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        EVENTS.validate_python(body)
    assert field in str(raised.value)


def test_lowercase_logical_names_are_custom_events() -> None:
    assert type(EVENTS.validate_python(event_body("close"))) is CustomEvent


def test_openapi_documents_every_event_schema(app_client: TestClient) -> None:
    schema = app_client.get("/openapi.json").json()
    body = schema["paths"]["/documents/{documentId}/events"]["post"]["requestBody"]["content"]
    variants = {ref["$ref"].rsplit("/", 1)[1] for ref in body["application/json"]["schema"]["oneOf"]}
    assert variants == {cls.__name__ for cls in EXPECTED.values()}
    components = schema["components"]["schemas"]
    assert components["ActorEvent"]["properties"]["name"]["const"] == "ACTOR"
    assert set(components["RelatedEvent"]["properties"]["name"]["enum"]) == {"RELATED", "LINK"}
    assert "ACTOR" in components["CustomEvent"]["properties"]["name"]["not"]["enum"]
    assert {"label"} <= set(components["ActorEvent"]["required"])
    assert {"target"} <= set(components["SplitEvent"]["required"])
    listing = schema["paths"]["/documents"]["get"]
    assert {p["name"] for p in listing["parameters"]} >= {
        "category",
        "tag",
        "participantId",
        "cursor",
        "limit",
    }


def test_errors_name_the_field_in_single_and_batch_requests(api: Api) -> None:
    document_id = api.post("/documents", json=document_body()).json()["id"]
    single = api.post(f"/documents/{document_id}/events", json=event_body("ACTOR"))
    assert single.status_code == 400
    assert single.json()["errors"][0]["message"].startswith("label: ")
    batch = api.post(
        "/documents/events",
        json={"documentId": document_id, "events": [event_body("Note"), event_body("SPLIT", target={})]},
    )
    assert batch.status_code == 400
    message = batch.json()["errors"][0]["message"]
    assert message.startswith("events[1].target.") and "event[" not in message


# Mass as it was declared with pydantic's constraints; schemas.Mass checks the digits in one call.
_CONSTRAINED_MASS: TypeAdapter[Any] = TypeAdapter(
    Annotated[
        Decimal,
        BeforeValidator(_json_number),
        Field(ge=0, max_digits=24, decimal_places=6, allow_inf_nan=False),
    ]
)
_MASS: TypeAdapter[Any] = TypeAdapter(Mass)


def _outcome(adapter: TypeAdapter[Any], value: Any) -> Any:
    try:
        return ("ok", adapter.validate_python(value))
    except ValidationError as exc:
        return [(e["type"], e["msg"], e.get("ctx", {}).get("error") is None) for e in exc.errors()]


_DECIMALS = st.decimals(allow_nan=True, allow_infinity=True) | st.builds(
    lambda digits, exponent, negative: Decimal((int(negative), digits, exponent)),
    st.lists(st.integers(0, 9), min_size=1, max_size=30).map(tuple),
    st.integers(-12, 12),
    st.booleans(),
)


@settings(max_examples=1000)
@given(value=_DECIMALS | st.floats() | st.integers() | st.text(max_size=5) | st.booleans() | st.none())
def test_mass_accepts_and_refuses_exactly_as_the_constrained_decimal(value: Any) -> None:
    """Same value or the same errors (type, message, in the same order when several fail) for any
    input: negative and too many places, whole digits, trailing zeros, exponents, NaN, strings."""
    assert _outcome(_MASS, value) == _outcome(_CONSTRAINED_MASS, value)
