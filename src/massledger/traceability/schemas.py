"""Request and response models of the documents API (seeds 001 and 002)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, cast

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    JsonValue,
    Strict,
    Tag,
    WithJsonSchema,
    model_validator,
)

# pydantic's own digit checks (what Field(max_digits=..., decimal_places=...) runs), for the same errors.
from pydantic._internal._validators import decimal_places_validator, max_digits_validator

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


_MAX_DIGITS, _DECIMAL_PLACES = 24, 6


def _mass_digits(value: Decimal) -> Decimal:
    """``Field(max_digits=24, decimal_places=6)``'s checks, with pydantic's own functions and errors, in
    its order (total digits, then places, then whole digits), after ``ge`` and the finite check as
    before; but one call, and none of them for the usual mass (at most 6 places and 18 digits, which
    passes all three). Declared as constraints next to a BeforeValidator, each of the four became a
    Python call per value (~4 µs per event of a batch)."""
    _sign, digits, exponent = value.as_tuple()
    if isinstance(exponent, int) and -_DECIMAL_PLACES <= exponent <= 0 and len(digits) <= 18:
        return value
    max_digits_validator(value, _MAX_DIGITS)
    return cast(Decimal, decimal_places_validator(value, _DECIMAL_PLACES, _MAX_DIGITS))


# Masses are exact decimals (never floats) with at most 6 decimal places.
Mass = Annotated[
    Decimal,
    # ge and the finite check run in pydantic-core; then the digits (in this order, as before).
    Field(ge=0, allow_inf_nan=False),
    AfterValidator(_mass_digits),
    BeforeValidator(_json_number),
    # A JSON number only (a Decimal would be documented as "number or string", and strings are refused).
    WithJsonSchema(
        {
            "type": "number",
            "minimum": 0,
            "exclusiveMaximum": 10**18,
            "description": "At most 6 decimal places",
        }
    ),
]
Coordinate = Annotated[float, BeforeValidator(_json_number), Field(allow_inf_nan=False)]
StrictBool = Annotated[bool, Strict()]
ShortText = Annotated[str, Field(min_length=1, max_length=300)]
Identifier = Annotated[str, Field(min_length=1, max_length=200)]
TagText = Annotated[str, Field(min_length=1, max_length=200)]
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


def _present(name: str) -> dict[str, Any]:
    return {"required": [name], "properties": {name: {"not": {"type": "null"}}}}


class DocumentCreate(_HasParticipantAndAddress):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "allOf": [
                # Exactly one of the two, and not null (null counts as absent).
                {"oneOf": [_present("participant"), _present("participantId")]},
                {"oneOf": [_present("address"), _present("addressId")]},
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
    tags: Annotated[list[TagText], Field(max_length=100)] | None = None
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
    bidirectional: StrictBool | None = Field(
        default=None, description="RELATED/LINK: false records the link on this document only."
    )


class AttachmentIn(_Input):
    fileName: Annotated[str, Field(min_length=1, max_length=255)]
    label: ShortText | None = None
    isPublic: StrictBool | None = None


# -- logical events ----------------------------------------------------------------------------------------

ACTOR, CLOSE, CANCEL, RELATED, LINK, UPDATE, SPLIT, OUTPUT = (
    "ACTOR",
    "CLOSE",
    "CANCEL",
    "RELATED",
    "LINK",
    "UPDATE",
    "SPLIT",
    "OUTPUT",
)
LOGICAL_EVENT_NAMES = (ACTOR, CLOSE, CANCEL, RELATED, LINK, UPDATE, SPLIT, OUTPUT)
RELATION_EVENT_NAMES = frozenset({RELATED, LINK})


class EventNamesIn(_Input):
    eventNames: Annotated[list[ShortText], Field(min_length=1, max_length=100)]


class PermissionCondition(_Input):
    in_: EventNamesIn = Field(alias="$in")


class PermissionStatement(_Input):
    """carrot.md §1.9. A condition limits WRITE to the listed event names; READ is of the whole document."""

    effect: Literal["ALLOW", "DENY"]
    actions: Annotated[list[Literal["READ", "WRITE"]], Field(min_length=1, max_length=2)]
    condition: PermissionCondition | None = None


Statements = Annotated[list[PermissionStatement], Field(max_length=50)]
# A list applies to the ACTOR event's participant; the keyed form names participants explicitly.
PermissionsIn = Statements | Annotated[dict[Identifier, Statements], Field(min_length=1, max_length=100)]


class VisibilityUpdates(_Input):
    isPublic: StrictBool | None = None
    isPubliclySearchable: StrictBool | None = None

    @model_validator(mode="after")
    def _at_least_one(self) -> VisibilityUpdates:
        if self.isPublic is None and self.isPubliclySearchable is None:
            raise ValueError("send isPublic and/or isPubliclySearchable")
        return self


class TargetIn(_HasParticipantAndAddress):
    """The child document a SPLIT or OUTPUT creates. Category, measurement unit, participant and address
    default to the source document's."""

    category: ShortText | None = None
    type: ShortText
    subtype: ShortText | None = None
    value: Mass
    externalId: Identifier | None = None
    externalCreatedAt: Timestamp
    isPublic: StrictBool
    isPubliclySearchable: StrictBool
    title: ShortText | None = None
    shortTitle: ShortText | None = None
    tags: Annotated[list[TagText], Field(max_length=100)] | None = None
    measurementUnit: Annotated[str, Field(min_length=1, max_length=20)] | None = None


class _EventCommon(_HasParticipantAndAddress):
    externalCreatedAt: Timestamp
    isPublic: StrictBool
    label: ShortText | None = None
    externalId: Identifier | None = None
    metadata: MetadataIn | None = None
    tags: Annotated[list[TagText], Field(max_length=100)] | None = None
    attachments: Annotated[list[AttachmentIn], Field(max_length=50)] | None = None
    preserveSensitiveData: StrictBool | None = None
    deduplicationId: Identifier | None = None


class ActorEvent(_EventCommon):
    """Gives the event's participant a role (`label`) on the document; `permissions` (creating organization
    only) set what that participant may read and write. Latest ACTOR with permissions wins."""

    name: Literal["ACTOR"]
    label: ShortText
    permissions: PermissionsIn | None = None
    relatedDocument: RelatedDocumentIn | None = None
    propagateEvent: StrictBool | None = None


class CloseEvent(_EventCommon):
    """Afterwards only RELATED, LINK and OUTPUT are accepted."""

    name: Literal["CLOSE"]


class CancelEvent(_EventCommon):
    """Afterwards nothing is accepted."""

    name: Literal["CANCEL"]


class RelatedEvent(_EventCommon):
    """Links this document to another of the same data set; written on both unless bidirectional is false."""

    name: Literal["RELATED", "LINK"]
    relatedDocument: RelatedDocumentIn


class UpdateEvent(_EventCommon):
    """Changes the document's visibility, nothing else."""

    name: Literal["UPDATE"]
    updates: VisibilityUpdates


class SplitEvent(_EventCommon):
    """Moves `target.value` out of this document's currentValue into a new child document."""

    name: Literal["SPLIT"]
    target: TargetIn


class OutputEvent(_EventCommon):
    """Creates a downstream child document from `target`; this document's value is unchanged."""

    name: Literal["OUTPUT"]
    target: TargetIn


class CustomEvent(_EventCommon):
    """Any other name (Pick-up, Weighing, ...). `value` re-weighs the document (sets its currentValue)."""

    name: Annotated[ShortText, Field(json_schema_extra={"not": {"enum": list(LOGICAL_EVENT_NAMES)}})]
    value: Mass | None = None
    relatedDocument: RelatedDocumentIn | None = None
    propagateEvent: StrictBool | None = None


# Tags carry brackets so error paths leave them out (see http._field_path): "events[2].label".
_TAGS = {name: f"event[{name}]" for name in LOGICAL_EVENT_NAMES}
_TAGS[LINK] = _TAGS[RELATED]
_CUSTOM_TAG = "event[CUSTOM]"


def _event_kind(value: Any) -> str:
    name = value.get("name") if isinstance(value, dict) else getattr(value, "name", None)
    return _TAGS.get(name, _CUSTOM_TAG) if isinstance(name, str) else _CUSTOM_TAG


EventIn = Annotated[
    Annotated[ActorEvent, Tag(_TAGS[ACTOR])]
    | Annotated[CloseEvent, Tag(_TAGS[CLOSE])]
    | Annotated[CancelEvent, Tag(_TAGS[CANCEL])]
    | Annotated[RelatedEvent, Tag(_TAGS[RELATED])]
    | Annotated[UpdateEvent, Tag(_TAGS[UPDATE])]
    | Annotated[SplitEvent, Tag(_TAGS[SPLIT])]
    | Annotated[OutputEvent, Tag(_TAGS[OUTPUT])]
    | Annotated[CustomEvent, Tag(_CUSTOM_TAG)],
    Discriminator(_event_kind),
]
AnyEvent = (
    ActorEvent
    | CloseEvent
    | CancelEvent
    | RelatedEvent
    | UpdateEvent
    | SplitEvent
    | OutputEvent
    | CustomEvent
)


class EventBatch(_Input):
    documentId: Identifier
    events: Annotated[list[EventIn], Field(min_length=1, max_length=100)]


# -- listing -----------------------------------------------------------------------------------------------


def _no_nul(value: str) -> str:
    # JSON bodies are checked in http.parse_json_body; query strings here (PostgreSQL text cannot hold NUL).
    if "\x00" in value:
        raise ValueError("must not contain the NUL character")
    return value


QueryText = Annotated[str, Field(min_length=1, max_length=300), AfterValidator(_no_nul)]


class DocumentFilters(_Input):
    """Query parameters of GET /documents and GET /public/documents. Unknown parameters are refused."""

    category: QueryText | None = None
    type: QueryText | None = None
    subtype: QueryText | None = None
    status: Literal["OPEN", "CLOSED", "CANCELLED"] | None = None
    tag: QueryText | None = None
    participantId: QueryText | None = None
    externalId: QueryText | None = None
    createdAfter: Timestamp | None = Field(default=None, description="createdAt >= this (inclusive)")
    createdBefore: Timestamp | None = Field(default=None, description="createdAt < this (exclusive)")
    externalCreatedAfter: Timestamp | None = Field(default=None, description="inclusive")
    externalCreatedBefore: Timestamp | None = Field(default=None, description="exclusive")
    limit: Annotated[int, Field(ge=1, le=500)] = 50
    cursor: QueryText | None = Field(default=None, description="nextCursor of the previous page (opaque)")


class PublicDocumentFilters(DocumentFilters):
    dataSetName: Literal["TEST", "PROD"] | None = None


# -- responses -------------------------------------------------------------------------------------------


class DocumentCreated(BaseModel):
    id: str


class EventCreated(BaseModel):
    documentId: str
    eventId: str
    targetDocumentId: str | None = Field(default=None, description="The child a SPLIT/OUTPUT created")


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


class DocumentSummary(BaseModel):
    """One item of GET /documents and GET /public/documents: the document without its events."""

    id: str
    category: str
    type: str
    subtype: str | None
    status: Literal["OPEN", "CLOSED", "CANCELLED"]
    currentValue: float
    measurementUnit: str
    isPublic: bool
    isPubliclySearchable: bool
    externalId: str | None
    externalCreatedAt: str
    createdAt: str
    updatedAt: str
    dataSetName: str
    parentDocumentId: str | None
    participantId: str
    title: str | None
    shortTitle: str | None
    tags: list[str]
    eventCount: int


class DocumentPage(BaseModel):
    documents: list[DocumentSummary]
    nextCursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page")


# -- export records and the restore route (docs/cli.md#export-format) -------------------------------------

ARCHIVE_FORMAT = "massledger.document/v1"
Hash = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
DataSetName = Literal["TEST", "PROD"]
RecordId = Annotated[str, Field(min_length=1, max_length=36)]
RecordTime = Annotated[str, Field(max_length=40, description="ISO-8601 with offset, as stored")]
DecimalText = Annotated[str, Field(pattern=r"^\d{1,30}(\.\d{1,12})?$")]
StoredJson = dict[str, JsonValue]


class _Archive(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ArchivedEvent(_Archive):
    record: StoredJson = Field(description="The stored event record, verbatim (its canonical JSON is hashed)")
    hash: Hash


class ArchivedProjection(_Archive):
    status: Literal["OPEN", "CLOSED", "CANCELLED"]
    currentValue: DecimalText
    isPublic: StrictBool
    isPubliclySearchable: StrictBool
    eventCount: Annotated[int, Strict(), Field(ge=0)]


class ArchivedParticipant(_Archive):
    id: RecordId
    dataSetName: DataSetName
    organizationId: RecordId | None
    countryCode: Annotated[str, Field(max_length=2)] | None
    taxIdType: Annotated[str, Field(max_length=200)] | None
    taxId: Annotated[str, Field(max_length=200)] | None
    record: StoredJson
    createdAt: RecordTime


class ArchivedAddress(_Archive):
    id: RecordId
    dataSetName: DataSetName
    contentHash: Hash
    record: StoredJson
    createdAt: RecordTime


class ArchivedOrganization(_Archive):
    id: RecordId
    fullName: Annotated[str, Field(min_length=1, max_length=300)]
    type: Annotated[str, Field(min_length=1, max_length=40)]
    countryCode: CountryCode
    city: str | None
    zip: str | None
    physicalAddress: str | None
    registrationNumber: str | None
    website: str | None
    logo: str | None
    industryCode: str | None
    industryName: str | None
    isPublic: StrictBool
    createdAt: RecordTime
    updatedAt: RecordTime


class ArchivedAttachment(_Archive):
    """An uploaded attachment's metadata (the bytes live in the content-addressed file store)."""

    attachmentId: Annotated[str, Field(min_length=1, max_length=21)]
    fileName: Annotated[str, Field(min_length=1, max_length=255)]
    contentType: Annotated[str, Field(min_length=1, max_length=100)]
    contentLength: Annotated[int, Strict(), Field(ge=1, le=2**53)]
    sha256: Hash
    clientId: Annotated[str, Field(min_length=1, max_length=64)]
    createdAt: RecordTime
    uploadedAt: RecordTime


class ArchivedDeduplication(_Archive):
    """A client's deduplicationId claim, so a retry after the move replays instead of storing twice."""

    clientId: Annotated[str, Field(min_length=1, max_length=64)]
    deduplicationId: Identifier
    kind: Literal["document", "event"]
    requestHash: Hash
    response: StoredJson
    createdAt: RecordTime


class DocumentArchive(_Archive):
    """One document as stored: its creation record, every event record with its hash, the head hash and
    projection, and the rows they reference (participants, addresses, organizations, attachment metadata,
    deduplication claims). Never secrets."""

    format: Literal["massledger.document/v1"]
    document: StoredJson = Field(description="The creation record (chain genesis), verbatim")
    events: Annotated[list[ArchivedEvent], Field(max_length=10_000)]
    headHash: Hash
    projection: ArchivedProjection
    participants: Annotated[list[ArchivedParticipant], Field(max_length=10_000)] = []
    addresses: Annotated[list[ArchivedAddress], Field(max_length=10_000)] = []
    organizations: Annotated[list[ArchivedOrganization], Field(max_length=10_000)] = []
    attachments: Annotated[list[ArchivedAttachment], Field(max_length=10_000)] = []
    deduplications: Annotated[list[ArchivedDeduplication], Field(max_length=10_000)] = []


class RestoreResult(BaseModel):
    documentId: str
    headHash: str
    events: int
    restored: bool = Field(description="false when the same document (same head hash) was already stored")
