"""Response models. They accept fields the server adds later (``extra="allow"``).

Write answers carry ``replayed``: True when the server answered from a stored result for the request's
deduplicationId (header ``Idempotent-Replayed: true``), i.e. nothing new was stored."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    model_config = ConfigDict(extra="allow")


class DocumentCreated(Model):
    id: str
    replayed: bool = False


class EventCreated(Model):
    documentId: str
    eventId: str
    targetDocumentId: str | None = None
    replayed: bool = False


class BatchEventResult(Model):
    eventId: str
    targetDocumentId: str | None = None


class BatchCreated(Model):
    documentId: str
    events: list[BatchEventResult]
    replayed: bool = False


class Participant(Model):
    """A participant as rendered (public views mask or drop some fields, so all are optional)."""

    id: str | None = None
    name: str | None = None
    businessName: str | None = None
    countryCode: str | None = None
    taxId: str | None = None
    taxIdType: str | None = None
    type: str | None = None
    email: str | None = None
    mobileNumber: str | None = None
    telephoneNumber: str | None = None


class Address(Model):
    id: str | None = None
    street: str | None = None
    number: str | None = None
    complement: str | None = None
    name: str | None = None
    neighborhood: str | None = None
    city: str | None = None
    countryState: str | None = None
    countryCode: str | None = None
    zipCode: str | None = None
    latitude: float | None = None
    longitude: float | None = None


class Author(Participant):
    participantId: str | None = None
    clientId: str | None = None


class Attribute(Model):
    name: str
    value: Any = None
    isPublic: bool | None = None
    sensitive: bool | None = None
    format: str | None = None


class Metadata(Model):
    attributes: list[Attribute] = []


class EventAttachment(Model):
    """An attachment as an event records it (the digest is inside the hash chain)."""

    attachmentId: str
    fileName: str
    contentType: str
    contentLength: int
    sha256: str
    label: str | None = None
    isPublic: bool | None = None


class RelatedDocument(Model):
    documentId: str
    category: str | None = None
    type: str | None = None
    subtype: str | None = None
    bidirectional: bool | None = None


class Event(Model):
    id: str
    name: str
    externalCreatedAt: str
    isPublic: bool
    createdAt: str | None = None
    label: str | None = None
    externalId: str | None = None
    value: float | None = None
    metadata: Metadata = Metadata()
    participant: Participant | None = None
    address: Address | None = None
    author: Author | None = None
    relatedDocument: RelatedDocument | None = None
    target: dict[str, Any] | None = None
    targetDocumentId: str | None = None
    updates: dict[str, Any] | None = None
    permissions: Any = None
    backLinkOf: dict[str, Any] | None = None
    propagateEvent: bool | None = None
    propagatedFrom: dict[str, Any] | None = None
    preserveSensitiveData: bool | None = None
    deduplicationId: str | None = None
    tags: list[str] = []
    attachments: list[EventAttachment] = []


class Document(Model):
    """GET /documents/{id} (and the masked GET /public/documents/{id})."""

    id: str
    category: str
    type: str
    status: str
    currentValue: float
    externalCreatedAt: str
    isPublic: bool
    isPubliclySearchable: bool
    subtype: str | None = None
    measurementUnit: str | None = None
    externalId: str | None = None
    createdAt: str | None = None
    updatedAt: str | None = None
    dataSetName: str | None = None
    parentDocumentId: str | None = None
    title: str | None = None
    shortTitle: str | None = None
    tags: list[str] = []
    participant: Participant | None = None
    primaryParticipant: Participant | None = None
    address: Address | None = None
    primaryAddress: Address | None = None
    author: Author | None = None
    events: list[Event] = []


class DocumentSummary(Model):
    """One listing item: a document without its events."""

    id: str
    category: str
    type: str
    status: str
    currentValue: float
    createdAt: str
    subtype: str | None = None
    measurementUnit: str | None = None
    isPublic: bool | None = None
    isPubliclySearchable: bool | None = None
    externalId: str | None = None
    externalCreatedAt: str | None = None
    updatedAt: str | None = None
    dataSetName: str | None = None
    parentDocumentId: str | None = None
    participantId: str | None = None
    title: str | None = None
    shortTitle: str | None = None
    tags: list[str] = []
    eventCount: int | None = None


class DocumentPage(Model):
    documents: list[DocumentSummary]
    nextCursor: str | None = None


class UploadGrant(Model):
    """Where to PUT an attachment's bytes (no bearer token on that request) and until when."""

    attachmentId: str
    fileName: str
    uploadUrl: str
    expiresAt: str


class Attachment(Model):
    """An uploaded attachment."""

    attachmentId: str
    documentId: str
    fileName: str
    contentType: str
    contentLength: int
    sha256: str
    uploadedAt: str


class AttachmentDownload(Attachment):
    """An uploaded attachment with a signed, expiring URL to its bytes."""

    downloadUrl: str
    expiresAt: str


class RestoreResult(Model):
    documentId: str
    headHash: str
    events: int
    restored: bool
