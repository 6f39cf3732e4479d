"""Client-credentials tokens: fetched lazily, cached, refreshed before they expire."""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx

from massledger.client._errors import error_for

REFRESH_MARGIN_SECONDS = 60.0


@dataclass
class CachedToken:
    value: str
    expires_at: float

    def fresh(self, now: float) -> bool:
        return now < self.expires_at


class TokenRequest:
    """What to send to /oauth2/token, and how to read the answer (shared by sync and async)."""

    def __init__(self, client_id: str, client_secret: str, scope: str | None) -> None:
        self.auth = httpx.BasicAuth(client_id, client_secret)
        self.form = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}

    @staticmethod
    def parse(response: httpx.Response) -> CachedToken:
        if response.status_code != 200:
            raise error_for(response)
        body = response.json()
        lifetime = float(body.get("expires_in", 3600))
        margin = min(REFRESH_MARGIN_SECONDS, lifetime / 2)
        return CachedToken(str(body["access_token"]), time.monotonic() + lifetime - margin)
