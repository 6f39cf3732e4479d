"""Participants and addresses: inline objects resolve to one row per identity within a data set.

Rows are immutable once written and ids are random UUIDs, so rendered objects are cached in-process
(bounded) and documents render without a query per participant."""

from __future__ import annotations

import re
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from contextlib import suppress
from typing import Any

import orjson
from sqlalchemy import Connection, select, update

from massledger.canonical import canonical_json, sha256_hex
from massledger.db import raw
from massledger.db.sql import insert_ignore
from massledger.ids import new_uuid, now_us
from massledger.traceability.tables import addresses, participants

_ORG_PARTICIPANT_NAMESPACE = uuid.UUID("6f1c3a52-8d0e-4c5b-9f7a-2b1d9e0c4a11")
_CACHE_LIMIT = 100_000


class _Lru:
    def __init__(self) -> None:
        self._items: OrderedDict[str, tuple[str, dict[str, Any]]] = OrderedDict()

    def get(self, key: str) -> tuple[str, dict[str, Any]] | None:
        item = self._items.get(key)
        if item is not None:
            # Dropped meanwhile by another thread? (PostgreSQL handlers run in threads.)
            with suppress(KeyError):
                self._items.move_to_end(key)
        return item

    def put(self, key: str, data_set: str, body: dict[str, Any]) -> None:
        self._items[key] = (data_set, body)
        if len(self._items) > _CACHE_LIMIT:
            self._items.popitem(last=False)


_participant_cache = _Lru()
_address_cache = _Lru()


def _clean(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if value is not None}


def resolve_participant(conn: Connection, data_set: str, body: dict[str, Any]) -> str:
    """The id of the participant with this (countryCode, taxIdType, taxId) in the data set, created if new.
    An existing participant keeps the data it was first registered with."""
    body = _clean(body)
    key = (body.get("countryCode"), body.get("taxIdType"), body.get("taxId"))
    found = _find_participant(conn, data_set, *key)
    if found:
        return found
    insert_ignore(
        conn,
        participants,
        {
            "id": new_uuid(),
            "data_set": data_set,
            "organization_id": None,
            "country_code": key[0],
            "tax_id_type": key[1],
            "tax_id": key[2],
            "body": canonical_json(body).decode(),
            "created_at_us": now_us(),
        },
        ["data_set", "country_code", "tax_id_type", "tax_id"],
    )
    found = _find_participant(conn, data_set, *key)
    assert found is not None
    return found


_FIND_PARTICIPANT = raw.Sql(
    "SELECT id FROM participants WHERE data_set = :data_set AND country_code = :country"
    " AND tax_id_type = :tax_id_type AND tax_id = :tax_id"
)
_FIND_ADDRESS = raw.Sql(
    "SELECT id FROM addresses WHERE data_set = :data_set AND content_hash = :content_hash"
)


def _find_participant(
    conn: Connection, data_set: str, country: Any, tax_id_type: Any, tax_id: Any
) -> str | None:
    row = raw.fetch_one(
        conn,
        _FIND_PARTICIPANT,
        {"data_set": data_set, "country": country, "tax_id_type": tax_id_type, "tax_id": tax_id},
    )
    return str(row[0]) if row else None


def ensure_organization_participant(
    conn: Connection, organization_id: str, data_set: str, identity: dict[str, Any]
) -> str:
    """The organization's own participant in a data set. With a tax id it takes over an existing
    unclaimed participant of that identity, so documents already naming it keep pointing at it."""
    identity = _clean(identity)
    if identity.get("taxId") and identity.get("taxIdType"):
        existing = conn.execute(
            select(participants.c.id, participants.c.organization_id).where(
                participants.c.data_set == data_set,
                participants.c.country_code == identity.get("countryCode"),
                participants.c.tax_id_type == identity["taxIdType"],
                participants.c.tax_id == identity["taxId"],
            )
        ).first()
        if existing is not None and existing.organization_id is None:
            conn.execute(
                update(participants)
                .where(participants.c.id == existing.id)
                .values(organization_id=organization_id)
            )
            return str(existing.id)
        if existing is not None:
            identity = {k: v for k, v in identity.items() if k not in ("taxId", "taxIdType")}
    participant_id = str(uuid.uuid5(_ORG_PARTICIPANT_NAMESPACE, f"{organization_id}:{data_set}"))
    has_tax = bool(identity.get("taxId") and identity.get("taxIdType"))
    conn.execute(
        participants.insert().values(
            id=participant_id,
            data_set=data_set,
            organization_id=organization_id,
            country_code=identity.get("countryCode"),
            tax_id_type=identity.get("taxIdType") if has_tax else None,
            tax_id=identity.get("taxId") if has_tax else None,
            body=canonical_json(identity).decode(),
            created_at_us=now_us(),
        )
    )
    return participant_id


def organization_participant_id(conn: Connection, organization_id: str, data_set: str) -> str | None:
    query = select(participants.c.id).where(
        participants.c.organization_id == organization_id, participants.c.data_set == data_set
    )
    return conn.execute(query).scalar()


_SPACES = re.compile(r"\s+")


def _normalize_text(value: Any) -> Any:
    return _SPACES.sub(" ", value).strip() if isinstance(value, str) else value


def resolve_address(conn: Connection, data_set: str, body: dict[str, Any]) -> str:
    """One address row per normalized content (whitespace and case insensitive) within a data set."""
    body = _clean({key: _normalize_text(value) for key, value in body.items()})
    fingerprint = {k: (v.casefold() if isinstance(v, str) else v) for k, v in body.items()}
    content_hash = sha256_hex(canonical_json(fingerprint))
    key = {"data_set": data_set, "content_hash": content_hash}
    found = raw.fetch_one(conn, _FIND_ADDRESS, key)
    if found:
        return str(found[0])
    insert_ignore(
        conn,
        addresses,
        {
            "id": new_uuid(),
            "data_set": data_set,
            "content_hash": content_hash,
            "body": canonical_json(body).decode(),
            "created_at_us": now_us(),
        },
        ["data_set", "content_hash"],
    )
    again = raw.fetch_one(conn, _FIND_ADDRESS, key)
    assert again is not None
    return str(again[0])


def load_participants(conn: Connection, ids: Iterable[str]) -> dict[str, tuple[str, dict[str, Any]]]:
    """id → (data set, participant object with its id)."""
    return _load(conn, ids, _participant_cache, participants)


def load_addresses(conn: Connection, ids: Iterable[str]) -> dict[str, tuple[str, dict[str, Any]]]:
    return _load(conn, ids, _address_cache, addresses)


def _load(
    conn: Connection, ids: Iterable[str], cache: _Lru, table: Any
) -> dict[str, tuple[str, dict[str, Any]]]:
    result: dict[str, tuple[str, dict[str, Any]]] = {}
    missing: list[str] = []
    for item_id in set(ids):
        cached = cache.get(item_id)
        if cached is None:
            missing.append(item_id)
        else:
            result[item_id] = cached
    if missing:
        rows = conn.execute(select(table.c.id, table.c.data_set, table.c.body).where(table.c.id.in_(missing)))
        for row in rows:
            body = {"id": row.id, **orjson.loads(row.body)}
            cache.put(row.id, row.data_set, body)
            result[row.id] = (row.data_set, body)
    return result
