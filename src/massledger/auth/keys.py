"""Key material kept in the data directory: the token signing key (Ed25519) and the secret pepper.
Created on first use with O_EXCL, so concurrent first starts agree on one key."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

SIGNING_KEY_FILE = "jwt-signing-key.pem"
PEPPER_FILE = "secret-pepper"
URL_SIGNING_KEY_FILE = "url-signing-key"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _read_or_create(path: Path, make: Any) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    with os.fdopen(fd, "wb") as handle:
        content: bytes = make()
        handle.write(content)
    return content


@dataclass(frozen=True)
class SigningKey:
    private_key: Ed25519PrivateKey
    public_key: Ed25519PublicKey
    kid: str

    def jwk(self) -> dict[str, str]:
        raw = self.public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": _b64url(raw),
            "kid": self.kid,
            "use": "sig",
            "alg": "EdDSA",
        }


def load_signing_key(data_dir: Path) -> SigningKey:
    def make() -> bytes:
        return Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    pem = _read_or_create(data_dir / SIGNING_KEY_FILE, make)
    private_key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(private_key, Ed25519PrivateKey):
        raise ValueError(f"{data_dir / SIGNING_KEY_FILE} is not an Ed25519 key")
    public_key = private_key.public_key()
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return SigningKey(private_key, public_key, _b64url(hashlib.sha256(raw).digest()[:12]))


def load_pepper(data_dir: Path, configured: str | None) -> bytes:
    if configured:
        return configured.encode()
    return _read_or_create(data_dir / PEPPER_FILE, lambda: secrets.token_hex(32).encode()).strip()


def load_url_signing_key(data_dir: Path) -> bytes:
    """HMAC key of the signed, expiring attachment URLs (made like the pepper, never leaves the data dir)."""
    return _read_or_create(data_dir / URL_SIGNING_KEY_FILE, lambda: secrets.token_hex(32).encode()).strip()


def hash_secret(pepper: bytes, secret: str) -> str:
    return hmac.new(pepper, secret.encode(), hashlib.sha256).hexdigest()


def secret_matches(pepper: bytes, secret: str, stored_hmac: str) -> bool:
    return hmac.compare_digest(hash_secret(pepper, secret), stored_hmac)
