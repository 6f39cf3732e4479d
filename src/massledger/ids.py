"""Identifier and timestamp helpers shared by every domain."""

from __future__ import annotations

import secrets
import time
import uuid
from datetime import UTC, datetime

_NANOID_ALPHABET = "_-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def nanoid(size: int = 21) -> str:
    """A URL-safe random id; 64 symbols, so masking a random byte keeps it uniform."""
    return "".join(_NANOID_ALPHABET[b & 63] for b in secrets.token_bytes(size))


def new_uuid() -> str:
    return str(uuid.uuid4())


def now_us() -> int:
    return time.time_ns() // 1000


def datetime_to_us(value: datetime) -> int:
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def us_to_datetime(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1_000_000, tz=UTC)


def format_timestamp(value: datetime) -> str:
    """ISO-8601 in UTC with a Z suffix; milliseconds unless finer precision was given."""
    utc = value.astimezone(UTC)
    fraction = f"{utc.microsecond:06d}" if utc.microsecond % 1000 else f"{utc.microsecond // 1000:03d}"
    date = f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}"
    return f"{date}T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}.{fraction}Z"


def us_to_iso(value: int) -> str:
    return format_timestamp(us_to_datetime(value))


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
