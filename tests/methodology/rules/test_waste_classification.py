import pytest

from massledger.methodology.rules.waste_classification import RULE
from tests.methodology import builders as b

DESCRIPTION = "Resíduos biodegradáveis de cozinha e cantinas"  # normalised: 45 characters, 44 bigrams


def _with(code: str = "20 01 08", description: str = DESCRIPTION) -> tuple[str, str]:
    mass = b.mass_id()
    mass.set("Pick-up", "Local Waste Classification ID", code)
    mass.set("Pick-up", "Local Waste Classification Description", description)
    outcome = RULE(b.graph(mass))
    return outcome.result, outcome.message


@pytest.mark.parametrize("code", ["20 01 08", "200108", " 20  01 08 ", "20 0108"])
def test_code_whitespace_is_ignored(code: str) -> None:
    assert _with(code) == (
        "PASSED",
        'The code 20 01 08 ("Resíduos biodegradáveis de cozinha e cantinas") matches the subtype (CDM 8.3) '
        "and the "
        "description (similarity 1 ≥ 0.85).",
    )


@pytest.mark.parametrize(
    ("description", "result", "similarity"),
    [
        # Appending 14 letters: 2·44 / (44 + 59) = 0.8543 ≥ 0.85.
        (DESCRIPTION + " restaurantexyz", "PASSED", "0.8543"),
        # 15 letters: 2·44 / (44 + 60) = 0.8461 < 0.85.
        (DESCRIPTION + " restaurantexyzw", "FAILED", "0.8461"),
        # Accents, case and punctuation do not count.
        ("RESIDUOS biodegradaveis, de cozinha e cantinas!", "PASSED", "1"),
    ],
)
def test_description_similarity_threshold(description: str, result: str, similarity: str) -> None:
    if result == "PASSED":
        expected = (
            'The code 20 01 08 ("Resíduos biodegradáveis de cozinha e cantinas") matches the subtype (CDM '
            "8.3) and "
            f"the description (similarity {similarity} ≥ 0.85)."
        )
    else:
        expected = (
            f'The description "{description}" does not match the Ibama description of 20 01 08 '
            f'"{DESCRIPTION}": '
            f"similarity {similarity} is below 0.85."
        )
    assert _with(description=description) == (result, expected)


def test_unknown_code_fails() -> None:
    assert _with("20 01 99 99") == (
        "FAILED",
        '"20 01 99 99" is not a code of the Brazilian solid waste list (Ibama).',
    )


def test_code_of_another_waste_type_fails() -> None:
    # 04 02 20 is domestic sludge (CDM 8.7C); the MassID is food (8.3).
    assert _with("04 02 20", "Lodos do tratamento local de efluentes não abrangidas em 04 02 19") == (
        "FAILED",
        'The code 04 02 20 is CDM waste type 8.7C, but the subtype "Food, Food Waste and Beverages" is 8.3.',
    )


def test_tobacco_has_no_cdm_code() -> None:
    mass = b.mass_id()
    mass.body["subtype"] = "Tobacco"
    outcome = RULE(b.graph(mass))
    assert (outcome.result, outcome.message) == (
        "FAILED",
        'The subtype "Tobacco" has no CDM waste-type code.',
    )


def test_only_brazilian_recyclers() -> None:
    mass = b.mass_id()
    mass.actor("Recycler")["address"] = {**b.YARD, "countryCode": "PT", "countryState": "Lisboa"}
    outcome = RULE(b.graph(mass))
    assert (outcome.result, outcome.message) == (
        "FAILED",
        "The local waste classification is only validated for recyclers in Brazil; the Recycler ACTOR "
        "address "
        "country is PT.",
    )


@pytest.mark.parametrize(
    ("attribute", "message"),
    [
        ("Local Waste Classification ID", 'The "Pick-up" event has no "Local Waste Classification ID".'),
        (
            "Local Waste Classification Description",
            'The "Pick-up" event has no "Local Waste Classification Description".',
        ),
    ],
)
def test_missing_attributes(attribute: str, message: str) -> None:
    outcome = RULE(b.graph(b.mass_id().unset("Pick-up", attribute)))
    assert (outcome.result, outcome.message) == ("FAILED", message)
