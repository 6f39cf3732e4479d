"""Signed access tokens (RFC 9068 style JWTs, EdDSA). Only EdDSA is accepted when verifying, so
``alg: none`` and HS256-with-the-public-key forgeries fail before any claim is read."""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass

import jwt

from massledger.auth.keys import SigningKey
from massledger.ids import nanoid

ALGORITHM = "EdDSA"
_VERIFIED_CACHE_SIZE = 10_000


@dataclass(frozen=True)
class Principal:
    """Who is calling: one client of one organization, acting in one data set."""

    client_id: str
    organization_id: str
    participant_id: str
    data_set: str
    scopes: frozenset[str]


class InvalidToken(Exception):
    pass


class TokenService:
    def __init__(self, key: SigningKey, *, issuer: str, audience: str, ttl_seconds: int) -> None:
        self._key = key
        self._issuer = issuer
        self._audience = audience
        self.ttl_seconds = ttl_seconds
        # Verified tokens, keyed by the whole token (signature included): a client reuses one token for
        # an hour, so the signature check runs once per token, not once per request.
        self._verified: OrderedDict[str, tuple[float, Principal]] = OrderedDict()

    def issue(self, principal: Principal) -> str:
        now = int(time.time())
        claims = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": principal.client_id,
            "client_id": principal.client_id,
            "org_id": principal.organization_id,
            "pid": principal.participant_id,
            "data_set": principal.data_set,
            "scope": " ".join(sorted(principal.scopes)),
            "iat": now,
            "nbf": now,
            "exp": now + self.ttl_seconds,
            "jti": nanoid(),
        }
        headers = {"kid": self._key.kid, "typ": "at+jwt"}
        return jwt.encode(claims, self._key.private_key, algorithm=ALGORITHM, headers=headers)

    def verify(self, token: str) -> Principal:
        cached = self._verified.get(token)
        if cached is not None:
            if cached[0] > time.time():
                return cached[1]
            del self._verified[token]
        principal, expires_at = self._verify_signature(token)
        self._verified[token] = (expires_at, principal)
        if len(self._verified) > _VERIFIED_CACHE_SIZE:
            self._verified.popitem(last=False)
        return principal

    def _verify_signature(self, token: str) -> tuple[Principal, float]:
        try:
            claims = jwt.decode(
                token,
                self._key.public_key,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
                leeway=5,
            )
            principal = Principal(
                client_id=str(claims["client_id"]),
                organization_id=str(claims["org_id"]),
                participant_id=str(claims["pid"]),
                data_set=str(claims["data_set"]),
                scopes=frozenset(str(claims["scope"]).split()),
            )
            return principal, float(claims["exp"])
        except (jwt.PyJWTError, KeyError, TypeError, ValueError) as exc:
            raise InvalidToken(str(exc)) from exc
