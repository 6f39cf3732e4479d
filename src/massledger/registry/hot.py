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
from pydantic import Field, TypeAdapter
from starlette.types import Receive, Scope

from massledger.auth import scopes
from massledger.auth.deps import principal_of
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


class HotActions(LeanDispatch):
    """ASGI middleware: answers inventory actions, passes everything else to ``app``."""

    def route(self, method: str, path: str) -> Handler | None:
        found = match(method, path)
        if found is None:
            return None
        organization_id, action = found
        return lambda scope, receive, headers: self._act(scope, receive, organization_id, action, headers)

    async def _act(
        self,
        scope: Scope,
        receive: Receive,
        organization_id: str,
        action: str,
        headers: list[tuple[bytes, bytes]],
    ) -> tuple[int, bytes]:
        raw, data = await read_json_body(scope, receive)
        await api_version(scope_header(scope, b"x-icr-api-version"))
        state = self.fastapi.state
        principal = await principal_of(state, scope_header(scope, b"authorization"))
        check_member(principal, organization_id, _NEEDED)
        action, errors = validate_like_fastapi(_ACTION, action, ("path", "action"))
        key, key_errors = validate_like_fastapi(
            _KEY, scope_header(scope, b"idempotency-key"), ("header", "Idempotency-Key")
        )
        errors += key_errors
        if not raw:  # no body at all (a JSON null is validated like any other value)
            errors.append(MISSING_BODY)
        else:
            body, body_errors = validate_like_fastapi(_BODY, data, ("body",))
            errors += body_errors
        if errors:
            code, message = validation_error(errors)
            return 400, error_payload(scope["path"], 400, code, message)
        actor = service.Actor(principal.organization_id, principal.data_set, principal.client_id)
        view, replayed = await state.database.write(service.perform_action, actor, action, body, key)
        if replayed:
            headers.append((b"idempotent-replayed", b"true"))
        return 200, orjson.dumps(render.transaction(str(state.settings.public_url), view))
