"""The massledger Python SDK: ``Client`` / ``AsyncClient`` with tokens, retries and typed errors."""

from massledger.client._client import AsyncClient, Client
from massledger.client._errors import (
    AuthenticationError,
    Conflict,
    ConnectionFailed,
    MassledgerError,
    NotFound,
    PermissionDenied,
    RateLimited,
    ServerError,
    ValidationError,
)
from massledger.client._retry import RetryPolicy

__all__ = [
    "AsyncClient",
    "AuthenticationError",
    "Client",
    "Conflict",
    "ConnectionFailed",
    "MassledgerError",
    "NotFound",
    "PermissionDenied",
    "RateLimited",
    "RetryPolicy",
    "ServerError",
    "ValidationError",
]
