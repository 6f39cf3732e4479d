"""1. Uniqueness Check (waste-mass-is-unique): no other live MassID records the same mass.

Two MassIDs record the same mass when they share category, type, subtype, data set and currentValue,
the first Pick-up's address id, time and vehicle plate, the first Drop-off's address id and time, and
the Waste Generator and Recycler participants. Cancelled duplicates are ignored."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from massledger.methodology import constants as c
from massledger.methodology.engine import Rule, Verdict, failed, passed
from massledger.methodology.graph import Document, DocumentGraph
from massledger.methodology.text import normalize_plate

SLUG = "waste-mass-is-unique"
NAME = "Uniqueness Check"

Fingerprint = tuple[
    str | None,
    str | None,
    str | None,
    str | None,
    Decimal | None,
    str | None,
    datetime | None,
    str | None,
    str | None,
    datetime | None,
    str | None,
    str | None,
]


def _is_unidentified(document: Document) -> bool:
    pick_up = document.first(c.PICK_UP)
    return pick_up is not None and pick_up.text("Waste Origin") == c.UNIDENTIFIED


def fingerprint(document: Document) -> tuple[Fingerprint | None, list[str]]:
    """The identity of the recorded mass, or None with what is missing to build it."""
    pick_up, drop_off = document.first(c.PICK_UP), document.first(c.DROP_OFF)
    generator, recycler = document.actor(c.WASTE_GENERATOR), document.actor(c.RECYCLER)
    plate = pick_up.text("Vehicle License Plate") if pick_up else None
    missing = []
    if pick_up is None:
        missing.append('a "Pick-up" event')
    if drop_off is None:
        missing.append('a "Drop-off" event')
    if recycler is None:
        missing.append("a Recycler ACTOR")
    if generator is None and not _is_unidentified(document):
        missing.append("a Waste Generator ACTOR")
    vehicle = pick_up.text("Vehicle Type") if pick_up else None
    if pick_up is not None and plate is None and vehicle not in c.VEHICLES_WITHOUT_PLATE:
        missing.append('a "Vehicle License Plate" on the "Pick-up" event')
    if missing or pick_up is None or drop_off is None or recycler is None:
        return None, missing
    return (
        document.category,
        document.type,
        document.subtype,
        document.data_set_name,
        document.current_value,
        pick_up.address_id,
        pick_up.external_created_at,
        normalize_plate(plate) if plate else None,
        drop_off.address_id,
        drop_off.external_created_at,
        generator.participant_id if generator else None,
        recycler.participant_id,
    ), []


def _check(graph: DocumentGraph) -> Verdict:
    own, missing = fingerprint(graph.mass_id)
    if own is None:
        return failed("The duplicate check needs " + ", ".join(missing) + ".", missing=missing)
    live: list[str] = []
    cancelled: list[str] = []
    for candidate in graph.duplicate_candidates:
        if candidate.id == graph.mass_id.id or fingerprint(candidate)[0] != own:
            continue
        (cancelled if candidate.is_cancelled else live).append(candidate.id or "?")
    if live:
        return failed(
            f"The MassID duplicates {', '.join(live)}: same pick-up and drop-off (address and time), "
            "vehicle plate, waste generator, recycler, waste type and value.",
            duplicates=live,
            cancelledDuplicates=cancelled,
        )
    message = "No other MassID records the same mass."
    if cancelled:
        message += f" Cancelled duplicates are ignored: {', '.join(cancelled)}."
    return passed(message, duplicates=[], cancelledDuplicates=cancelled)


RULE = Rule(SLUG, NAME, _check)
