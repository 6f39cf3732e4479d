"""Certificate rewards distribution (carrot.md §6.3, ``data/bold-rewards-shares.json``).

Base shares per waste-type group, then the adjustments:

- no Hauler ACTOR: the Hauler share goes to the Waste Generator;
- Waste Generator not declared "Small Business" (no active accreditation, no "Onboarding Declaration",
  or "Large Business"): it keeps 50 % of its (full) share, the other 50 % goes to the Community Impact Pool;
- "Waste Origin" "Unidentified" with no Waste Generator: the Network receives the Waste Generator share
  (plus the Hauler share when there is no Hauler) and 25 % of the Hauler, Processor and Recycler shares,
  which keep 75 %.

A type's share is split equally among its actors; the split is rounded down at 10 decimals of a
percent and the first actor (in event order) takes the rounding remainder, so the percentages always
add up to exactly 100. Types with a zero share (usually the Community Impact Pool) are left out."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

from massledger.methodology import constants as c
from massledger.methodology.accreditation import active_accreditation
from massledger.methodology.engine import RuleResult, Verdict, failed, passed
from massledger.methodology.graph import Document, DocumentGraph, Event
from massledger.methodology.reference import reward_shares
from massledger.methodology.rules._common import num

SLUG = "rewards-distribution"
NAME = "Rewards Distribution"
MASS_ID_ACTOR_TYPES = (c.WASTE_GENERATOR, c.HAULER, c.PROCESSOR, c.RECYCLER, c.INTEGRATOR)
METHODOLOGY_ACTOR_TYPES = (c.COMMUNITY_IMPACT_POOL, c.METHODOLOGY_AUTHOR, c.METHODOLOGY_DEVELOPER, c.NETWORK)
REQUIRED_MASS_ID_ACTORS = (c.RECYCLER, c.PROCESSOR, c.INTEGRATOR)
OUTPUT_ORDER = (
    c.WASTE_GENERATOR,
    c.HAULER,
    c.PROCESSOR,
    c.RECYCLER,
    c.COMMUNITY_IMPACT_POOL,
    c.INTEGRATOR,
    c.METHODOLOGY_AUTHOR,
    c.METHODOLOGY_DEVELOPER,
    c.NETWORK,
)
SERVICE_PROVIDERS = (c.HAULER, c.PROCESSOR, c.RECYCLER)
_UNIDENTIFIED = reward_shares()["adjustments"]["unidentifiedWasteOrigin"]
SERVICE_PROVIDER_KEEPS = Decimal(_UNIDENTIFIED["serviceProviderMultiplier"])  # 0.75
NETWORK_TAKES = Decimal(_UNIDENTIFIED["networkReceivesFractionOfServiceProviderShares"])  # 0.25
_STEP = Decimal("1e-10")


@dataclass(frozen=True)
class RewardActor:
    actor_type: str
    participant_id: str | None
    participant_name: str | None
    address_id: str | None = None
    preserve_sensitive_data: bool | None = None

    @classmethod
    def from_event(cls, actor_type: str, event: Event) -> RewardActor:
        return cls(
            actor_type,
            event.participant_id,
            event.participant.name if event.participant else None,
            event.address_id,
            event.preserve_sensitive_data,
        )


def type_shares(
    subtype: str, hauler_present: bool, origin_identified: bool, small_business: bool
) -> dict[str, Decimal]:
    """Fraction of the certificate per actor type after the adjustments (sums to 1)."""
    table = reward_shares()
    base = {
        k: Decimal(v)
        for k, v in table["baseSharesByWasteTypeGroup"][table["wasteTypeGroupBySubtype"][subtype]].items()
    }
    shares = dict(base)
    hauler_extra = Decimal(0) if hauler_present else base[c.HAULER]
    generator_full = base[c.WASTE_GENERATOR] + hauler_extra if origin_identified else Decimal(0)
    discount = Decimal(0) if small_business else c.LARGE_BUSINESS_DISCOUNT
    shares[c.WASTE_GENERATOR] = generator_full * (1 - discount)
    shares[c.COMMUNITY_IMPACT_POOL] = base[c.COMMUNITY_IMPACT_POOL] + generator_full * discount
    if not hauler_present:
        shares[c.HAULER] = Decimal(0)
    if not origin_identified:
        providers = [t for t in SERVICE_PROVIDERS if t != c.HAULER or hauler_present]
        shares[c.NETWORK] = (
            base[c.NETWORK]
            + base[c.WASTE_GENERATOR]
            + hauler_extra
            + sum((base[t] * NETWORK_TAKES for t in providers), Decimal(0))
        )
        for actor_type in providers:
            shares[actor_type] = base[actor_type] * SERVICE_PROVIDER_KEEPS
    return shares


def split_percentages(
    shares: dict[str, Decimal], actors: dict[str, list[RewardActor]]
) -> list[dict[str, Any]]:
    """One entry per actor; percentages (strings) add up to exactly 100."""
    rewards: list[dict[str, Any]] = []
    for actor_type in OUTPUT_ORDER:
        share = shares.get(actor_type, Decimal(0))
        members = actors.get(actor_type, [])
        if share == 0 or not members:
            continue
        total = share * 100
        part = (total / len(members)).quantize(_STEP, rounding=ROUND_DOWN)
        for position, actor in enumerate(members):
            percentage = total - part * (len(members) - 1) if position == 0 else part
            entry: dict[str, Any] = {
                "actorType": actor_type,
                "participant": {"id": actor.participant_id, "name": actor.participant_name},
                "address": {"id": actor.address_id},
                "massIDPercentage": num(percentage),
            }
            if actor.preserve_sensitive_data is not None:
                entry["preserveSensitiveData"] = actor.preserve_sensitive_data
            rewards.append(entry)
    return rewards


def _is_small_business(graph: DocumentGraph, generator: Event | None) -> bool:
    if generator is None:
        return False
    accreditation = active_accreditation(graph, generator.participant_id, c.WASTE_GENERATOR)
    declaration = accreditation.last(c.ONBOARDING_DECLARATION) if accreditation else None
    return declaration is not None and declaration.text("Business Size Declaration") == c.SMALL_BUSINESS


def _methodology_actors(definition: Document) -> tuple[dict[str, list[RewardActor]], list[str]]:
    found: dict[str, list[RewardActor]] = {}
    missing = []
    for actor_type in METHODOLOGY_ACTOR_TYPES:
        event = definition.actor(actor_type)
        if event is None or event.participant_id is None:
            missing.append(actor_type)
        else:
            found[actor_type] = [RewardActor.from_event(actor_type, event)]
    return found, missing


def rewards_distribution(graph: DocumentGraph) -> RuleResult:
    """The rewards distribution of a certificate of this MassID, as a rule result whose details are
    ``{massIDDocumentId, massIDRewards: [{actorType, participant {id, name}, address {id},
    massIDPercentage}]}``. FAILED (with an empty distribution) when it cannot be computed."""
    verdict = _distribution(graph)
    return RuleResult(SLUG, NAME, verdict.outcome, verdict.message, verdict.details)


def _distribution(graph: DocumentGraph) -> Verdict:
    document = graph.mass_id
    subtype = document.subtype or ""
    if subtype not in reward_shares()["wasteTypeGroupBySubtype"]:
        return failed(f'The MassID subtype "{document.subtype}" has no rewards distribution.')
    actors: dict[str, list[RewardActor]] = {}
    for actor_type in MASS_ID_ACTOR_TYPES:
        events = document.actors(actor_type)
        if events:
            actors[actor_type] = [RewardActor.from_event(actor_type, event) for event in events]
    missing = [t for t in REQUIRED_MASS_ID_ACTORS if t not in actors]
    if missing:
        return failed(f"The MassID {document.id} lacks the required ACTORs: {', '.join(missing)}.")
    if graph.definition is None:
        return failed("The methodology definition document was not found.")
    methodology_actors, missing = _methodology_actors(graph.definition)
    if missing:
        return failed(f"The methodology definition lacks the ACTORs: {', '.join(missing)}.")
    actors.update(methodology_actors)
    generator = document.actor(c.WASTE_GENERATOR)
    unidentified = any(event.text("Waste Origin") == c.UNIDENTIFIED for event in document.events)
    if generator is None and not unidentified:
        return failed('The MassID has no Waste Generator ACTOR and its "Waste Origin" is not "Unidentified".')
    shares = type_shares(
        subtype,
        hauler_present=c.HAULER in actors,
        origin_identified=generator is not None,
        small_business=_is_small_business(graph, generator),
    )
    rewards = split_percentages(shares, actors)
    return passed(
        "Rewards distributed among "
        + ", ".join(f"{r['actorType']} {r['massIDPercentage']} %" for r in rewards)
        + ".",
        massIDDocumentId=document.id,
        massIDRewards=rewards,
    )
