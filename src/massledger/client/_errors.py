"""Typed errors. Each carries the HTTP status and the server's error body."""

from __future__ import annotations

from typing import Any

import httpx


class MassledgerError(Exception):
    """Any error answer from the server (or no answer at all, for ConnectionFailed)."""

    def __init__(self, message: str, *, status_code: int | None = None, body: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.body = body


class ValidationError(MassledgerError):
    """400/413/415/422: the request is wrong; retrying it unchanged will not help."""


class AuthenticationError(MassledgerError):
    """401: bad client credentials or a token the server refused."""


class PermissionDenied(MassledgerError):
    """403: authenticated, but not allowed (scope, organization or document permissions)."""


class NotFound(MassledgerError):
    """404."""


class Conflict(MassledgerError):
    """409: e.g. a deduplicationId or Idempotency-Key reused for a different request."""


class RateLimited(MassledgerError):
    """429 after the retries ran out; ``retry_after`` is the server's hint in seconds."""

    def __init__(
        self, message: str, *, retry_after: float | None, status_code: int = 429, body: Any = None
    ) -> None:
        super().__init__(message, status_code=status_code, body=body)
        self.retry_after = retry_after


class ServerError(MassledgerError):
    """5xx after the retries ran out."""


class ConnectionFailed(MassledgerError):
    """The server could not be reached (after the retries ran out)."""


def _message(body: Any, fallback: str) -> str:
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return str(errors[0].get("message", fallback))
        if "message" in body:
            message = body["message"]
            return "; ".join(map(str, message)) if isinstance(message, list) else str(message)
    return fallback


def retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def error_for(response: httpx.Response) -> MassledgerError:
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    status = response.status_code
    message = _message(body, f"HTTP {status}")
    if status == 401:
        return AuthenticationError(message, status_code=status, body=body)
    if status == 403:
        return PermissionDenied(message, status_code=status, body=body)
    if status == 404:
        return NotFound(message, status_code=status, body=body)
    if status == 409:
        return Conflict(message, status_code=status, body=body)
    if status == 429:
        return RateLimited(message, retry_after=retry_after_seconds(response), body=body)
    if status >= 500:
        return ServerError(message, status_code=status, body=body)
    return ValidationError(message, status_code=status, body=body)
