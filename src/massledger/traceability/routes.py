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
from massledger.settings import Settings
from massledger.traceability import restore, service
from massledger.traceability.append import append_events
from massledger.traceability.schemas import (
    BatchCreated,
    DocumentArchive,
    DocumentCreate,
    DocumentCreated,
    DocumentFilters,
    DocumentPage,
    DocumentView,
    EventBatch,
    EventCreated,
    EventIn,
    PublicDocumentFilters,
    RestoreResult,
)

router = APIRouter(route_class=JsonRoute, tags=["documents"])
# No token: masked views of public documents (design §3).
public_router = APIRouter(route_class=JsonRoute, tags=["public"])

_read = require(scopes.DOCUMENTS_READ)
_write = require(scopes.DOCUMENTS_WRITE)
_admin = require(scopes.DOCUMENTS_ADMIN)

# Set on answers that replay a stored result for a deduplicationId (Stripe's header name): nothing new was
# stored. Tools such as `massledger import` count these as "skipped (already there)".
REPLAYED_HEADER = "Idempotent-Replayed"
_REPLAYED_DOC = {
    "description": f"`{REPLAYED_HEADER}: true` when the deduplicationId replayed a stored answer"
}
_REPLAY_HEADERS: dict[int | str, dict[str, Any]] = {
    201: {"headers": {REPLAYED_HEADER: {**_REPLAYED_DOC, "schema": {"type": "string"}}}}
}


def _mark_replayed(response: Response, results: list[dict[str, Any]]) -> None:
    if results and all(result.get("replayed") for result in results):
        response.headers[REPLAYED_HEADER] = "true"


def write_context(request: Request, principal: Principal) -> service.WriteContext:
    """The write context of a request: the caller, the server clock, the configured limits."""
    return context_for(request.app.state.settings, principal)


def context_for(settings: Settings, principal: Principal) -> service.WriteContext:
    return service.WriteContext(
        principal=principal,
        now_us=now_us(),
        clock_skew_us=settings.clock_skew_seconds * 1_000_000,
        max_events_per_document=settings.max_events_per_document,
    )


@router.post("/documents", status_code=201, summary="Create a document (MassID)", responses=_REPLAY_HEADERS)
async def create_document(
    body: DocumentCreate, request: Request, response: Response, principal: Principal = Depends(_write)
) -> DocumentCreated:
    result = await request.app.state.database.write(
        service.create_document, write_context(request, principal), body
    )
    _mark_replayed(response, [result])
    return DocumentCreated(**result)


@router.post(
    "/documents/events",
    status_code=201,
    summary="Append several events to one document, all or nothing",
    responses=_REPLAY_HEADERS,
)
async def append_batch(
    body: EventBatch, request: Request, response: Response, principal: Principal = Depends(_write)
) -> BatchCreated:
    results = await request.app.state.database.write(
        append_events,
        write_context(request, principal),
        body.documentId,
        body.events,
        lambda index: f"events[{index}].",
    )
    _mark_replayed(response, results)
    return BatchCreated(documentId=body.documentId, events=results)


@router.post(
    "/documents/{documentId}/events",
    status_code=201,
    summary="Append one event",
    description="The body is one of the logical event types, chosen by `name` (ACTOR, CLOSE, CANCEL, "
    "RELATED/LINK, UPDATE, SPLIT, OUTPUT); any other name is a custom event. "
    "`targetDocumentId` is the child document a SPLIT or OUTPUT created.",
    response_model_exclude_none=True,
    responses=_REPLAY_HEADERS,
)
async def append_event(
    documentId: str,
    body: Annotated[EventIn, Body()],
    request: Request,
    response: Response,
    principal: Principal = Depends(_write),
) -> EventCreated:
    results = await request.app.state.database.write(
        append_events, write_context(request, principal), documentId, [body], lambda _index: ""
    )
    _mark_replayed(response, results)
    return EventCreated(
        documentId=documentId, eventId=results[0]["eventId"], targetDocumentId=results[0]["targetDocumentId"]
    )


@router.post(
    "/admin/documents/restore",
    status_code=201,
    summary="Restore an exported document verbatim (operators; scope documents:admin)",
    description="The body is one record of `massledger export`. Every hash is recomputed and must equal the"
    " exported one, and the events must fold into the exported projection (else 400 naming the record)."
    " 201 when stored; 200 when the same document (same head hash) is already stored; 409 when a document"
    " with that id has another history. Records of another data set than the client's are refused (403).",
    responses={200: {"model": RestoreResult, "description": "Already stored with the same head hash"}},
)
async def restore_document(
    body: DocumentArchive, request: Request, response: Response, principal: Principal = Depends(_admin)
) -> RestoreResult:
    result = await request.app.state.database.write(restore.restore_document, principal, body)
    if not result["restored"]:
        response.status_code = 200
    return RestoreResult(**result)


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
    rendered: bytes = await request.app.state.database.read(service.get_document_json, principal, id)
    return Response(rendered, media_type="application/json")


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
