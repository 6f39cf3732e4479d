"""FastAPI dependencies: the calling principal and per-route scope checks."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import Depends, Request
from fastapi.openapi.models import OAuthFlowClientCredentials, OAuthFlows
from fastapi.security import OAuth2
from sqlalchemy import Connection
from starlette.datastructures import State

from massledger.auth import scopes as scope_names
from massledger.auth import store
from massledger.auth.tokens import InvalidToken, Principal
from massledger.db.engine import Database
from massledger.errors import Forbidden, Unauthorized

oauth2_scheme = OAuth2(
    flows=OAuthFlows(
        clientCredentials=OAuthFlowClientCredentials(
            tokenUrl="/oauth2/token", scopes={scope: scope for scope in scope_names.ALL_SCOPES}
        )
    ),
    scheme_name="OAuth2ClientCredentials",
    auto_error=False,
)


class ClientStatusCache:
    """Is a client still active? Checked on every request, cached for a few seconds so a revoked client
    is shut out quickly without a query per request."""

    def __init__(self, database: Database, ttl_seconds: float = 5.0) -> None:
        self._database = database
        self._ttl = ttl_seconds
        self._entries: dict[str, tuple[float, bool]] = {}

    async def is_active(self, client_id: str) -> bool:
        now = time.monotonic()
        entry = self._entries.get(client_id)
        if entry is not None and entry[0] > now:
            return entry[1]
        active = await self._database.read(_client_active, client_id)
        self._entries[client_id] = (now + self._ttl, active)
        return active

    def forget(self, client_id: str) -> None:
        self._entries.pop(client_id, None)


def _client_active(conn: Connection, client_id: str) -> bool:
    row = store.get_client(conn, client_id)
    return row is not None and row["revoked_at_us"] is None


def limit_client(request: Request, principal: Principal) -> None:
    """The per-client rate limit of every authenticated route (429 tooManyRequests with Retry-After)."""
    _limit(request.app.state, principal)


def _limit(state: State, principal: Principal) -> None:
    settings = state.settings
    per_second = (
        settings.rate_limit_test_per_second
        if principal.data_set == "TEST"
        else settings.rate_limit_prod_per_second
    )
    state.rate_limiter.hit(principal.client_id, per_second, f"a {principal.data_set} client")


async def principal_of(state: State, header: str | None, needed: tuple[str, ...] = ()) -> Principal:
    """The caller named by an Authorization header value, checked in this order: a bearer token (401),
    its signature and expiry (401), the client's rate limit (429), the client not revoked (401), and
    every scope in ``needed`` (403). ``state`` is the application's state."""
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Missing bearer token in the Authorization header")
    token = token.strip()
    try:
        principal: Principal = state.tokens.verify(token)
    except InvalidToken as exc:
        raise Unauthorized("Invalid or expired access token") from exc
    _limit(state, principal)
    if not await state.client_status.is_active(principal.client_id):
        raise Unauthorized("The client of this token has been revoked")
    for scope in needed:
        if scope not in principal.scopes:
            raise Forbidden(f"This access token lacks the scope {scope}")
    return principal


async def authenticate(request: Request, header: str | None, needed: tuple[str, ...] = ()) -> Principal:
    principal = await principal_of(request.app.state, header, needed)
    request.state.principal = principal
    return principal


async def current_principal(request: Request, header: str | None = Depends(oauth2_scheme)) -> Principal:
    """The caller, whatever its scopes."""
    return await authenticate(request, header)


def require(*needed: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency returning the principal when its token carries every scope in ``needed``."""

    async def dependency(request: Request, header: str | None = Depends(oauth2_scheme)) -> Principal:
        return await authenticate(request, header, needed)

    dependency.required_scopes = needed  # type: ignore[attr-defined]  # read by the authorization matrix
    return dependency
