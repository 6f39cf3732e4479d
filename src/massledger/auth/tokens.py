"""Signed access tokens (RFC 9068 style JWTs, EdDSA). Only EdDSA is accepted when verifying, so
``alg: none`` and HS256-with-the-public-key forgeries fail before any claim is read."""

from __future__ import annotations

import time
from dataclasses import dataclass

import jwt

from massledger.auth.keys import SigningKey
from massledger.ids import nanoid

ALGORITHM = "EdDSA"


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
            return Principal(
                client_id=str(claims["client_id"]),
                organization_id=str(claims["org_id"]),
                participant_id=str(claims["pid"]),
                data_set=str(claims["data_set"]),
                scopes=frozenset(str(claims["scope"]).split()),
            )
        except (jwt.PyJWTError, KeyError, TypeError, ValueError) as exc:
            raise InvalidToken(str(exc)) from exc
