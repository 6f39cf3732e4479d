"""7. Geolocation Precision (geolocation-and-address-precision): every Pick-up and Drop-off happens at
the accredited facility of its actor.

Actor per event: the first Pick-up is the Waste Generator's, the last Drop-off the Recycler's, any other
Pick-up or Drop-off the Processor's. The accredited address is the "Facility Address" event of that
participant's active accreditation for the role (a Waste Generator without one is skipped). Then:

- event address ≤ 2 000 m from the accredited address: fine;
- > 30 000 m: FAILED;
- in between, or the event address has no coordinates: the country and state must match and the
  street, number and city must be similar (Dice ≥ 0.75, street numbers equal);
- "Captured GPS Latitude/Longitude", when sent, must be ≤ 2 000 m from the accredited address (a
  Recycler accreditation may grant an approved exception for both attributes on that event).
"""

from __future__ import annotations

from typing import Any

from massledger.methodology import constants as c
from massledger.methodology.accreditation import active_accreditation, has_approved_exception
from massledger.methodology.engine import Rule, Verdict, failed, passed
from massledger.methodology.geo import distance_m
from massledger.methodology.graph import Address, DocumentGraph, Event, parse_number
from massledger.methodology.text import address_similarity, ratio

SLUG = "geolocation-and-address-precision"
NAME = "Geolocation Precision"
GPS_LATITUDE = "Captured GPS Latitude"
GPS_LONGITUDE = "Captured GPS Longitude"


def _roles(graph: DocumentGraph) -> list[tuple[Event, str]]:
    pick_ups = graph.mass_id.events_named(c.PICK_UP)
    drop_offs = graph.mass_id.events_named(c.DROP_OFF)
    assigned = []
    for position, event in enumerate(pick_ups):
        assigned.append((event, c.WASTE_GENERATOR if position == 0 else c.PROCESSOR))
    for position, event in enumerate(drop_offs):
        assigned.append((event, c.RECYCLER if position == len(drop_offs) - 1 else c.PROCESSOR))
    return sorted(assigned, key=lambda pair: pair[0].sort_key)


def _text_match(
    role: str, name: str, event_address: Address, accredited: Address, distance: str
) -> str | None:
    """Why the event address does not textually match the accredited one, or None."""
    same_country = (event_address.country_code or "").casefold() == (accredited.country_code or "").casefold()
    same_state = (event_address.country_state or "").casefold() == (accredited.country_state or "").casefold()
    if not (same_country and same_state):
        return (
            f"{role}: the {name} address is {distance} and its country/state "
            f"({event_address.country_code}/{event_address.country_state}) differs from the accredited "
            f"({accredited.country_code}/{accredited.country_state})"
        )
    similarity, numbers_agree = address_similarity(event_address.text, accredited.text)
    if not numbers_agree:
        return (
            f"{role}: the {name} address is {distance} and its street number differs from the accredited "
            f'address ("{event_address.text}" vs "{accredited.text}")'
        )
    if similarity < c.ADDRESS_SIMILARITY_THRESHOLD:
        return (
            f'{role}: the {name} address is {distance} and "{event_address.text}" is not similar enough to '
            f'the accredited "{accredited.text}" (similarity {ratio(similarity)} is below '
            f"{c.ADDRESS_SIMILARITY_THRESHOLD})"
        )
    return None


def _gps(event: Event) -> tuple[tuple[float, float] | None, bool]:
    """(captured GPS point, whether any GPS attribute was sent)."""
    sent = event.has(GPS_LATITUDE) or event.has(GPS_LONGITUDE)
    latitude, longitude = (
        parse_number(event.value_of(GPS_LATITUDE)),
        parse_number(event.value_of(GPS_LONGITUDE)),
    )
    if latitude is None or longitude is None or abs(latitude) > 90 or abs(longitude) > 180:
        return None, sent
    return (float(latitude), float(longitude)), sent


def _check_event(graph: DocumentGraph, event: Event, role: str) -> tuple[bool, str, dict[str, Any]]:
    name = f'"{event.name}"'
    actor = graph.mass_id.actor(role)
    participant = actor.participant_id if actor else None
    accreditation = active_accreditation(graph, participant, role)
    facility = accreditation.last(c.FACILITY_ADDRESS) if accreditation else None
    accredited = facility.address if facility else None
    details: dict[str, Any] = {"event": event.name, "eventId": event.id, "actorType": role}
    if accredited is None:
        if role == c.WASTE_GENERATOR:
            return True, f"{role}: no accredited facility address, location not checked", details
        if accreditation is None:
            return False, f"{role}: no valid {role} accreditation to locate the {name} event", details
        return (
            False,
            f'{role}: the accreditation has no "{c.FACILITY_ADDRESS}" event with an address',
            details,
        )
    accredited_point = accredited.coordinates
    if accredited_point is None:
        return False, f"{role}: the accredited address has no coordinates", details
    if event.address is None:
        return False, f"{role}: the {name} event has no address", details
    event_point = event.address.coordinates
    distance = distance_m(event_point, accredited_point) if event_point else None
    details["addressDistanceM"] = distance
    if distance is not None and distance > c.SIMILARITY_DISTANCE_M:
        return (
            False,
            f"{role}: the {name} address is {distance} m from the accredited address, "
            f"beyond {c.SIMILARITY_DISTANCE_M} m",
            details,
        )
    where = f"{distance} m from the accredited address" if distance is not None else "without coordinates"
    if distance is None or distance > c.PASS_DISTANCE_M:
        problem = _text_match(role, name, event.address, accredited, where)
        if problem:
            return False, problem, details
        where += " (same state, similar address)"
    point, sent = _gps(event)
    if role == c.RECYCLER and all(
        has_approved_exception(accreditation, event.name or "", attribute, graph.now)
        for attribute in (GPS_LATITUDE, GPS_LONGITUDE)
    ):
        return (
            True,
            f"{role}: the {name} address is {where}; GPS check waived by an approved exception",
            details,
        )
    if point is None:
        if sent:
            return (
                False,
                f'{role}: "{GPS_LATITUDE}" and "{GPS_LONGITUDE}" of the {name} event '
                "must both be valid coordinates",
                details,
            )
        return True, f"{role}: the {name} address is {where}; no GPS captured", details
    gps_distance = distance_m(point, accredited_point)
    details["gpsDistanceM"] = gps_distance
    if gps_distance > c.GPS_MAX_DISTANCE_M:
        return (
            False,
            f"{role}: the GPS location captured at the {name} event is {gps_distance} m from the accredited "
            f"address, beyond {c.GPS_MAX_DISTANCE_M} m",
            details,
        )
    return True, f"{role}: the {name} address is {where}; GPS {gps_distance} m away", details


def _check(graph: DocumentGraph) -> Verdict:
    assigned = _roles(graph)
    if not assigned:
        return failed('The MassID has no "Pick-up" or "Drop-off" event.')
    outcomes = [_check_event(graph, event, role) for event, role in assigned]
    details = {"events": [detail for _, _, detail in outcomes]}
    failures = [message for ok, message, _ in outcomes if not ok]
    if failures:
        return failed("; ".join(failures) + ".", **details)
    return passed("; ".join(message for _, message, _ in outcomes) + ".", **details)


RULE = Rule(SLUG, NAME, _check)
