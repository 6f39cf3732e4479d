"""POST /oauth2/token (seed 000 step 1) and how every route treats bad tokens."""

from __future__ import annotations

import base64
import json
import time

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from massledger.auth.keys import load_signing_key
from massledger.settings import Settings
from tests.conftest import Api, Factory, fetch_token


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(token: str) -> dict[str, object]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def test_token_with_basic_auth_and_alias_scope(app_client: TestClient, factory: Factory) -> None:
    creds = factory.client()
    response = app_client.post(
        "/oauth2/token",
        data={"grant_type": "client_credentials", "scope": "api.carrot.eco/main-scope"},
        auth=(creds.client_id, creds.client_secret),
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["scope"] == "api.carrot.eco/main-scope"
    assert response.headers["cache-control"] == "no-store"
    claims = _claims(body["access_token"])
    assert set(str(claims["scope"]).split()) == {"documents:read", "documents:write"}
    assert claims["org_id"] == creds.organization_id and claims["data_set"] == "TEST"
    assert int(claims["exp"]) - int(claims["iat"]) == 3600  # type: ignore[call-overload]


def test_no_scope_requested_grants_every_allowed_scope(app_client: TestClient, factory: Factory) -> None:
    creds = factory.client(scopes=["documents:read", "methodology:run"])
    token = fetch_token(app_client, creds)
    assert set(str(_claims(token)["scope"]).split()) == {"documents:read", "methodology:run"}


def test_token_errors(app_client: TestClient, factory: Factory) -> None:
    creds = factory.client(scopes=["documents:read"])
    wrong_secret = app_client.post(
        "/oauth2/token", data={"grant_type": "client_credentials"}, auth=(creds.client_id, "nope")
    )
    assert wrong_secret.status_code == 401
    assert wrong_secret.json()["errors"][0]["code"] == "unauthorized"
    assert wrong_secret.json()["error"] == "invalid_client"
    unknown = app_client.post("/oauth2/token", data={"grant_type": "client_credentials"}, auth=("x", "y"))
    assert unknown.status_code == 401
    nul = app_client.post("/oauth2/token", data={"grant_type": "client_credentials"}, auth=("a\x00b", "y"))
    assert nul.status_code == 401
    no_auth = app_client.post("/oauth2/token", data={"grant_type": "client_credentials"})
    assert no_auth.status_code == 401
    grant = app_client.post(
        "/oauth2/token", data={"grant_type": "password"}, auth=(creds.client_id, creds.client_secret)
    )
    assert grant.status_code == 400 and "grant_type" in grant.json()["errors"][0]["message"]
    scope = app_client.post(
        "/oauth2/token",
        data={"grant_type": "client_credentials", "scope": "documents:write"},
        auth=(creds.client_id, creds.client_secret),
    )
    assert scope.status_code == 400 and scope.json()["error"] == "invalid_scope"
    json_body = app_client.post(
        "/oauth2/token",
        json={"grant_type": "client_credentials"},
        auth=(creds.client_id, creds.client_secret),
    )
    assert json_body.status_code == 400


def test_client_secret_in_form_body_is_accepted(app_client: TestClient, factory: Factory) -> None:
    creds = factory.client()
    response = app_client.post(
        "/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": creds.client_id,
            "client_secret": creds.client_secret,
        },
    )
    assert response.status_code == 200


def test_jwks_verifies_issued_tokens(app_client: TestClient, factory: Factory) -> None:
    token = fetch_token(app_client, factory.client())
    keys = app_client.get("/.well-known/jwks.json").json()["keys"]
    assert keys[0]["kty"] == "OKP" and keys[0]["alg"] == "EdDSA"
    public = jwt.PyJWK(keys[0]).key
    assert jwt.decode(token, public, algorithms=["EdDSA"], audience="massledger")["sub"]


def test_bad_tokens_are_401_and_missing_scope_is_403(
    app_client: TestClient, factory: Factory, settings: Settings
) -> None:
    creds = factory.client(scopes=["documents:read"])
    good = fetch_token(app_client, creds)
    header, payload, _signature = good.split(".")
    claims = _claims(good)
    key = load_signing_key(settings.data_dir)

    expired = jwt.encode(
        {**claims, "exp": int(time.time()) - 120, "iat": int(time.time()) - 4000},
        key.private_key,
        algorithm="EdDSA",
    )
    other_key = Ed25519PrivateKey.generate()
    wrongly_signed = jwt.encode(claims, other_key, algorithm="EdDSA")
    alg_none = f"{_b64(json.dumps({'alg': 'none', 'typ': 'JWT'}).encode())}.{payload}."
    public_pem = key.public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    hs256_with_public_key = f"{_b64(json.dumps({'alg': 'HS256', 'typ': 'JWT'}).encode())}.{payload}." + _b64(
        __import__("hmac")
        .new(
            public_pem,
            f"{_b64(json.dumps({'alg': 'HS256', 'typ': 'JWT'}).encode())}.{payload}".encode(),
            "sha256",
        )
        .digest()
    )
    tampered_claims = dict(claims, org_id="someone-else")
    tampered = f"{header}.{_b64(json.dumps(tampered_claims).encode())}.{_signature}"
    other_audience = jwt.encode({**claims, "aud": "elsewhere"}, key.private_key, algorithm="EdDSA")

    path = "/documents/00000000-0000-4000-8000-000000000000"
    assert app_client.get(path).status_code == 401
    assert app_client.get(path).json()["errors"][0]["code"] == "unauthorized"
    assert app_client.get(path, headers={"Authorization": "Basic abc"}).status_code == 401
    for token in (
        expired,
        wrongly_signed,
        alg_none,
        hs256_with_public_key,
        tampered,
        other_audience,
        "garbage",
    ):
        response = app_client.get(path, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token
        assert response.headers["www-authenticate"].startswith("Bearer")

    # A valid token without documents:write may read but not write.
    reader = Api(app_client, creds)
    assert reader.get(path).status_code == 404
    denied = reader.post("/documents", json={})
    assert denied.status_code == 403
    assert denied.json()["errors"][0]["code"] == "restrictedResource"
    assert "documents:write" in denied.json()["errors"][0]["message"]


def test_revoked_client_is_shut_out(app_client: TestClient, factory: Factory) -> None:
    from massledger.auth import service

    creds = factory.client()
    api = Api(app_client, creds)
    path = "/documents/00000000-0000-4000-8000-000000000000"
    assert api.get(path).status_code == 404
    factory.database.run_write(service.revoke_client, creds.client_id)
    app_client.app.state.client_status.forget(creds.client_id)  # type: ignore[attr-defined]
    assert api.get(path).status_code == 401
    again = app_client.post(
        "/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(creds.client_id, creds.client_secret),
    )
    assert again.status_code == 401


def test_other_issuer_missing_claims_and_not_yet_valid_tokens_are_401(
    app_client: TestClient, factory: Factory, settings: Settings
) -> None:
    """Signed with the real key, so only the claim checks can refuse them."""
    claims = _claims(fetch_token(app_client, factory.client()))
    key = load_signing_key(settings.data_dir)

    def signed(payload: dict[str, object], **headers: str) -> str:
        return jwt.encode(payload, key.private_key, algorithm="EdDSA", headers=headers or None)

    without = {name: {k: v for k, v in claims.items() if k != name} for name in ("exp", "sub", "data_set")}
    public_raw = key.public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    header_hs256 = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = _b64(json.dumps(claims).encode())
    hs256_with_raw_key = f"{header_hs256}.{payload}." + _b64(
        __import__("hmac").new(public_raw, f"{header_hs256}.{payload}".encode(), "sha256").digest()
    )
    forged = {
        "other issuer": signed({**claims, "iss": "someone-else"}),
        "no exp": signed(without["exp"]),
        "no sub": signed(without["sub"]),
        "no data set": signed(without["data_set"]),
        "not valid before an hour from now": signed({**claims, "nbf": int(time.time()) + 3600}),
        "alg None": f"{_b64(json.dumps({'alg': 'None'}).encode())}.{payload}.",
        "alg NONE": f"{_b64(json.dumps({'alg': 'NONE'}).encode())}.{payload}.",
        "HS256 with the raw public key": hs256_with_raw_key,
        "signature stripped": signed(claims).rsplit(".", 1)[0] + ".",
    }
    path = "/documents/00000000-0000-4000-8000-000000000000"
    for name, token in forged.items():
        response = app_client.get(path, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, name
        assert response.json()["errors"][0]["code"] == "unauthorized", name
    assert app_client.get(path, headers={"Authorization": f"Bearer {signed(claims)}"}).status_code == 404
