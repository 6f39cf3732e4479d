"""Canonical JSON and the hash chain primitive used by documents and the ledger."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson


def canonical_json(value: Any) -> bytes:
    """Deterministic bytes: sorted keys, no whitespace. Values must already be JSON types."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def chain_hash(previous_hash: str, body: bytes) -> str:
    """sha256(previous hash ‖ newline ‖ sha256(body)), hex. Editing any link breaks every later one.

    Linking the body's digest (not the body) lets a public verifier check a whole chain from digests
    alone, while private records stay undisclosed: :func:`link_hash` recomputes a link from a digest."""
    return link_hash(previous_hash, sha256_hex(body))


def link_hash(previous_hash: str, body_digest: str) -> str:
    return hashlib.sha256(previous_hash.encode() + b"\n" + body_digest.encode()).hexdigest()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
