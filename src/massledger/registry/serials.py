"""Names of things in the registry: the batch ``serialization`` grammar, credit ids, serial blocks and
the stable 0x addresses of accounts and projects. Pure functions; see docs/registry.md.

Serialization (one per batch, unique registry-wide)::

    ML-{country}-{project}-{batch}-{type}-{ledger}-{vintage}
    ML-BR-12-3-P-L-2024

    ML        registry code (massledger)
    country   ISO 3166-1 alpha-2 of the project
    project   project number, registry-wide, decimal without leading zeros
    batch     the batch's tokenId within its project, decimal without leading zeros
    type      P = exPost, A = exAnte
    ledger    L = live (PROD data set), T = test (TEST data set)
    vintage   four-digit year

A serial block is ``{serialization}:{first}-{last}``: units counted in kilograms, 1..supply per batch.
A credit id is ``{type}-{tokenId}-{tokenAddress}``, e.g. ``exPost-3-0x5f…``."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

from massledger.registry.ledger import Range

REGISTRY_CODE = "ML"
CREDIT_TYPES = ("exPost", "exAnte")
_TYPE_CODES = {"exPost": "P", "exAnte": "A"}
_LEDGER_CODES = {"PROD": "L", "TEST": "T"}

_SERIALIZATION = re.compile(
    r"^ML-(?P<country>[A-Z]{2})-(?P<project>[1-9][0-9]{0,17})-(?P<batch>[1-9][0-9]{0,17})"
    r"-(?P<type>[PA])-(?P<ledger>[LT])-(?P<vintage>[0-9]{4})$"
)
_BLOCK = re.compile(r"^(?P<serialization>[^:]+):(?P<first>[1-9][0-9]{0,18})-(?P<last>[1-9][0-9]{0,18})$")
_CREDIT_ID = re.compile(
    r"^(?P<type>exPost|exAnte)-(?P<token_id>[1-9][0-9]{0,17})-(?P<address>0x[0-9a-f]{40})$"
)
ADDRESS_PATTERN = r"^0x[0-9a-f]{40}$"
_ADDRESS = re.compile(ADDRESS_PATTERN)


class SerializationError(ValueError):
    pass


@dataclass(frozen=True)
class Serialization:
    country_code: str
    project_num: int
    token_id: int
    credit_type: str  # exPost | exAnte
    data_set: str  # PROD | TEST
    vintage: int

    def __str__(self) -> str:
        return (
            f"{REGISTRY_CODE}-{self.country_code}-{self.project_num}-{self.token_id}"
            f"-{_TYPE_CODES[self.credit_type]}-{_LEDGER_CODES[self.data_set]}-{self.vintage:04d}"
        )


def format_serialization(
    *, country_code: str, project_num: int, token_id: int, credit_type: str, data_set: str, vintage: int
) -> str:
    text = str(Serialization(country_code, project_num, token_id, credit_type, data_set, vintage))
    parse_serialization(text)  # refuses anything the grammar cannot read back
    return text


def parse_serialization(text: str) -> Serialization:
    match = _SERIALIZATION.match(text)
    if match is None:
        raise SerializationError(f"{text!r} is not a serialization (ML-CC-PROJECT-BATCH-P|A-L|T-YYYY)")
    types = {code: name for name, code in _TYPE_CODES.items()}
    ledgers = {code: name for name, code in _LEDGER_CODES.items()}
    return Serialization(
        country_code=match["country"],
        project_num=int(match["project"]),
        token_id=int(match["batch"]),
        credit_type=types[match["type"]],
        data_set=ledgers[match["ledger"]],
        vintage=int(match["vintage"]),
    )


def format_block(serialization: str, serial_range: Range) -> str:
    return f"{serialization}:{serial_range[0]}-{serial_range[1]}"


def parse_block(text: str) -> tuple[Serialization, Range]:
    match = _BLOCK.match(text)
    if match is None:
        raise SerializationError(f"{text!r} is not a serial block (SERIALIZATION:FIRST-LAST)")
    first, last = int(match["first"]), int(match["last"])
    if first > last:
        raise SerializationError(f"{text!r}: the first unit is after the last")
    return parse_serialization(match["serialization"]), (first, last)


# -- credit ids and addresses ---------------------------------------------------------------------------


def credit_id(credit_type: str, token_id: int, token_address: str) -> str:
    return f"{credit_type}-{token_id}-{token_address}"


def parse_credit_id(text: str) -> tuple[str, int, str] | None:
    """(type, tokenId, tokenAddress), or None when the text is not a credit id."""
    match = _CREDIT_ID.match(text)
    if match is None:
        return None
    return match["type"], int(match["token_id"]), match["address"]


def is_address(text: str) -> bool:
    return _ADDRESS.match(text) is not None


def _address(*parts: str) -> str:
    return "0x" + hashlib.sha256("\n".join(parts).encode()).hexdigest()[:40]


@lru_cache(maxsize=65_536)  # a pure function asked twice per action for the same few accounts
def account_address(organization_id: str | None, data_set: str, kind: str, name: str | None = None) -> str:
    """Stable address of an account: derived from who owns it, its ledger and what it is."""
    return _address("massledger:account:v1", organization_id or "-", data_set, kind, name or "")


def project_token_address(project_id: str) -> str:
    """The token address shared by every batch of a project (its "contract")."""
    return _address("massledger:project:v1", project_id)
