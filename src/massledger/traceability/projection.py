"""The document projection as a pure fold over its event bodies. The append path and ``verify`` both use
:func:`apply_event`, so the stored projection can always be recomputed and checked."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NamedTuple

OPEN, CLOSED, CANCELLED = "OPEN", "CLOSED", "CANCELLED"
# After CLOSE only relation events may still be recorded (design §3).
ALLOWED_AFTER_CLOSE = frozenset({"RELATED", "LINK", "OUTPUT"})


class DocumentState(NamedTuple):
    """Immutable; a NamedTuple, not a frozen dataclass: one is built per event folded (~3× cheaper)."""

    status: str
    current_value: Decimal
    is_public: bool
    is_publicly_searchable: bool
    event_count: int
    last_event_at_us: int | None
    head_hash: str

    @classmethod
    def initial(cls, creation: dict[str, Any], genesis_hash: str) -> DocumentState:
        return cls(
            status=OPEN,
            current_value=Decimal(creation.get("currentValue", "0")),
            is_public=bool(creation["isPublic"]),
            is_publicly_searchable=bool(creation["isPubliclySearchable"]),
            event_count=0,
            last_event_at_us=None,
            head_hash=genesis_hash,
        )


def apply_event(
    state: DocumentState, body: dict[str, Any], external_created_at_us: int, hash_: str
) -> DocumentState:
    """Fold one stored event into the state. Validation happens before; this only computes."""
    name = body["name"]
    status = state.status
    current_value = state.current_value
    is_public = state.is_public
    is_publicly_searchable = state.is_publicly_searchable
    if body.get("value") is not None:
        current_value = Decimal(body["value"])
    if name == "CLOSE":
        status = CLOSED
    elif name == "CANCEL":
        status = CANCELLED
    elif name == "UPDATE":
        updates = body.get("updates") or {}
        is_public = bool(updates.get("isPublic", is_public))
        is_publicly_searchable = bool(updates.get("isPubliclySearchable", is_publicly_searchable))
    elif name == "SPLIT":
        current_value -= Decimal(body["target"]["value"])
    # Every field changes (event count, hash): a new state, built directly.
    return DocumentState(
        status,
        current_value,
        is_public,
        is_publicly_searchable,
        state.event_count + 1,
        external_created_at_us,
        hash_,
    )


def format_decimal(value: Decimal) -> str:
    """Plain notation without exponent or trailing zeros ("3120.48", "0")."""
    text = format(value.normalize(), "f")
    return text if text != "-0" else "0"
