"""Dependencies of the registry routes: the API version header, organization-bound tokens, the ledger
(data set) a read looks at."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from fastapi import Depends, Header, Request

from massledger.auth.deps import authenticate, oauth2_scheme
from massledger.auth.tokens import Principal
from massledger.errors import Forbidden, NotFound, ValidationFailed
from massledger.registry.schemas import API_VERSION

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


async def api_version(
    version: str | None = Header(
        default=None,
        alias="x-icr-api-version",
        description=f"API version; absent = latest. Supported: {API_VERSION}",
        json_schema_extra={"enum": [API_VERSION]},
    ),
) -> None:
    """One check for every registry route: absent or 2023-06-16, anything else is a 400."""
    if version is not None and version != API_VERSION:
        shown = version if len(version) <= 40 else version[:40] + "…"
        raise ValidationFailed(
            "x-icr-api-version",
            f"unsupported API version {shown!r}; supported: {API_VERSION} (omit the header for the latest)",
        )


def organization_member(*needed: str) -> Callable[..., Awaitable[Principal]]:
    """The principal, when its token carries every scope in ``needed`` and acts for the organization in the
    path (``{id}``): a token acts only for its own organization, another id is a 403."""

    async def dependency(request: Request, id: str, header: str | None = Depends(oauth2_scheme)) -> Principal:
        principal = await authenticate(request, header)
        check_member(principal, id, needed)
        return principal

    dependency.required_scopes = needed  # type: ignore[attr-defined]  # read by the authorization matrix
    return dependency


def check_member(principal: Principal, organization_id: str, needed: tuple[str, ...]) -> None:
    """403 unless the token carries every scope in ``needed`` and acts for ``organization_id``."""
    for scope in needed:
        if scope not in principal.scopes:
            raise Forbidden(f"This access token lacks the scope {scope}")
    if organization_id != principal.organization_id:
        raise Forbidden(
            f"This access token acts for organization {principal.organization_id}, not {organization_id}"
        )


def ledger_of(principal: Principal, development: str | None) -> str:
    """``?development`` (true, 1 or empty) reads the TEST ledger; absent or false: the caller's data set."""
    if development is None:
        return principal.data_set
    value = development.strip().lower()
    if value in ("", "true", "1", "yes"):
        return "TEST"
    if value in ("false", "0", "no"):
        return principal.data_set
    raise ValidationFailed("development", "must be true or false")


def uuid_or_404(value: str, what: str) -> str:
    """Ids are UUIDs; anything else cannot exist (and never reaches the database)."""
    if not _UUID.match(value):
        raise NotFound(f"{what} {value[:80]} was not found")
    return value
