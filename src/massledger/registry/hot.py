"""A lean dispatch for the registry's hottest route: `POST /organizations/{id}/inventory/action/{action}`.

A registry action spent about as much CPU in FastAPI's request machinery (route matching, solving four
levels of dependencies, parameter validation) as in the action itself (bench/README.md, "Registry
actions"). This ASGI middleware answers the route directly, with the steps of the FastAPI route
(routes.py ``act``) in FastAPI's order:

1. the body: read it; a non-empty body must be JSON by Content-Type (415) and parse strictly (400) —
   what ``http.JsonRoute`` does before anything else;
2. the router's dependency: the ``x-icr-api-version`` header (``deps.api_version``, 400);
3. the route's dependency: the principal (token 401, rate limit 429, revoked client 401) and
   ``deps.check_member`` (scope and organization, 403);
4. parameter validation, errors collected in FastAPI's order — path (``action``), header
   (``Idempotency-Key``), body (``ActionRequest``) — into one 400;
5. the same service function in one transaction, and the same answer and headers.

Every other request goes on to FastAPI, whose route still exists and describes the operation in the
OpenAPI document. ``tests/registry/test_hot.py`` sends the same good and bad requests both ways and
compares."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import FastAPI
from pydantic import Field, TypeAdapter, ValidationError
from starlette.types import ASGIApp, Receive, Scope, Send

from massledger.auth import scopes
from massledger.auth.deps import principal_of
from massledger.errors import ApiError, UnsupportedMediaType
from massledger.http import (
    ClientDisconnected,
    api_error_answer,
    error_payload,
    is_json_content_type,
    parse_json_body,
    read_body,
    scope_header,
    send_json,
    validation_error,
)
from massledger.registry import render, service
from massledger.registry.deps import api_version, check_member
from massledger.registry.schemas import IDEMPOTENCY_KEY_PATTERN, Action, ActionRequest

_ACTION: TypeAdapter[Any] = TypeAdapter(Action)
_KEY: TypeAdapter[Any] = TypeAdapter(Annotated[str | None, Field(pattern=IDEMPOTENCY_KEY_PATTERN)])
_BODY: TypeAdapter[Any] = TypeAdapter(ActionRequest)
_NEEDED = (scopes.ORGANIZATION_INVENTORY_READ_WRITE,)
_PREFIX = "/organizations/"


def match(method: str, path: str) -> tuple[str, str] | None:
    """(organization id, action) when this request is an inventory action (any action name: an unknown
    one is answered with FastAPI's 400, like the route does)."""
    if method != "POST" or not path.startswith(_PREFIX):
        return None
    parts = path[len(_PREFIX) :].split("/")
    if len(parts) == 4 and parts[0] and parts[1] == "inventory" and parts[2] == "action" and parts[3]:
        return parts[0], parts[3]
    return None


def _errors(adapter: TypeAdapter[Any], value: Any, loc: tuple[str, ...]) -> tuple[Any, list[dict[str, Any]]]:
    """The value validated as FastAPI validates a parameter (``from_attributes``), or its errors."""
    try:
        return adapter.validate_python(value, from_attributes=True), []
    except ValidationError as exc:
        return None, [{**error, "loc": (*loc, *error["loc"])} for error in exc.errors(include_url=False)]


class HotActions:
    """ASGI middleware: answers inventory actions, passes everything else to ``app``."""

    def __init__(self, app: ASGIApp, fastapi: FastAPI) -> None:
        self.app = app
        self.fastapi = fastapi

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = match(scope["method"], scope["path"]) if scope["type"] == "http" else None
        if route is None:
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = []
        try:
            status, payload = await self._act(scope, receive, *route, headers)
        except ClientDisconnected:
            return
        except ApiError as exc:
            status, payload, headers = api_error_answer(scope["path"], exc)
        await send_json(send, status, payload, headers)

    async def _act(
        self,
        scope: Scope,
        receive: Receive,
        organization_id: str,
        action: str,
        headers: list[tuple[bytes, bytes]],
    ) -> tuple[int, bytes]:
        raw = await read_body(receive)
        data: Any = None
        if raw:
            if not is_json_content_type(scope_header(scope, b"content-type") or ""):
                raise UnsupportedMediaType("Content-Type must be application/json")
            data = parse_json_body(raw)
        await api_version(scope_header(scope, b"x-icr-api-version"))
        state = self.fastapi.state
        principal = await principal_of(state, scope_header(scope, b"authorization"))
        check_member(principal, organization_id, _NEEDED)
        action, errors = _errors(_ACTION, action, ("path", "action"))
        key, key_errors = _errors(
            _KEY, scope_header(scope, b"idempotency-key"), ("header", "Idempotency-Key")
        )
        errors += key_errors
        if not raw:  # no body at all (a JSON null is validated like any other value)
            errors.append({"type": "missing", "loc": ("body",), "msg": "Field required", "input": None})
        else:
            body, body_errors = _errors(_BODY, data, ("body",))
            errors += body_errors
        if errors:
            code, message = validation_error(errors)
            return 400, error_payload(scope["path"], 400, code, message)
        actor = service.Actor(principal.organization_id, principal.data_set, principal.client_id)
        view, replayed = await state.database.write(service.perform_action, actor, action, body, key)
        if replayed:
            headers.append((b"idempotent-replayed", b"true"))
        return 200, orjson.dumps(render.transaction(str(state.settings.public_url), view))
