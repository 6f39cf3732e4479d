"""HTTP plumbing shared by every router: strict JSON bodies, error envelopes, the body size limit."""

from __future__ import annotations

import copy
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import orjson
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, APIRouter
from pydantic import TypeAdapter, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from massledger.errors import (
    ApiError,
    InvalidJson,
    UnsupportedMediaType,
    registry_body,
    traceability_body,
)

log = logging.getLogger("massledger.http")

REGISTRY_PREFIXES = ("/organizations", "/projects", "/carbonCredits", "/registry")


def is_registry_path(path: str) -> bool:
    return path.startswith(REGISTRY_PREFIXES)


def is_json_content_type(value: str) -> bool:
    media = value.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def parse_json_body(body: bytes) -> Any:
    """orjson: rejects invalid UTF-8, NaN/Infinity, nesting deeper than 1024. NUL characters are refused
    here because PostgreSQL text cannot hold them (and nobody needs them in a record)."""
    if b"\\u0000" in body:
        raise InvalidJson("Request body contains a NUL character (\\u0000), which is not accepted")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidJson(f"Request body is not valid JSON: {exc}") from exc


class JsonRoute(APIRoute):
    """Parses JSON bodies once, strictly, before FastAPI validates them against the models."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        has_body = self.body_field is not None

        async def route(request: Request) -> Response:
            if has_body:
                body = await request.body()
                if body:
                    if not is_json_content_type(request.headers.get("content-type", "")):
                        raise UnsupportedMediaType("Content-Type must be application/json")
                    request._json = parse_json_body(body)
            return await handler(request)

        return route


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [part for part in loc if part not in ("body", "query", "path", "header")]
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif "[" in str(part) or "function-after" in str(part):
            continue  # pydantic's internal union/validator tags add nothing for the reader
        else:
            text += f".{part}" if text else str(part)
    return text


def describe_validation_errors(errors: list[dict[str, Any]]) -> str:
    messages = []
    for error in errors[:5]:
        field = _field_path(tuple(error.get("loc", ())))
        message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
        if error.get("type") == "missing" and not field:
            messages.append("body: a JSON object is required")
        elif ": " in message and not field:
            messages.append(message)
        else:
            messages.append(f"{field}: {message}" if field else message)
    return "; ".join(messages)


def error_response(
    request: Request,
    status_code: int,
    code: str,
    message: str,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    return Response(
        error_payload(request.url.path, status_code, code, message, extra),
        status_code=status_code,
        media_type="application/json",
        headers=headers,
    )


def error_payload(
    path: str, status_code: int, code: str, message: str, extra: dict[str, Any] | None = None
) -> bytes:
    """The JSON error envelope of the route family ``path`` belongs to."""
    if is_registry_path(path):
        body = registry_body(status_code, message)
    else:
        body = traceability_body(status_code, code, message)
    if extra:
        body.update(extra)
    return orjson.dumps(body)


def validation_error(errors: list[dict[str, Any]]) -> tuple[str, str]:
    """The error code and message of a request that failed validation (FastAPI's error list)."""
    if any(error.get("type") == "json_invalid" for error in errors):
        return "invalidJson", "Request body is not valid JSON"
    return "validationError", describe_validation_errors(errors)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        extra = getattr(exc, "extra", None)
        return error_response(request, exc.status_code, exc.code, exc.message, exc.headers, extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        code, message = validation_error(list(exc.errors()))
        return error_response(request, 400, code, message)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return error_response(
                request, 404, "objectNotFound", f"No route {request.method} {request.url.path}"
            )
        if exc.status_code == 405:
            return error_response(
                request,
                405,
                "methodNotAllowed",
                f"{request.method} is not allowed on {request.url.path}; records change only through events",
                headers=dict(exc.headers or {}),
            )
        return error_response(request, exc.status_code, "validationError", str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(request, 500, "internalServerError", "Internal server error")


class BodySizeLimit:
    """413 for bodies over the limit, by Content-Length up front or by counting a streamed body.
    ``overrides`` maps path prefixes to their own limit (attachment uploads)."""

    def __init__(self, app: ASGIApp, max_bytes: int, overrides: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.overrides = tuple((overrides or {}).items())

    def _limit(self, path: str) -> int:
        for prefix, limit in self.overrides:
            if path.startswith(prefix):
                return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self._limit(scope.get("path", ""))
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_bytes:
            await self._reject(scope, send, max_bytes)
            return
        received = 0
        too_large = False

        async def counting_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    too_large = True
                    raise _TooLarge
            return message

        try:
            await self.app(scope, counting_receive, send)
        except _TooLarge:
            await self._reject(scope, send, max_bytes)

    async def _reject(self, scope: Scope, send: Send, max_bytes: int) -> None:
        message = f"Request body exceeds the limit of {max_bytes} bytes"
        path = scope.get("path", "")
        body = (
            registry_body(413, message)
            if is_registry_path(path)
            else traceability_body(413, "validationError", message)
        )
        payload = orjson.dumps(body)
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})


class _TooLarge(Exception):
    pass


def include_flat(app: FastAPI, router: APIRouter, prefix: str = "", include_in_schema: bool = True) -> None:
    """Register ``router``'s routes on the app's own route list, as FastAPI did before 0.137.

    ``app.include_router`` now keeps each router as a nested branch that is walked, with per-candidate
    bookkeeping, twice on every request: for this app's ~15 routers that cost ~300 µs of CPU before a
    route late in the list was even called (bench/README.md, "Route matching"). Flat routes cost one regex
    match each. A prefixed or hidden twin (the ``/v1`` aliases) is a shallow copy of the same route with
    its own path; its handler, dependencies and models are the original's."""
    for route in router.routes:
        if not isinstance(route, APIRoute):
            raise TypeError(f"include_flat takes API routes only, not {route!r}")
        if prefix or not include_in_schema:
            twin = copy.copy(route)
            twin.path = prefix + route.path
            twin.path_regex, twin.path_format, twin.param_convertors = compile_path(twin.path)
            twin.include_in_schema = route.include_in_schema and include_in_schema
            route = twin
        app.router.routes.append(route)


# -- lean ASGI dispatch (traceability/hot.py, registry/hot.py) ----------------------------------------------


class ClientDisconnected(Exception):
    """The client went away before its body was read: nothing to answer."""


async def read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnected
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def scope_header(scope: Scope, name: bytes) -> str | None:
    """The first value of header ``name`` (lower case), as Starlette's ``request.headers.get`` gives it."""
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


async def send_json(send: Send, status: int, payload: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    """A JSON answer with the headers Starlette's ``Response`` would set (content-length, content-type)."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-length", str(len(payload)).encode()),
                (b"content-type", b"application/json"),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


async def read_json_body(scope: Scope, receive: Receive) -> tuple[bytes, Any]:
    """The raw body and its parsed JSON (None when empty), checked as ``JsonRoute`` checks it: a
    non-empty body must be JSON by Content-Type (415) and parse strictly (400)."""
    raw = await read_body(receive)
    if not raw:
        return raw, None
    if not is_json_content_type(scope_header(scope, b"content-type") or ""):
        raise UnsupportedMediaType("Content-Type must be application/json")
    return raw, parse_json_body(raw)


# FastAPI's error for a request without a body where one is required.
MISSING_BODY: dict[str, Any] = {"type": "missing", "loc": ("body",), "msg": "Field required", "input": None}


def validate_like_fastapi(
    adapter: TypeAdapter[Any], value: Any, loc: tuple[str, ...]
) -> tuple[Any, list[dict[str, Any]]]:
    """``value`` validated as FastAPI validates a parameter or body (``from_attributes``, which changes
    some messages), or None and its errors with ``loc`` in front."""
    try:
        return adapter.validate_python(value, from_attributes=True), []
    except ValidationError as exc:
        return None, [{**error, "loc": (*loc, *error["loc"])} for error in exc.errors(include_url=False)]


Headers = list[tuple[bytes, bytes]]
Handler = Callable[[Scope, Receive, Headers], Awaitable[tuple[int, bytes]]]


class LeanDispatch:
    """Base of the lean ASGI dispatchers (traceability/hot.py, registry/hot.py): ``route`` picks the
    handler of a request it answers itself, or None to pass the request on to FastAPI. A handler returns
    (status, JSON body) and may add headers; an ApiError is answered as the error handlers would."""

    def __init__(self, app: ASGIApp, fastapi: FastAPI) -> None:
        self.app = app
        self.fastapi = fastapi

    def route(self, method: str, path: str) -> Handler | None:
        raise NotImplementedError

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = self.route(scope["method"], scope["path"]) if scope["type"] == "http" else None
        if handler is None:
            await self.app(scope, receive, send)
            return
        headers: Headers = []
        try:
            status, payload = await handler(scope, receive, headers)
        except ClientDisconnected:
            return
        except ApiError as exc:
            status, payload, headers = api_error_answer(scope["path"], exc)
        await send_json(send, status, payload, headers)


def api_error_answer(path: str, exc: ApiError) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
    """What the ApiError handler of ``install_error_handlers`` answers, as status, body and headers."""
    payload = error_payload(path, exc.status_code, exc.code, exc.message, getattr(exc, "extra", None))
    headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in exc.headers.items()]
    return exc.status_code, payload, headers
