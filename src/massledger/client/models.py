"""Response models. They accept fields the server adds later (``extra="allow"``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    model_config = ConfigDict(extra="allow")


class DocumentCreated(Model):
    id: str


class EventCreated(Model):
    documentId: str
    eventId: str
    targetDocumentId: str | None = None


class BatchEventResult(Model):
    eventId: str
    targetDocumentId: str | None = None


class BatchCreated(Model):
    documentId: str
    events: list[BatchEventResult]


class DocumentSummary(Model):
    id: str
    category: str
    type: str
    status: str
    currentValue: float
    createdAt: str
    subtype: str | None = None
    externalId: str | None = None
    parentDocumentId: str | None = None
    tags: list[str] = []


class DocumentPage(Model):
    documents: list[DocumentSummary]
    nextCursor: str | None = None


class Event(Model):
    id: str
    name: str
    externalCreatedAt: str
    isPublic: bool
    label: str | None = None
    externalId: str | None = None
    value: float | None = None
    metadata: dict[str, Any] | None = None
    participant: dict[str, Any] | None = None
    address: dict[str, Any] | None = None
    relatedDocument: dict[str, Any] | None = None
    target: dict[str, Any] | None = None
    targetDocumentId: str | None = None
    propagatedFrom: dict[str, Any] | None = None
    tags: list[str] = []


class Document(Model):
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
    parentDocumentId: str | None = None
    events: list[Event] = []
