"""The BOLD reference tables shipped as package data (``methodology/data/*.json``), loaded once.

The JSON files are copies of ``shared/data`` (values read from carrot-foundation/methodology-rules);
each keeps its ``source`` field. Numbers are read as :class:`~decimal.Decimal` so factors and shares
stay exact."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any


@cache
def load_table(name: str) -> Any:
    """A data file parsed with decimals for every non-integer number (cached per process)."""
    text = resources.files("massledger.methodology").joinpath("data", name).read_text(encoding="utf-8")
    return json.loads(text, parse_float=Decimal)


def _enums() -> dict[str, Any]:
    return load_table("bold-enums.json")  # type: ignore[no-any-return]


def enum_values(name: str) -> tuple[str, ...]:
    """The values of one enumeration of ``bold-enums.json`` (e.g. ``"BoldVehicleType"``)."""
    values = _enums()["enums"][name]["values"]
    return tuple(values.values() if isinstance(values, dict) else values)


def threshold(name: str) -> Decimal:
    """A numeric threshold of ``bold-enums.json`` by its name (e.g. ``"DISTANCE_THRESHOLD_PASS"``)."""
    for entry in _enums()["thresholds"]:
        if entry["name"] == name:
            return Decimal(entry["value"])
    raise KeyError(name)


def vehicle_rule(name: str) -> frozenset[str]:
    """A vehicle-type set of ``vehicleRules`` (e.g. ``"vehicleTypesWithoutLicensePlate"``)."""
    return frozenset(_enums()["vehicleRules"][name]["values"])


def plate_patterns() -> tuple[re.Pattern[str], tuple[re.Pattern[str], ...]]:
    """(separator pattern, accepted plate patterns: Mercosul, legacy, short)."""
    plates = _enums()["licensePlate"]
    regexes = plates["regexes"]
    accepted = tuple(re.compile(regexes[name]["pattern"]) for name in plates["validWhenAnyMatches"])
    return re.compile(regexes["PLATE_SEPARATORS"]["pattern"]), accepted


@dataclass(frozen=True)
class WasteCode:
    code: str
    description: str
    cdm_code: str


def compact_code(code: str) -> str:
    """Waste codes compare with all whitespace removed ("200108" equals "20 01 08")."""
    return re.sub(r"\s+", "", code)


@cache
def waste_codes() -> MappingProxyType[str, WasteCode]:
    """The 214 Ibama codes keyed by their compact form."""
    table = load_table("br-waste-classification.json")
    return MappingProxyType(
        {
            compact_code(item["code"]): WasteCode(item["code"], item["description"], item["cdmCode"])
            for item in table["codes"]
        }
    )


@cache
def subtype_cdm_codes() -> MappingProxyType[str, str]:
    return MappingProxyType(dict(load_table("br-waste-classification.json")["subtypeToCdmCode"]))


@cache
def static_emission_factors() -> MappingProxyType[str, MappingProxyType[str, Decimal]]:
    """subtype → baseline → t CO2e prevented per t of waste."""
    table = load_table("bold-carbon-emission-factors.json")["staticFactorsBySubtypeAndBaseline"]
    return MappingProxyType({subtype: MappingProxyType(dict(row)) for subtype, row in table.items()})


@dataclass(frozen=True)
class LinearFactor:
    slope: Decimal
    intercept: Decimal


@cache
def others_if_organic() -> tuple[MappingProxyType[str, LinearFactor], MappingProxyType[str, Decimal]]:
    """("Others (if organic)") per-baseline slope/intercept, and author carbon fractions per compact code."""
    table = load_table("bold-carbon-emission-factors.json")["othersIfOrganic"]
    coefficients = {
        baseline: LinearFactor(Decimal(row["slope"]), Decimal(row["intercept"]))
        for baseline, row in table["coefficientsByBaseline"].items()
    }
    fractions = {
        compact_code(row["code"]): Decimal(row["carbonFraction"])
        for row in table["carbonFractionByLocalWasteCode"]
    }
    return MappingProxyType(coefficients), MappingProxyType(fractions)


@cache
def reward_shares() -> dict[str, Any]:
    return load_table("bold-rewards-shares.json")  # type: ignore[no-any-return]
