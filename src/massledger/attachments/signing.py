"""Signed, expiring URLs, like presigned S3 URLs: the URL itself is the credential (no bearer token).
The signature is HMAC-SHA256 over the action, the attachment, the upload nonce and the expiry, keyed by
``url-signing-key`` in the data directory; changing any of them or waiting past the expiry voids it."""

from __future__ import annotations

import hashlib
import hmac
import time

from massledger.errors import Forbidden

UPLOAD = "upload"
DOWNLOAD = "download"


class UrlSigner:
    def __init__(self, key: bytes, ttl_seconds: int) -> None:
        self._key = key
        self.ttl_seconds = ttl_seconds

    def _mac(self, action: str, attachment_id: str, nonce: str, expires: int) -> str:
        message = f"{action}\n{attachment_id}\n{nonce}\n{expires}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def sign(self, action: str, attachment_id: str, nonce: str = "") -> tuple[int, str]:
        """(expires at, in epoch seconds; signature)."""
        expires = int(time.time()) + self.ttl_seconds
        return expires, self._mac(action, attachment_id, nonce, expires)

    def check(self, action: str, attachment_id: str, nonce: str, expires: str, signature: str) -> None:
        """403 unless the signature is ours and the URL has not expired."""
        if not expires.isascii() or not expires.isdigit() or len(expires) > 12:
            raise Forbidden("This URL is not validly signed")
        expected = self._mac(action, attachment_id, nonce, int(expires))
        if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "backslashreplace")):
            raise Forbidden("This URL is not validly signed")
        if int(expires) < time.time():
            raise Forbidden("This URL has expired; request a new one")
