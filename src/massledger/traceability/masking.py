"""Public views (design §3, carrot.md §7): pure functions from a rendered document to what anyone may see.

- Events and metadata attributes with ``isPublic: false`` are left out, as are attachments marked private.
- Attributes marked ``sensitive`` (or ``sensible``) are masked: the first two and the last letter or digit
  stay, every other letter or digit becomes ``*``, separators stay ("ABC-1D23" → "AB*-***3"). Values with
  fewer than six letters and digits keep only their first.
- Participants' ``taxId``, ``email``, ``mobileNumber`` and ``telephoneNumber`` are always masked, wherever a
  participant appears (participant, primaryParticipant, author, every event's participant and author).
- Coordinates (addresses, and attributes named ``…Latitude``/``…Longitude``) are rounded to one decimal.
- Participants whose data is private by default — an ACTOR on the document or on one of its ancestors
  (``parentDocumentId`` chain) labels them Waste Generator or Hauler, or carries
  ``preserveSensitiveData: true`` — also get their names masked, and every address they use is reduced to
  ``id``, ``city``, ``countryState`` and ``countryCode``.
- Integration details are dropped: ``author.clientId``, events' ``deduplicationId`` and ``permissions``."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

PRIVATE_ROLES = frozenset({"waste generator", "hauler"})
CONTACT_FIELDS = ("taxId", "email", "mobileNumber", "telephoneNumber")
NAME_FIELDS = ("name", "businessName")
REDUCED_ADDRESS_FIELDS = ("id", "city", "countryState", "countryCode")
COORDINATE_FIELDS = ("latitude", "longitude")
PRIVATE_EVENT_FIELDS = ("deduplicationId", "permissions")
_SHORT = 6
_SEPARATORS = re.compile(r"[\s_-]+")


def mask_text(text: str) -> str:
    positions = [index for index, char in enumerate(text) if char.isalnum()]
    keep = set(positions[:1]) if len(positions) < _SHORT else {*positions[:2], positions[-1]}
    return "".join(char if index in keep or not char.isalnum() else "*" for index, char in enumerate(text))


def mask_value(value: Any) -> Any:
    """Strings and numbers become masked text; lists and objects are masked item by item."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (str, int, float)):
        return mask_text(str(value))
    if isinstance(value, list):
        return [mask_value(item) for item in value]
    if isinstance(value, dict):
        return {key: mask_value(item) for key, item in value.items()}
    return value


def round_coordinate(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return round(float(value), 1)
    return value


def role_key(label: str | None) -> str:
    return _SEPARATORS.sub(" ", label or "").strip().casefold()


def private_participants(events: Iterable[Mapping[str, Any]]) -> set[str]:
    """Participants whose data is private by default, from ACTOR events public or not (rendered events
    name ``participant.id``, stored ones ``participantId``)."""
    found = set()
    for event in events:
        participant_id = (event.get("participant") or {}).get("id") or event.get("participantId")
        if event.get("name") != "ACTOR" or not participant_id:
            continue
        if role_key(event.get("label")) in PRIVATE_ROLES or event.get("preserveSensitiveData"):
            found.add(participant_id)
    return found


class _Masker:
    def __init__(self, private: set[str], private_addresses: set[str]) -> None:
        self.private = private
        self.private_addresses = private_addresses

    def participant(self, participant: Mapping[str, Any] | None, participant_id: Any = None) -> Any:
        if participant is None:
            return None
        masked = dict(participant)
        fields: tuple[str, ...] = CONTACT_FIELDS
        if (participant_id or participant.get("id")) in self.private:
            fields = CONTACT_FIELDS + NAME_FIELDS
        for key in fields:
            if masked.get(key) is not None:
                masked[key] = mask_value(masked[key])
        return masked

    def author(self, author: Mapping[str, Any] | None) -> Any:
        if author is None:
            return None
        masked = self.participant(author, author.get("participantId"))
        masked.pop("clientId", None)
        return masked

    def address(self, address: Mapping[str, Any] | None) -> Any:
        if address is None:
            return None
        if address.get("id") in self.private_addresses:
            return {key: address[key] for key in REDUCED_ADDRESS_FIELDS if key in address}
        masked = dict(address)
        for key in COORDINATE_FIELDS:
            if key in masked:
                masked[key] = round_coordinate(masked[key])
        return masked

    def attribute(self, attribute: Mapping[str, Any]) -> dict[str, Any]:
        masked = dict(attribute)
        if masked.get("sensitive"):
            masked["value"] = mask_value(masked.get("value"))
        name = str(masked.get("name", "")).casefold()
        if name.endswith(COORDINATE_FIELDS):
            masked["value"] = round_coordinate(masked.get("value"))
        return masked

    def event(self, event: Mapping[str, Any]) -> dict[str, Any]:
        masked = {key: value for key, value in event.items() if key not in PRIVATE_EVENT_FIELDS}
        participant = event.get("participant")
        masked["participant"] = self.participant(participant)
        masked["address"] = self.address(event.get("address"))
        masked["author"] = self.author(event.get("author"))
        metadata = event.get("metadata") or {}
        masked["metadata"] = {
            **metadata,
            "attributes": [
                self.attribute(attribute)
                for attribute in metadata.get("attributes") or []
                if attribute.get("isPublic") is not False
            ],
        }
        masked["attachments"] = [a for a in event.get("attachments") or [] if a.get("isPublic") is not False]
        return masked


def public_view(document: Mapping[str, Any], inherited_private: Iterable[str] = ()) -> dict[str, Any]:
    """The masked copy of a rendered document (GET /documents/{id} shape) for GET /public/documents/{id}.
    ``inherited_private``: participants private on an ancestor (a SPLIT/OUTPUT child inherits the
    source's participant, whose role was declared on the source)."""
    events = document.get("events") or []
    private = private_participants(events) | set(inherited_private)
    private_addresses = set()
    participant = document.get("participant") or {}
    if participant.get("id") in private and (document.get("address") or {}).get("id"):
        private_addresses.add(document["address"]["id"])
    for event in events:
        if (event.get("participant") or {}).get("id") in private and (event.get("address") or {}).get("id"):
            private_addresses.add(event["address"]["id"])
    masker = _Masker(private, private_addresses)
    masked = dict(document)
    for key in ("participant", "primaryParticipant"):
        masked[key] = masker.participant(document.get(key))
    for key in ("address", "primaryAddress"):
        masked[key] = masker.address(document.get(key))
    masked["author"] = masker.author(document.get("author"))
    masked["events"] = [masker.event(event) for event in events if event.get("isPublic")]
    return masked
