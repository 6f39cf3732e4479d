"""The serialization grammar parses back into its parts; credit ids and serial blocks too."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from massledger.registry.serials import (
    SerializationError,
    account_address,
    credit_id,
    format_block,
    format_serialization,
    is_address,
    parse_block,
    parse_credit_id,
    parse_serialization,
    project_token_address,
)

parts = st.fixed_dictionaries(
    {
        "country_code": st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2),
        "project_num": st.integers(min_value=1, max_value=10**17),
        "token_id": st.integers(min_value=1, max_value=10**17),
        "credit_type": st.sampled_from(["exPost", "exAnte"]),
        "data_set": st.sampled_from(["TEST", "PROD"]),
        "vintage": st.integers(min_value=1000, max_value=9999),
    }
)


@given(parts)
def test_serialization_round_trip(values: dict[str, object]) -> None:
    text = format_serialization(**values)  # type: ignore[arg-type]
    parsed = parse_serialization(text)
    assert {name: getattr(parsed, name) for name in values} == values
    assert str(parsed) == text


def test_serialization_example() -> None:
    text = format_serialization(
        country_code="BR", project_num=12, token_id=3, credit_type="exPost", data_set="PROD", vintage=2024
    )
    assert text == "ML-BR-12-3-P-L-2024"


@pytest.mark.parametrize(
    "text",
    ["ICR-ISL-354-78040-14-R-0-2021", "ML-BR-012-3-P-L-2024", "ML-br-1-1-P-L-2024", "ML-BR-1-1-X-L-2024", ""],
)
def test_foreign_or_malformed_serializations_are_refused(text: str) -> None:
    with pytest.raises(SerializationError):
        parse_serialization(text)


def test_blocks() -> None:
    block = format_block("ML-BR-1-2-P-T-2025", (60_001, 100_000))
    assert block == "ML-BR-1-2-P-T-2025:60001-100000"
    serialization, serial_range = parse_block(block)
    assert serialization.token_id == 2 and serial_range == (60_001, 100_000)
    with pytest.raises(SerializationError):
        parse_block("ML-BR-1-2-P-T-2025:9-1")


def test_credit_ids_and_addresses() -> None:
    token = project_token_address("f3c9a7b2-0000-4000-8000-000000000000")
    assert is_address(token)
    assert parse_credit_id(credit_id("exAnte", 7, token)) == ("exAnte", 7, token)
    assert parse_credit_id("exPost-2-0x1234567890abcdef") is None  # the seed's example is not 40 hex
    assert account_address("org", "TEST", "default") == account_address("org", "TEST", "default")
    assert account_address("org", "TEST", "default") != account_address("org", "PROD", "default")
