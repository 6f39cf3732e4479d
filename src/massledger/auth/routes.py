"""OAuth2 token endpoint (client credentials, RFC 6749 §4.4) and the public JWKS."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qs, unquote

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from massledger.auth import scopes as scope_names
from massledger.auth import service
from massledger.auth.tokens import Principal
from massledger.errors import ApiError

router = APIRouter(tags=["auth"])


class OAuthError(ApiError):
    """An error envelope that also carries RFC 6749 §5.2 ``error``/``error_description`` for OAuth clients."""

    def __init__(self, status_code: int, code: str, oauth_error: str, message: str) -> None:
        headers = {"Cache-Control": "no-store"}
        if status_code == 401:
            headers["WWW-Authenticate"] = 'Basic realm="massledger"'
        super().__init__(message, headers=headers)
        self.status_code = status_code
        self.code = code
        self.extra = {"error": oauth_error, "error_description": message}


class TokenResponse(BaseModel):
    access_token: str
    token_type: str
    expires_in: int
    scope: str


def _basic_credentials(header: str | None) -> tuple[str, str] | None:
    if not header or header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except ValueError:  # binascii.Error, UnicodeDecodeError, and non-ASCII header text
        return None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        return None
    # RFC 6749 §2.3.1: credentials are form-urlencoded before Basic encoding.
    return unquote(client_id), unquote(secret)


def _form(body: bytes, content_type: str) -> dict[str, str]:
    if content_type.split(";", 1)[0].strip().lower() != "application/x-www-form-urlencoded":
        raise OAuthError(
            400,
            "validationError",
            "invalid_request",
            "Content-Type must be application/x-www-form-urlencoded",
        )
    try:
        parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError as exc:
        raise OAuthError(400, "validationError", "invalid_request", "Form body is not UTF-8") from exc
    form: dict[str, str] = {}
    for key, values in parsed.items():
        if len(values) != 1:
            raise OAuthError(400, "validationError", "invalid_request", f"{key}: must be given once")
        form[key] = values[0]
    return form


@router.post(
    "/oauth2/token",
    response_model=TokenResponse,
    summary="Exchange client credentials for an access token",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "required": ["grant_type"],
                        "properties": {
                            "grant_type": {"type": "string", "enum": ["client_credentials"]},
                            "scope": {"type": "string"},
                            "client_id": {"type": "string"},
                            "client_secret": {"type": "string"},
                        },
                    }
                }
            },
        }
    },
)
async def issue_token(request: Request, response: Response) -> Any:
    form = _form(await request.body(), request.headers.get("content-type", ""))
    if form.get("grant_type") != "client_credentials":
        raise OAuthError(
            400,
            "validationError",
            "unsupported_grant_type",
            "grant_type: only client_credentials is supported",
        )
    credentials = _basic_credentials(request.headers.get("authorization"))
    if credentials is None and "client_id" in form and "client_secret" in form:
        credentials = (form["client_id"], form["client_secret"])
    if credentials is None:
        raise OAuthError(401, "unauthorized", "invalid_client", "Client authentication required (HTTP Basic)")
    if "\x00" in credentials[0]:  # no client id holds NUL, and PostgreSQL text cannot be queried with it
        raise OAuthError(401, "unauthorized", "invalid_client", "Unknown client or wrong client secret")
    state = request.app.state
    # Before the secret check: a flood of token requests for one client id never reaches the database.
    state.rate_limiter.hit(
        f"token:{credentials[0][:64]}",
        state.settings.rate_limit_prod_per_second,
        "the token endpoint, per client",
    )
    principal: Principal | None = await state.database.read(service.authenticate, state.pepper, *credentials)
    if principal is None:
        raise OAuthError(401, "unauthorized", "invalid_client", "Unknown client or wrong client secret")
    requested = form.get("scope", "").strip()
    if requested:
        granted = scope_names.expand(requested)
        missing = [scope for scope in granted if scope not in principal.scopes]
        if missing:
            raise OAuthError(
                400, "validationError", "invalid_scope", f"scope: this client may not request {missing[0]}"
            )
        response_scope = requested
    else:
        granted = sorted(principal.scopes)
        response_scope = " ".join(granted)
    token_principal = Principal(
        client_id=principal.client_id,
        organization_id=principal.organization_id,
        participant_id=principal.participant_id,
        data_set=principal.data_set,
        scopes=frozenset(granted),
    )
    token = state.tokens.issue(token_principal)
    response.headers["Cache-Control"] = "no-store"
    return TokenResponse(
        access_token=token, token_type="Bearer", expires_in=state.tokens.ttl_seconds, scope=response_scope
    )


@router.get("/.well-known/jwks.json", summary="Public keys that verify access tokens")
async def jwks(request: Request) -> dict[str, list[dict[str, str]]]:
    return {"keys": [request.app.state.signing_key.jwk()]}
