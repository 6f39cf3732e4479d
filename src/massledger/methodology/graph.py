"""A typed, immutable model of the documents an audit reads, parsed once from the API's JSON view.

Input is the shape of ``GET /documents/{id}`` (``traceability/render.py``). Parsing never raises on a
malformed document: a missing, null or mistyped field becomes ``None`` (or an empty tuple), and the
rule that needs it fails with a message. Where integrators are known to send variants (carrot.md §10)
parsing is tolerant: timestamps with any UTC offset, ``null`` and absent alike, numbers as JSON numbers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any

from massledger.methodology import constants as c

_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_NUMBER = Decimal(10) ** 18


def parse_timestamp(value: Any) -> datetime | None:
    """An ISO-8601 date-time **with** an offset (``Z`` or ``±hh:mm``) as an aware UTC datetime, else None.
    Offset-less values are refused: their instant is unknown."""
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo is not None else None
    if not isinstance(value, str) or not _ISO_DATETIME.match(value.strip()):
        return None
    text = value.strip().replace("z", "Z")
    fraction = re.search(r"\.(\d+)", text)
    if fraction and len(fraction.group(1)) > 6:  # fromisoformat takes at most microseconds
        text = text.replace(fraction.group(0), "." + fraction.group(1)[:6])
    try:
        return datetime.fromisoformat(text).astimezone(UTC)
    except ValueError:
        return None


def parse_date(value: Any) -> date | None:
    """A calendar date ``YYYY-MM-DD`` (the ``DATE`` attribute format), else None."""
    if not isinstance(value, str) or not _ISO_DATE.match(value.strip()):
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def parse_number(value: Any) -> Decimal | None:
    """A finite JSON number as an exact decimal (floats through their shortest repr), else None.
    Strings and booleans are not numbers (the data-format guide: numbers as numbers)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        return None
    # Beyond the API's own range for masses (24 digits, 6 decimals) a number is not a plausible measure.
    return number if number.is_finite() and abs(number) < MAX_NUMBER else None


def _text(value: Any) -> str | None:
    """A non-blank string, stripped; anything else is None."""
    if isinstance(value, str):
        return value.strip() or None
    return None


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _is_mapping(value: Any) -> bool:
    # Views are plain dicts: the exact type check spares the ABC instance check on the hot path.
    return type(value) is dict or isinstance(value, Mapping)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if _is_mapping(value) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _coordinate(value: Any, limit: int) -> float | None:
    number = parse_number(value)
    if number is None or abs(number) > limit:
        return None
    return float(number)


@dataclass(frozen=True)
class Participant:
    id: str | None
    name: str | None = None
    country_code: str | None = None
    tax_id: str | None = None
    tax_id_type: str | None = None
    type: str | None = None
    business_name: str | None = None

    @classmethod
    def from_view(cls, view: Any) -> Participant | None:
        if not _is_mapping(view):
            return None
        return cls(
            id=_text(view.get("id")),
            name=_text(view.get("name")),
            country_code=_text(view.get("countryCode")),
            tax_id=_text(view.get("taxId")),
            tax_id_type=_text(view.get("taxIdType")),
            type=_text(view.get("type")),
            business_name=_text(view.get("businessName")),
        )


@dataclass(frozen=True)
class Address:
    id: str | None
    street: str | None = None
    number: str | None = None
    city: str | None = None
    country_state: str | None = None
    country_code: str | None = None
    name: str | None = None
    neighborhood: str | None = None
    zip_code: str | None = None
    latitude: float | None = None
    longitude: float | None = None

    @classmethod
    def from_view(cls, view: Any) -> Address | None:
        if not _is_mapping(view):
            return None
        number = view.get("number")
        return cls(
            id=_text(view.get("id")),
            street=_text(view.get("street")),
            number=_text(str(number))
            if isinstance(number, (str, int)) and not isinstance(number, bool)
            else None,
            city=_text(view.get("city")),
            country_state=_text(view.get("countryState")),
            country_code=_text(view.get("countryCode")),
            name=_text(view.get("name")),
            neighborhood=_text(view.get("neighborhood")),
            zip_code=_text(view.get("zipCode")),
            latitude=_coordinate(view.get("latitude"), 90),
            longitude=_coordinate(view.get("longitude"), 180),
        )

    @property
    def coordinates(self) -> tuple[float, float] | None:
        if self.latitude is None or self.longitude is None:
            return None
        return self.latitude, self.longitude

    @property
    def text(self) -> str:
        """Street, number and city: the part of an address compared by similarity."""
        return " ".join(part for part in (self.street, self.number, self.city) if part)


@dataclass(frozen=True)
class Attribute:
    name: str
    value: Any
    is_public: bool | None = None
    format: str | None = None
    sensitive: bool = False


@dataclass(frozen=True)
class Attachment:
    label: str | None
    file_name: str | None = None
    attachment_id: str | None = None


@dataclass(frozen=True)
class RelatedDocument:
    document_id: str | None
    category: str | None = None
    type: str | None = None
    subtype: str | None = None


@dataclass(frozen=True)
class Event:
    """One event of a document. ``index`` is its position in the document's list."""

    index: int
    id: str | None
    name: str | None
    label: str | None = None
    external_created_at: datetime | None = None
    is_public: bool | None = None
    value: Decimal | None = None
    raw_value: Any = None
    participant: Participant | None = None
    address: Address | None = None
    attributes: tuple[Attribute, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    related_document: RelatedDocument | None = None
    preserve_sensitive_data: bool | None = None

    @classmethod
    def from_view(cls, index: int, view: Any) -> Event:
        view = _mapping(view)
        attributes = []
        for item in _list(_mapping(view.get("metadata")).get("attributes")):
            if _is_mapping(item) and _text(item.get("name")):
                attributes.append(
                    Attribute(
                        name=str(item["name"]).strip(),
                        value=item.get("value"),
                        is_public=_bool(item.get("isPublic")),
                        format=_text(item.get("format")),
                        sensitive=bool(item.get("sensitive") is True or item.get("sensible") is True),
                    )
                )
        attachments = [
            Attachment(
                label=_text(item.get("label")),
                file_name=_text(item.get("fileName")),
                attachment_id=_text(item.get("attachmentId")),
            )
            for item in _list(view.get("attachments"))
            if _is_mapping(item)
        ]
        related = view.get("relatedDocument")
        return cls(
            index=index,
            id=_text(view.get("id")),
            name=_text(view.get("name")),
            label=_text(view.get("label")),
            external_created_at=parse_timestamp(view.get("externalCreatedAt")),
            is_public=_bool(view.get("isPublic")),
            value=parse_number(view.get("value")),
            raw_value=view.get("value"),
            participant=Participant.from_view(view.get("participant")),
            address=Address.from_view(view.get("address")),
            attributes=tuple(attributes),
            attachments=tuple(attachments),
            related_document=(
                RelatedDocument(
                    document_id=_text(related.get("documentId")),
                    category=_text(related.get("category")),
                    type=_text(related.get("type")),
                    subtype=_text(related.get("subtype")),
                )
                if isinstance(related, Mapping)
                else None
            ),
            preserve_sensitive_data=_bool(view.get("preserveSensitiveData")),
        )

    def attribute(self, name: str) -> Attribute | None:
        """The first attribute with this exact name."""
        return next((attribute for attribute in self.attributes if attribute.name == name), None)

    def has(self, name: str) -> bool:
        """The attribute is present with a value other than null or a blank string."""
        attribute = self.attribute(name)
        if attribute is None or attribute.value is None:
            return False
        return not (isinstance(attribute.value, str) and not attribute.value.strip())

    def value_of(self, name: str) -> Any:
        attribute = self.attribute(name)
        return None if attribute is None else attribute.value

    def text(self, name: str) -> str | None:
        """The attribute as a non-blank string; numbers count as text (identifiers may be numeric)."""
        value = self.value_of(name)
        if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            return str(value)
        return _text(value)

    def number(self, name: str) -> Decimal | None:
        return parse_number(self.value_of(name))

    @property
    def participant_id(self) -> str | None:
        return self.participant.id if self.participant else None

    @property
    def address_id(self) -> str | None:
        return self.address.id if self.address else None

    @property
    def sort_key(self) -> tuple[datetime, int]:
        """Chronological order: by externalCreatedAt, then position; undated events last."""
        return (self.external_created_at or datetime.max.replace(tzinfo=UTC), self.index)


@dataclass(frozen=True)
class Document:
    id: str | None
    category: str | None = None
    type: str | None = None
    subtype: str | None = None
    status: str | None = None
    current_value: Decimal | None = None
    raw_current_value: Any = None
    measurement_unit: str | None = None
    external_created_at: datetime | None = None
    parent_document_id: str | None = None
    data_set_name: str | None = None
    participant: Participant | None = None
    address: Address | None = None
    events: tuple[Event, ...] = ()

    @classmethod
    def from_view(cls, view: Any) -> Document:
        """Parse a ``GET /documents/{id}`` body (``events`` or the stored ``externalEvents``)."""
        view = _mapping(view)
        events = view.get("events") if "events" in view else view.get("externalEvents")
        participant = view.get("primaryParticipant") or view.get("participant")
        address = view.get("primaryAddress") or view.get("address")
        return cls(
            id=_text(view.get("id")),
            category=_text(view.get("category")),
            type=_text(view.get("type")),
            subtype=_text(view.get("subtype")),
            status=_text(view.get("status")),
            current_value=parse_number(view.get("currentValue")),
            raw_current_value=view.get("currentValue"),
            measurement_unit=_text(view.get("measurementUnit")),
            external_created_at=parse_timestamp(view.get("externalCreatedAt")),
            parent_document_id=_text(view.get("parentDocumentId")),
            data_set_name=_text(view.get("dataSetName")),
            participant=Participant.from_view(participant),
            address=Address.from_view(address),
            events=tuple(Event.from_view(index, item) for index, item in enumerate(_list(events))),
        )

    @property
    def is_cancelled(self) -> bool:
        return self.status == c.CANCELLED

    @property
    def participant_id(self) -> str | None:
        return self.participant.id if self.participant else None

    @cached_property
    def _events_by_name(self) -> dict[str | None, tuple[Event, ...]]:
        """Grouped once: the rules ask for events by name about fifty times per evaluation."""
        grouped: dict[str | None, list[Event]] = {}
        for event in sorted(self.events, key=lambda e: e.sort_key):
            grouped.setdefault(event.name, []).append(event)
        return {name: tuple(events) for name, events in grouped.items()}

    def events_named(self, name: str) -> tuple[Event, ...]:
        """Events with this exact name, in chronological order (timestamp, then position)."""
        return self._events_by_name.get(name, ())

    def first(self, name: str) -> Event | None:
        events = self.events_named(name)
        return events[0] if events else None

    def last(self, name: str) -> Event | None:
        events = self.events_named(name)
        return events[-1] if events else None

    def actors(self, role: str) -> tuple[Event, ...]:
        """ACTOR events with this label (role), in chronological order."""
        return tuple(e for e in self.events_named(c.ACTOR) if e.label == role)

    def actor(self, role: str) -> Event | None:
        actors = self.actors(role)
        return actors[0] if actors else None

    def is_a(self, category: str, type_: str, subtype: str | None = None) -> bool:
        return (
            self.category == category and self.type == type_ and (subtype is None or self.subtype == subtype)
        )


def _as_document(item: Document | Mapping[str, Any]) -> Document:
    return item if isinstance(item, Document) else Document.from_view(item)


@dataclass(frozen=True)
class DocumentGraph:
    """Everything a MassID audit reads, and nothing else (docs/methodology.md "The graph loader").

    - ``mass_id``: the MassID under audit.
    - ``now``: the audit time (aware); project period and accreditation validity are judged at it.
    - ``accreditations``: the Participant Accreditation documents (category Methodology) of every
      participant named by an ACTOR event of the MassID, any role, cancelled ones included.
    - ``definition``: the methodology's Definition document, if any (methodology ACTORs for rewards).
    - ``audits``: the MassID Audit documents whose parent is this MassID (any methodology).
    - ``current_audit_id``: the audit being run, if it already exists; it is not a conflict with itself.
    - ``certificates``: RecycledID and GasID documents whose parent is one of ``audits`` or that a
      RELATED event links to the MassID.
    - ``duplicate_candidates``: other MassIDs that may record the same mass; the uniqueness rule decides.
    - ``outstanding_credits``: for each cancelled certificate, the kilograms of the credits minted from it
      that were not cancelled in the registry (held, in a buffer or retired). A cancelled certificate frees
      the MassID only when this is 0, so the same mass is never credited twice.
    """

    mass_id: Document
    now: datetime
    accreditations: tuple[Document, ...] = ()
    definition: Document | None = None
    audits: tuple[Document, ...] = ()
    current_audit_id: str | None = None
    certificates: tuple[Document, ...] = ()
    duplicate_candidates: tuple[Document, ...] = field(default=())
    outstanding_credits: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.now.tzinfo is None:
            raise ValueError("DocumentGraph.now must be timezone-aware")

    @classmethod
    def from_views(
        cls,
        mass_id: Document | Mapping[str, Any],
        now: datetime,
        *,
        accreditations: Iterable[Document | Mapping[str, Any]] = (),
        definition: Document | Mapping[str, Any] | None = None,
        audits: Iterable[Document | Mapping[str, Any]] = (),
        current_audit_id: str | None = None,
        certificates: Iterable[Document | Mapping[str, Any]] = (),
        duplicate_candidates: Iterable[Document | Mapping[str, Any]] = (),
        outstanding_credits: Mapping[str, int] | None = None,
    ) -> DocumentGraph:
        """Build a graph from ``GET /documents/{id}`` bodies (or already parsed documents)."""
        return cls(
            mass_id=_as_document(mass_id),
            now=now.astimezone(UTC),
            accreditations=tuple(map(_as_document, accreditations)),
            definition=None if definition is None else _as_document(definition),
            audits=tuple(map(_as_document, audits)),
            current_audit_id=current_audit_id,
            certificates=tuple(map(_as_document, certificates)),
            duplicate_candidates=tuple(map(_as_document, duplicate_candidates)),
            outstanding_credits=dict(outstanding_credits or {}),
        )

    @cached_property
    def _accreditations_by_key(self) -> dict[tuple[str | None, str | None], tuple[Document, ...]]:
        index: dict[tuple[str | None, str | None], list[Document]] = {}
        for document in self.accreditations:
            if document.is_a(c.METHODOLOGY, c.PARTICIPANT_ACCREDITATION) and not document.is_cancelled:
                index.setdefault((document.participant_id, document.subtype), []).append(document)
        return {key: tuple(value) for key, value in index.items()}

    def accreditations_of(self, participant_id: str | None, role: str) -> tuple[Document, ...]:
        """Non-cancelled accreditation documents of this participant for this role."""
        if participant_id is None:
            return ()
        return self._accreditations_by_key.get((participant_id, role), ())

    def any_accreditation_of(self, participant_id: str | None) -> bool:
        return any(pid == participant_id for pid, _ in self._accreditations_by_key if pid is not None)
