"""Request and response models of the documents API (seeds 001 and 002)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    Strict,
    model_validator,
)

_ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|z|[+-]\d{2}:\d{2})$")


def _iso_timestamp_text(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _ISO_WITH_OFFSET.match(value):
        raise ValueError(
            "must be an ISO-8601 date-time with a timezone offset, e.g. 2025-03-10T08:00:00.000Z or -03:00"
        )
    return value


_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)


def _not_before_1970(value: datetime) -> datetime:
    if value < _EARLIEST:
        raise ValueError("must not be before 1970-01-01T00:00:00Z")
    return value


# Timestamps must be ISO-8601 strings with an offset ("Z" or "+hh:mm"); epoch numbers are refused.
Timestamp = Annotated[AwareDatetime, BeforeValidator(_iso_timestamp_text), AfterValidator(_not_before_1970)]


def _json_number(value: Any) -> Any:
    if isinstance(value, (str, bool)):
        raise ValueError("must be a JSON number")
    return value


# Masses are exact decimals (never floats) with at most 6 decimal places.
Mass = Annotated[
    Decimal,
    BeforeValidator(_json_number),
    Field(ge=0, max_digits=24, decimal_places=6, allow_inf_nan=False),
]
Coordinate = Annotated[float, BeforeValidator(_json_number), Field(allow_inf_nan=False)]
StrictBool = Annotated[bool, Strict()]
ShortText = Annotated[str, Field(min_length=1, max_length=300)]
Identifier = Annotated[str, Field(min_length=1, max_length=200)]
Tag = Annotated[str, Field(min_length=1, max_length=200)]
CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class ParticipantIn(_Input):
    countryCode: CountryCode
    name: ShortText
    taxId: Annotated[str, Field(min_length=1, max_length=50)]
    taxIdType: Annotated[str, Field(min_length=1, max_length=20)]
    type: Annotated[str, Field(min_length=1, max_length=40)] = "COMPANY"
    businessName: ShortText | None = None
    email: ShortText | None = None
    mobileNumber: Annotated[str, Field(max_length=40)] | None = None
    telephoneNumber: Annotated[str, Field(max_length=40)] | None = None


class AddressIn(_Input):
    street: ShortText
    number: Annotated[str, Field(min_length=1, max_length=40)]
    city: ShortText
    countryState: ShortText
    countryCode: CountryCode
    complement: ShortText | None = None
    name: ShortText | None = None
    neighborhood: ShortText | None = None
    zipCode: Annotated[str, Field(max_length=20)] | None = None
    latitude: Annotated[Coordinate, Field(ge=-90, le=90)] | None = None
    longitude: Annotated[Coordinate, Field(ge=-180, le=180)] | None = None


class AttributeIn(_Input):
    name: ShortText
    value: JsonValue = None
    # None: inherits the event's isPublic (a lower level overrides a higher one).
    isPublic: StrictBool | None = None
    format: Literal["KILOGRAM", "LITER", "CUBIC_METER", "DATE"] | None = None
    sensitive: StrictBool | None = None
    sensible: StrictBool | None = Field(default=None, description="The docs' spelling of `sensitive`.")
    type: Annotated[str, Field(max_length=100)] | None = None
    valuePrefix: Annotated[str, Field(max_length=50)] | None = None
    valueSuffix: Annotated[str, Field(max_length=50)] | None = None


class MetadataIn(_Input):
    attributes: Annotated[list[AttributeIn], Field(max_length=500)] = []


class _HasParticipantAndAddress(_Input):
    participant: ParticipantIn | None = None
    participantId: Identifier | None = None
    address: AddressIn | None = None
    addressId: Identifier | None = None

    @model_validator(mode="after")
    def _one_of_each(self) -> _HasParticipantAndAddress:
        if self.participant is not None and self.participantId is not None:
            raise ValueError("participant: send either participant or participantId, not both")
        if self.address is not None and self.addressId is not None:
            raise ValueError("address: send either address or addressId, not both")
        return self


class DocumentCreate(_HasParticipantAndAddress):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "allOf": [
                {"oneOf": [{"required": ["participant"]}, {"required": ["participantId"]}]},
                {"oneOf": [{"required": ["address"]}, {"required": ["addressId"]}]},
            ]
        },
    )

    category: ShortText
    type: ShortText
    subtype: ShortText | None = None
    externalCreatedAt: Timestamp
    isPublic: StrictBool
    isPubliclySearchable: StrictBool
    deduplicationId: Identifier | None = None
    tags: Annotated[list[Tag], Field(max_length=100)] | None = None
    title: ShortText | None = None
    shortTitle: ShortText | None = None
    measurementUnit: Annotated[str, Field(min_length=1, max_length=20)] = "kg"
    externalId: Identifier | None = None

    @model_validator(mode="after")
    def _required_refs(self) -> DocumentCreate:
        if self.participant is None and self.participantId is None:
            raise ValueError("participant: one of participant or participantId is required")
        if self.address is None and self.addressId is None:
            raise ValueError("address: one of address or addressId is required")
        return self


class RelatedDocumentIn(_Input):
    documentId: Identifier
    category: ShortText | None = None
    type: ShortText | None = None
    subtype: ShortText | None = None
    bidirectional: StrictBool | None = None


class AttachmentIn(_Input):
    fileName: Annotated[str, Field(min_length=1, max_length=255)]
    label: ShortText | None = None
    isPublic: StrictBool | None = None


class EventIn(_HasParticipantAndAddress):
    name: ShortText
    externalCreatedAt: Timestamp
    isPublic: StrictBool
    label: ShortText | None = None
    externalId: Identifier | None = None
    metadata: MetadataIn | None = None
    value: Mass | None = None
    relatedDocument: RelatedDocumentIn | None = None
    target: dict[str, JsonValue] | None = None
    updates: dict[str, JsonValue] | None = None
    permissions: JsonValue = None
    tags: Annotated[list[Tag], Field(max_length=100)] | None = None
    attachments: Annotated[list[AttachmentIn], Field(max_length=50)] | None = None
    propagateEvent: StrictBool | None = None
    preserveSensitiveData: StrictBool | None = None
    deduplicationId: Identifier | None = None


class EventBatch(_Input):
    documentId: Identifier
    events: Annotated[list[EventIn], Field(min_length=1, max_length=100)]


# -- responses -------------------------------------------------------------------------------------------


class DocumentCreated(BaseModel):
    id: str


class EventCreated(BaseModel):
    documentId: str
    eventId: str


class BatchEventResult(BaseModel):
    eventId: str
    targetDocumentId: str | None = None


class BatchCreated(BaseModel):
    documentId: str
    events: list[BatchEventResult]


class DocumentView(BaseModel):
    """GET /documents/{id}: the seed's shape plus ids (participant/address ids) and dataSetName."""

    model_config = ConfigDict(extra="allow")

    address: dict[str, Any]
    author: dict[str, Any]
    category: str
    createdAt: str
    currentValue: float
    dataSetName: str
    events: list[dict[str, Any]]
    externalCreatedAt: str
    externalId: str | None
    id: str
    isPublic: bool
    isPubliclySearchable: bool
    measurementUnit: str
    parentDocumentId: str | None
    participant: dict[str, Any]
    primaryAddress: dict[str, Any]
    primaryParticipant: dict[str, Any]
    shortTitle: str | None
    status: str
    subtype: str | None
    tags: list[str]
    title: str | None
    type: str
    updatedAt: str
