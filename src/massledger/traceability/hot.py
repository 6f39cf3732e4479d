"""A lean dispatch for the hottest routes: `POST /documents/{documentId}/events`, `POST /documents/events`
(the batch) and `GET /documents/{id}` (and their `/v1` twins).

Under load, FastAPI's per-request machinery (route matching over every included router, dependency
solving, parameter validation, response-model serialisation) cost about as much CPU as the append itself
(bench/README.md, "Where the time goes"). This ASGI middleware answers those two routes directly, with
the same steps in the same order as the FastAPI routes (see routes.py):

1. body (append only): read it; a non-empty body must be JSON by Content-Type (415) and parse strictly
   (400 invalidJson) — what ``http.JsonRoute`` does before anything else;
2. the principal: bearer token, rate limit, revoked client, scope (``auth.deps.principal_of``, the
   function FastAPI's dependency calls);
3. body validation against the same ``EventIn`` / ``EventBatch`` model (400 validationError, FastAPI's
   wording);
4. the same service function in the same transaction, and the same answer (for the batch: what the
   ``BatchCreated`` response model makes of the results, without validating 100 results again).

Every other request, including other methods on these paths, goes on to FastAPI. It sits inside
``BodySizeLimit`` (413) and the server-error handler (500), like the routes themselves. The OpenAPI
document is unchanged: the FastAPI routes still exist and describe these operations.
``tests/traceability/test_hot.py`` sends the same good and bad requests both ways and compares."""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import TypeAdapter
from starlette.types import Receive, Scope

from massledger.auth import scopes
from massledger.auth.deps import principal_of
from massledger.auth.tokens import Principal
from massledger.http import (
    MISSING_BODY,
    Handler,
    LeanDispatch,
    error_payload,
    read_json_body,
    scope_header,
    validate_like_fastapi,
    validation_error,
)
from massledger.traceability import service
from massledger.traceability.append import append_events
from massledger.traceability.routes import REPLAYED_HEADER, context_for
from massledger.traceability.schemas import EventBatch, EventIn

_EVENT: TypeAdapter[Any] = TypeAdapter(EventIn)
_BATCH: TypeAdapter[EventBatch] = TypeAdapter(EventBatch)
_WRITE = (scopes.DOCUMENTS_WRITE,)
_READ = (scopes.DOCUMENTS_READ,)


def match(method: str, path: str) -> tuple[str, str] | None:
    """("append" | "get", document id) or ("batch", "") when this request is one of the hot routes."""
    if path.startswith("/v1/"):
        path = path[3:]
    if not path.startswith("/documents/"):
        return None
    parts = path[11:].split("/")
    if method == "GET" and len(parts) == 1 and parts[0]:
        return "get", parts[0]
    if method == "POST" and parts == ["events"]:
        return "batch", ""
    if method == "POST" and len(parts) == 2 and parts[1] == "events" and parts[0]:
        return "append", parts[0]
    return None


class HotRoutes(LeanDispatch):
    """ASGI middleware: answers the hot routes, passes everything else to ``app``."""

    def route(self, method: str, path: str) -> Handler | None:
        found = match(method, path)
        if found is None:
            return None
        kind, document_id = found
        if kind == "append":
            return lambda scope, receive, headers: self._append(scope, receive, document_id, headers)
        if kind == "batch":
            return self._batch
        return lambda scope, _receive, _headers: self._get(scope, document_id)

    async def _principal(self, scope: Scope, needed: tuple[str, ...]) -> Principal:
        return await principal_of(self.fastapi.state, scope_header(scope, b"authorization"), needed)

    async def _body(self, scope: Scope, receive: Receive, adapter: TypeAdapter[Any]) -> tuple[Principal, Any]:
        """Steps 1-3 for a write: the parsed JSON body, the principal, the validated body. A bad body
        raises :class:`_Invalid` with FastAPI's error list."""
        raw, data = await read_json_body(scope, receive)
        principal = await self._principal(scope, _WRITE)
        if not raw:  # no body at all (a JSON null is validated like any other value)
            raise _Invalid([MISSING_BODY])
        value, errors = validate_like_fastapi(adapter, data, ("body",))
        if errors:
            raise _Invalid(errors)
        return principal, value

    async def _append(
        self, scope: Scope, receive: Receive, document_id: str, headers: list[tuple[bytes, bytes]]
    ) -> tuple[int, bytes]:
        try:
            principal, event = await self._body(scope, receive, _EVENT)
        except _Invalid as invalid:
            return self._invalid(scope, invalid.errors)
        state = self.fastapi.state
        results = await state.database.write(
            append_events, context_for(state.settings, principal), document_id, [event], _no_prefix
        )
        result = results[0]
        if result.get("replayed"):
            headers.append((REPLAYED_HEADER.lower().encode(), b"true"))
        answer = {"documentId": document_id, "eventId": result["eventId"]}
        if result["targetDocumentId"] is not None:
            answer["targetDocumentId"] = result["targetDocumentId"]
        return 201, orjson.dumps(answer)

    async def _batch(
        self, scope: Scope, receive: Receive, headers: list[tuple[bytes, bytes]]
    ) -> tuple[int, bytes]:
        try:
            principal, batch = await self._body(scope, receive, _BATCH)
        except _Invalid as invalid:
            return self._invalid(scope, invalid.errors)
        state = self.fastapi.state
        results = await state.database.write(
            append_events,
            context_for(state.settings, principal),
            batch.documentId,
            batch.events,
            _batch_prefix,
        )
        if results and all(result.get("replayed") for result in results):
            headers.append((REPLAYED_HEADER.lower().encode(), b"true"))
        # BatchCreated's fields, in its order ("replayed" is not one of them).
        events = [{"eventId": r["eventId"], "targetDocumentId": r["targetDocumentId"]} for r in results]
        return 201, orjson.dumps({"documentId": batch.documentId, "events": events})

    def _invalid(self, scope: Scope, errors: list[dict[str, Any]]) -> tuple[int, bytes]:
        code, message = validation_error(errors)
        return 400, error_payload(scope["path"], 400, code, message)

    async def _get(self, scope: Scope, document_id: str) -> tuple[int, bytes]:
        principal = await self._principal(scope, _READ)
        rendered: bytes = await self.fastapi.state.database.read(
            service.get_document_json, principal, document_id
        )
        return 200, rendered


class _Invalid(Exception):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self.errors = errors


def _no_prefix(_index: int) -> str:
    return ""


def _batch_prefix(index: int) -> str:
    return f"events[{index}]."
