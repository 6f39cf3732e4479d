from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from massledger.methodology.rewards import RewardActor, rewards_distribution, split_percentages, type_shares
from tests.methodology import builders as b


def _shares(graph: b.DocumentGraph) -> dict[str, str]:
    result = rewards_distribution(graph)
    assert result.result == "PASSED", result.message
    shares: dict[str, str] = {}
    for reward in result.details["massIDRewards"]:
        shares[reward["actorType"]] = reward["massIDPercentage"]
    return shares


def _generator(size: str | None) -> list[b.DocumentRequest]:
    extra = (
        [b.event("Onboarding Declaration", "2025-01-15T12:00:00Z", b.attr("Business Size Declaration", size))]
        if size
        else []
    )
    return b.replace_accreditation(b.accreditation("Waste Generator", b.GENERATOR, b.GENERATOR_SITE, *extra))


BASE = {
    "Processor": "10",
    "Integrator": "8",
    "Methodology Author": "1",
    "Methodology Developer": "1",
    "Network": "20",
}


def test_small_business_food_waste_gets_the_base_shares() -> None:
    assert _shares(b.graph()) == {**BASE, "Waste Generator": "30", "Hauler": "10", "Recycler": "20"}


@pytest.mark.parametrize("size", ["Large Business", None])
def test_large_or_undeclared_business_gives_half_to_the_community_pool(size: str | None) -> None:
    assert _shares(b.graph(accredited=_generator(size))) == {
        **BASE,
        "Waste Generator": "15",
        "Community Impact Pool": "15",
        "Hauler": "10",
        "Recycler": "20",
    }


def test_without_hauler_the_generator_takes_its_share() -> None:
    mass = b.mass_id().drop("ACTOR", "Hauler")
    assert _shares(b.graph(mass)) == {**BASE, "Waste Generator": "40", "Recycler": "20"}
    assert _shares(b.graph(mass, accredited=_generator("Large Business"))) == {
        **BASE,
        "Waste Generator": "20",
        "Community Impact Pool": "20",
        "Recycler": "20",
    }


def test_sludge_shares() -> None:
    mass = b.mass_id()
    mass.body["subtype"] = "Domestic Sludge"
    assert _shares(b.graph(mass, accredited=_generator("Large Business"))) == {
        **BASE,
        "Waste Generator": "12.5",
        "Community Impact Pool": "12.5",
        "Hauler": "5",
        "Recycler": "30",
    }


def _unidentified(hauler: bool) -> b.DocumentRequest:
    mass = b.mass_id().drop("ACTOR", "Waste Generator").set("Pick-up", "Waste Origin", "Unidentified")
    return mass if hauler else mass.drop("ACTOR", "Hauler")


def test_unidentified_origin_with_hauler() -> None:
    assert _shares(b.graph(_unidentified(hauler=True))) == {
        **BASE,
        "Hauler": "7.5",
        "Processor": "7.5",
        "Recycler": "15",
        "Network": "60",
    }


def test_unidentified_origin_without_hauler() -> None:
    assert _shares(b.graph(_unidentified(hauler=False))) == {
        **BASE,
        "Processor": "7.5",
        "Recycler": "15",
        "Network": "67.5",
    }


def test_equal_split_among_actors_of_a_type_adds_up() -> None:
    mass = b.mass_id()
    for participant in (b.AUTHOR, b.DEVELOPER):
        mass.events.insert(1, b.actor("Hauler", participant, b.HAULER_SITE, "2025-03-10T08:00:00Z"))
    rewards = rewards_distribution(b.graph(mass)).details["massIDRewards"]
    haulers = [r["massIDPercentage"] for r in rewards if r["actorType"] == "Hauler"]
    assert haulers == ["3.3333333334", "3.3333333333", "3.3333333333"]
    assert sum(Decimal(r["massIDPercentage"]) for r in rewards) == 100


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("integrator", f"The MassID {b.MASS_ID} lacks the required ACTORs: Integrator."),
        ("definition", "The methodology definition document was not found."),
        ("network", "The methodology definition lacks the ACTORs: Network."),
        (
            "generator",
            'The MassID has no Waste Generator ACTOR and its "Waste Origin" is not "Unidentified".',
        ),
        ("subtype", 'The MassID subtype "Plastic" has no rewards distribution.'),
    ],
)
def test_cannot_distribute(change: str, message: str) -> None:
    mass, definition = b.mass_id(), b.definition()
    if change == "integrator":
        mass.drop("ACTOR", "Integrator")
    elif change == "network":
        definition.drop("ACTOR", "Network")
    elif change == "generator":
        mass.drop("ACTOR", "Waste Generator")
    elif change == "subtype":
        mass.body["subtype"] = "Plastic"
    graph = b.DocumentGraph.from_views(
        mass.view(),
        b.NOW,
        accreditations=[a.view() for a in b.accreditations()],
        definition=None if change == "definition" else definition.view(),
    )
    result = rewards_distribution(graph)
    assert (result.result, result.message) == ("FAILED", message)


SUBTYPES = [
    "Domestic Sludge",
    "Food, Food Waste and Beverages",
    "Industrial Sludge",
    "Tobacco",
    "Wood and Wood Products",
]


@settings(max_examples=200, deadline=None)
@given(
    subtype=st.sampled_from(SUBTYPES),
    hauler=st.booleans(),
    identified=st.booleans(),
    small=st.booleans(),
    counts=st.lists(st.integers(min_value=1, max_value=7), min_size=9, max_size=9),
)
def test_percentages_always_add_up_to_exactly_100(
    subtype: str, hauler: bool, identified: bool, small: bool, counts: list[int]
) -> None:
    shares = type_shares(subtype, hauler_present=hauler, origin_identified=identified, small_business=small)
    assert sum(shares.values()) == 1
    types = list(shares)
    actors = {
        actor_type: [RewardActor(actor_type, f"{actor_type}-{i}", None) for i in range(count)]
        for actor_type, count in zip(types, counts, strict=True)
        if (actor_type != "Hauler" or hauler) and (actor_type != "Waste Generator" or identified)
    }
    rewards = split_percentages(shares, actors)
    assert sum(Decimal(r["massIDPercentage"]) for r in rewards) == 100
    assert all(Decimal(r["massIDPercentage"]) > 0 for r in rewards)
