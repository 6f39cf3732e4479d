"""HTTP routes of the documents API (seeds 001/002). Served at the root and under /v1."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, Depends, Query, Request, Response

from massledger.auth import scopes
from massledger.auth.deps import require
from massledger.auth.tokens import Principal
from massledger.http import JsonRoute
from massledger.ids import now_us
from massledger.traceability import service
from massledger.traceability.append import append_events
from massledger.traceability.schemas import (
    BatchCreated,
    DocumentCreate,
    DocumentCreated,
    DocumentFilters,
    DocumentPage,
    DocumentView,
    EventBatch,
    EventCreated,
    EventIn,
    PublicDocumentFilters,
)

router = APIRouter(route_class=JsonRoute, tags=["documents"])
# No token: masked views of public documents (design §3).
public_router = APIRouter(route_class=JsonRoute, tags=["public"])

_read = require(scopes.DOCUMENTS_READ)
_write = require(scopes.DOCUMENTS_WRITE)


def write_context(request: Request, principal: Principal) -> service.WriteContext:
    """The write context of a request: the caller, the server clock, the configured limits."""
    settings = request.app.state.settings
    return service.WriteContext(
        principal=principal,
        now_us=now_us(),
        clock_skew_us=settings.clock_skew_seconds * 1_000_000,
        max_events_per_document=settings.max_events_per_document,
    )


@router.post("/documents", status_code=201, summary="Create a document (MassID)")
async def create_document(
    body: DocumentCreate, request: Request, principal: Principal = Depends(_write)
) -> DocumentCreated:
    result = await request.app.state.database.write(
        service.create_document, write_context(request, principal), body
    )
    return DocumentCreated(**result)


@router.post(
    "/documents/events", status_code=201, summary="Append several events to one document, all or nothing"
)
async def append_batch(
    body: EventBatch, request: Request, principal: Principal = Depends(_write)
) -> BatchCreated:
    results = await request.app.state.database.write(
        append_events,
        write_context(request, principal),
        body.documentId,
        body.events,
        lambda index: f"events[{index}].",
    )
    return BatchCreated(documentId=body.documentId, events=results)


@router.post(
    "/documents/{documentId}/events",
    status_code=201,
    summary="Append one event",
    description="The body is one of the logical event types, chosen by `name` (ACTOR, CLOSE, CANCEL, "
    "RELATED/LINK, UPDATE, SPLIT, OUTPUT); any other name is a custom event. "
    "`targetDocumentId` is the child document a SPLIT or OUTPUT created.",
    response_model_exclude_none=True,
)
async def append_event(
    documentId: str,
    body: Annotated[EventIn, Body()],
    request: Request,
    principal: Principal = Depends(_write),
) -> EventCreated:
    results = await request.app.state.database.write(
        append_events, write_context(request, principal), documentId, [body], lambda _index: ""
    )
    return EventCreated(documentId=documentId, **results[0])


@router.get(
    "/documents",
    summary="List the documents the caller may read (summaries, oldest first, cursor pagination)",
)
async def list_documents(
    filters: Annotated[DocumentFilters, Query()], request: Request, principal: Principal = Depends(_read)
) -> DocumentPage:
    page: dict[str, Any] = await request.app.state.database.read(service.list_documents, principal, filters)
    return DocumentPage.model_validate(page)


@router.get(
    "/documents/{id}",
    summary="Read a document with its full event timeline",
    response_model=None,
    responses={200: {"model": DocumentView}},
)
async def get_document(id: str, request: Request, principal: Principal = Depends(_read)) -> Response:
    view: dict[str, Any] = await request.app.state.database.read(service.get_document, principal, id)
    return Response(orjson.dumps(view), media_type="application/json")


@public_router.get(
    "/public/documents",
    summary="Search public documents (isPublic and isPubliclySearchable); no token",
)
async def list_public_documents(
    filters: Annotated[PublicDocumentFilters, Query()], request: Request
) -> DocumentPage:
    page: dict[str, Any] = await request.app.state.database.read(service.list_public_documents, filters)
    return DocumentPage.model_validate(page)


@public_router.get(
    "/public/documents/{id}",
    summary="Read a public document, private data masked; no token",
    response_model=None,
    responses={200: {"model": DocumentView}},
)
async def get_public_document(id: str, request: Request) -> Response:
    view: dict[str, Any] = await request.app.state.database.read(service.get_public_document, id)
    return Response(orjson.dumps(view), media_type="application/json")
