"""Errors and their two documented envelopes.

Traceability routes answer ``{"statusCode", "errors": [{"code", "message", "id", "timestamp"}]}``;
registry routes (ICR contract) answer ``{"statusCode", "message", "error"}``. Domain code raises
:class:`ApiError` subclasses; the app's handlers pick the envelope by route family."""

from __future__ import annotations

import time
from http import HTTPStatus
from typing import Any

from massledger.ids import nanoid


class ApiError(Exception):
    status_code = 400
    code = "validationError"

    def __init__(self, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}


class InvalidJson(ApiError):
    status_code = 400
    code = "invalidJson"


class UnsupportedMediaType(ApiError):
    status_code = 415
    code = "invalidJson"


class ValidationFailed(ApiError):
    """Bad input. ``field`` is the path of the offending field, e.g. ``events[6].externalCreatedAt``."""

    status_code = 400
    code = "validationError"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field


class Unauthorized(ApiError):
    status_code = 401
    code = "unauthorized"

    def __init__(self, message: str = "Missing, invalid or expired access token") -> None:
        super().__init__(message, headers={"WWW-Authenticate": 'Bearer realm="massledger"'})


class Forbidden(ApiError):
    status_code = 403
    code = "restrictedResource"


class NotFound(ApiError):
    status_code = 404
    code = "objectNotFound"


class MethodNotAllowed(ApiError):
    status_code = 405
    code = "methodNotAllowed"


class Conflict(ApiError):
    status_code = 409
    code = "conflictError"


class PayloadTooLarge(ApiError):
    status_code = 413
    code = "validationError"


class TooManyRequests(ApiError):
    status_code = 429
    code = "tooManyRequests"

    def __init__(self, retry_after: int, message: str = "Too Many Requests") -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after


class InternalError(ApiError):
    status_code = 500
    code = "internalServerError"


def traceability_body(status_code: int, code: str, message: str) -> dict[str, Any]:
    return {
        "statusCode": status_code,
        "errors": [{"code": code, "message": message, "id": nanoid(), "timestamp": str(int(time.time()))}],
    }


def registry_body(status_code: int, message: str) -> dict[str, Any]:
    try:
        phrase = HTTPStatus(status_code).phrase
    except ValueError:
        phrase = "Error"
    return {"statusCode": status_code, "message": message, "error": phrase}
