from typing import Any

import pytest
from geographiclib.geodesic import Geodesic

from massledger.methodology.rules.geolocation import RULE
from tests.methodology import builders as b

SITE = (b.GENERATOR_SITE["latitude"], b.GENERATOR_SITE["longitude"])
YARD = (b.YARD["latitude"], b.YARD["longitude"])
RECYCLER_OK = 'Recycler: the "Drop-off" address is 0 m from the accredited address; GPS 30 m away.'


def _away(origin: tuple[float, float], metres: float, azimuth: float = 37.0) -> tuple[float, float]:
    point = Geodesic.WGS84.Direct(origin[0], origin[1], azimuth, metres)
    return point["lat2"], point["lon2"]


def _generator_facility(metres: float, **text: Any) -> list[b.DocumentRequest]:
    """The Waste Generator accredited at a facility ``metres`` away from the pick-up address."""
    lat, lon = _away(SITE, metres)
    facility = {**b.GENERATOR_SITE, "latitude": lat, "longitude": lon, **text}
    return b.replace_accreditation(b.accreditation("Waste Generator", b.GENERATOR, facility))


def _without_pick_up_gps() -> b.DocumentRequest:
    return b.mass_id().unset("Pick-up", "Captured GPS Latitude").unset("Pick-up", "Captured GPS Longitude")


def _run(mass: b.DocumentRequest, accredited: list[b.DocumentRequest]) -> tuple[str, str]:
    outcome = RULE(b.graph(mass, accredited=accredited))
    return outcome.result, outcome.message


def test_reference_pick_up_and_drop_off_are_at_their_facilities() -> None:
    outcome = RULE(b.graph())
    assert (outcome.result, outcome.message) == (
        "PASSED",
        'Waste Generator: the "Pick-up" address is 0 m from the accredited address; GPS 46 m away; '
        + RECYCLER_OK,
    )
    assert [e["actorType"] for e in outcome.details["events"]] == ["Waste Generator", "Recycler"]


@pytest.mark.parametrize(
    ("metres", "text", "result", "message"),
    [
        (
            2000,
            {},
            "PASSED",
            'Waste Generator: the "Pick-up" address is 2000 m from the accredited address; no GPS captured; ',
        ),
        (
            2001,
            {},
            "PASSED",
            'Waste Generator: the "Pick-up" address is 2001 m from the accredited address (same state, '
            "similar "
            "address); no GPS captured; ",
        ),
        (
            2001,
            {"street": "Avenida Brigadeiro Faria Lima"},
            "FAILED",
            'Waste Generator: the "Pick-up" address is 2001 m from the accredited address and "Rua das '
            "Colinas 500 "
            'São Paulo" is not similar enough to the accredited "Avenida Brigadeiro Faria Lima 500 São '
            'Paulo" '
            "(similarity 0.4571 is below 0.75).",
        ),
        (
            30000,
            {},
            "PASSED",
            'Waste Generator: the "Pick-up" address is 30000 m from the accredited address (same state, '
            "similar "
            "address); no GPS captured; ",
        ),
        (
            30001,
            {},
            "FAILED",
            'Waste Generator: the "Pick-up" address is 30001 m from the accredited address, beyond 30000 m.',
        ),
        (
            # Dice 2·28 / (28 + 46) = 0.7567: similar enough.
            10000,
            {"city": "São Paulo abcdefghijklmnopq"},
            "PASSED",
            'Waste Generator: the "Pick-up" address is 10000 m from the accredited address (same state, '
            "similar "
            "address); no GPS captured; ",
        ),
        (
            # One letter more: 2·28 / (28 + 47) = 0.7466.
            10000,
            {"city": "São Paulo abcdefghijklmnopqr"},
            "FAILED",
            'Waste Generator: the "Pick-up" address is 10000 m from the accredited address and "Rua das '
            "Colinas 500 "
            'São Paulo" is not similar enough to the accredited "Rua das Colinas 500 São Paulo '
            'abcdefghijklmnopqr" '
            "(similarity 0.7466 is below 0.75).",
        ),
        (
            10000,
            {"number": "502"},
            "FAILED",
            'Waste Generator: the "Pick-up" address is 10000 m from the accredited address and its street '
            "number "
            'differs from the accredited address ("Rua das Colinas 500 São Paulo" vs "Rua das Colinas 502 '
            'São Paulo").',
        ),
        (
            10000,
            {"countryState": "RJ"},
            "FAILED",
            'Waste Generator: the "Pick-up" address is 10000 m from the accredited address and its '
            "country/state "
            "(BR/SP) differs from the accredited (BR/RJ).",
        ),
        (
            # Abbreviations ("R." for "Rua") and accents do not matter.
            10000,
            {"street": "R. das Colinas", "city": "Sao Paulo"},
            "PASSED",
            'Waste Generator: the "Pick-up" address is 10000 m from the accredited address (same state, '
            "similar "
            "address); no GPS captured; ",
        ),
    ],
)
def test_event_address_distance_and_similarity(metres: int, text: dict, result: str, message: str) -> None:
    expected = message + RECYCLER_OK if result == "PASSED" else message
    assert _run(_without_pick_up_gps(), _generator_facility(metres, **text)) == (result, expected)


@pytest.mark.parametrize(
    ("metres", "result", "message"),
    [
        (
            2000,
            "PASSED",
            'Waste Generator: the "Pick-up" address is 0 m from the accredited address; GPS 2000 m away; '
            + RECYCLER_OK,
        ),
        (
            2001,
            "FAILED",
            'Waste Generator: the GPS location captured at the "Pick-up" event is 2001 m from the '
            "accredited address, "
            "beyond 2000 m.",
        ),
    ],
)
def test_captured_gps_distance(metres: int, result: str, message: str) -> None:
    lat, lon = _away(SITE, metres, azimuth=200)
    mass = (
        b.mass_id().set("Pick-up", "Captured GPS Latitude", lat).set("Pick-up", "Captured GPS Longitude", lon)
    )
    assert _run(mass, b.accreditations()) == (result, message)


def test_half_sent_gps_fails() -> None:
    mass = b.mass_id().unset("Pick-up", "Captured GPS Longitude")
    assert _run(mass, b.accreditations()) == (
        "FAILED",
        'Waste Generator: "Captured GPS Latitude" and "Captured GPS Longitude" of the "Pick-up" event must '
        "both be "
        "valid coordinates.",
    )


def _gps_exception(attribute: str, valid_until: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {
        "Attribute Location": {"Asset": {"Category": "MassID"}, "Event": "Drop-off"},
        "Attribute Name": attribute,
        "Exception Type": "Exemption for Mandatory Attribute",
        "Reason": "GPS unavailable inside the shed",
    }
    if valid_until:
        item["Valid Until"] = valid_until
    return item


@pytest.mark.parametrize(
    ("exceptions", "result", "message"),
    [
        (
            [_gps_exception("Captured GPS Latitude"), _gps_exception("Captured GPS Longitude")],
            "PASSED",
            'Recycler: the "Drop-off" address is 0 m from the accredited address; GPS check waived by an '
            "approved "
            "exception.",
        ),
        (
            [_gps_exception("Captured GPS Latitude")],
            "FAILED",
            'Recycler: the GPS location captured at the "Drop-off" event is 5000 m from the accredited '
            "address, "
            "beyond 2000 m.",
        ),
        (
            [
                _gps_exception("Captured GPS Latitude", "2025-06-30T23:59:59Z"),
                _gps_exception("Captured GPS Longitude", "2025-06-30T23:59:59Z"),
            ],
            "FAILED",
            'Recycler: the GPS location captured at the "Drop-off" event is 5000 m from the accredited '
            "address, "
            "beyond 2000 m.",
        ),
    ],
)
def test_recycler_gps_exception(exceptions: list, result: str, message: str) -> None:
    lat, lon = _away(YARD, 5000)
    mass = (
        b.mass_id()
        .set("Drop-off", "Captured GPS Latitude", lat)
        .set("Drop-off", "Captured GPS Longitude", lon)
    )
    accredited = b.replace_accreditation(b.recycler_accreditation(exceptions=exceptions))
    result_, message_ = _run(mass, accredited)
    assert result_ == result
    assert message_.endswith(message)


def test_waste_generator_without_accreditation_is_not_located() -> None:
    accredited = [a for a in b.accreditations() if a.body["subtype"] != "Waste Generator"]
    assert _run(b.mass_id(), accredited) == (
        "PASSED",
        "Waste Generator: no accredited facility address, location not checked; " + RECYCLER_OK,
    )


def test_recycler_accreditation_needs_a_facility_address() -> None:
    recycler = b.recycler_accreditation().drop("Facility Address")
    assert _run(b.mass_id(), b.replace_accreditation(recycler)) == (
        "FAILED",
        'Recycler: the accreditation has no "Facility Address" event with an address.',
    )


def test_recycler_without_valid_accreditation_fails() -> None:
    recycler = b.recycler_accreditation(status="Rejected")
    assert _run(b.mass_id(), b.replace_accreditation(recycler)) == (
        "FAILED",
        'Recycler: no valid Recycler accreditation to locate the "Drop-off" event.',
    )


def test_second_pick_up_belongs_to_the_processor() -> None:
    mass = b.mass_id()
    second = b.event("Pick-up", "2025-03-10T14:05:00Z", participant=b.PROCESSOR, address=b.PROCESSOR_SITE)
    mass.events.insert(mass.events.index(mass.one("Drop-off")), second)
    outcome = RULE(b.graph(mass))
    assert outcome.result == "PASSED"
    assert [e["actorType"] for e in outcome.details["events"]] == ["Waste Generator", "Processor", "Recycler"]
    assert (
        'Processor: the "Pick-up" address is 0 m from the accredited address; no GPS captured'
        in outcome.message
    )


def test_event_address_without_coordinates_is_compared_by_text() -> None:
    mass = _without_pick_up_gps()
    site = {k: v for k, v in b.GENERATOR_SITE.items() if k not in ("latitude", "longitude")}
    mass.one("Pick-up")["address"] = site
    result, message = _run(mass, b.accreditations())
    assert (result, message.split(";")[0]) == (
        "PASSED",
        'Waste Generator: the "Pick-up" address is without coordinates (same state, similar address)',
    )
