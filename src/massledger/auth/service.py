"""Clients: creation (secret shown once), authentication for the token endpoint, revocation, rotation."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import Connection

from massledger.auth import scopes as scope_names
from massledger.auth import store
from massledger.auth.keys import hash_secret, secret_matches
from massledger.auth.tokens import Principal
from massledger.errors import NotFound, ValidationFailed
from massledger.ids import now_us
from massledger.organizations import store as organization_store
from massledger.traceability.participants import organization_participant_id

DATA_SETS = ("TEST", "PROD")


@dataclass(frozen=True)
class NewClient:
    client_id: str
    client_secret: str
    scopes: list[str]
    data_set: str
    organization_id: str
    participant_id: str

    def as_json(self) -> dict[str, object]:
        return {
            "clientId": self.client_id,
            "clientSecret": self.client_secret,
            "scopes": self.scopes,
            "dataSetName": self.data_set,
            "organizationId": self.organization_id,
            "participantId": self.participant_id,
        }


def create_client(
    conn: Connection,
    pepper: bytes,
    organization_id: str,
    data_set: str,
    scopes: list[str] | None,
    name: str | None = None,
) -> NewClient:
    if organization_store.get_organization(conn, organization_id) is None:
        raise NotFound(f"Organization {organization_id} was not found")
    if data_set not in DATA_SETS:
        raise ValidationFailed("dataSetName", "must be TEST or PROD")
    granted = scope_names.expand(" ".join(scopes)) if scopes else list(scope_names.DEFAULT_CLIENT_SCOPES)
    unknown = [scope for scope in granted if scope not in scope_names.ALL_SCOPES]
    if unknown:
        raise ValidationFailed(
            "scope", f"unknown scope {unknown[0]!r}; known: {', '.join(scope_names.ALL_SCOPES)}"
        )
    participant_id = organization_participant_id(conn, organization_id, data_set)
    assert participant_id is not None, "organizations get a participant in every data set on creation"
    client_id = "mlc_" + secrets.token_hex(12)
    client_secret = secrets.token_urlsafe(32)
    store.insert_client(
        conn,
        {
            "id": client_id,
            "organization_id": organization_id,
            "data_set": data_set,
            "secret_hmac": hash_secret(pepper, client_secret),
            "scopes": " ".join(granted),
            "name": name,
            "created_at_us": now_us(),
            "revoked_at_us": None,
        },
    )
    return NewClient(client_id, client_secret, granted, data_set, organization_id, participant_id)


def authenticate(conn: Connection, pepper: bytes, client_id: str, client_secret: str) -> Principal | None:
    """The client's full principal when id and secret match an active client, else None."""
    # A NUL cannot be in any client id, and PostgreSQL refuses it in a query parameter (was a 500).
    row = store.get_client(conn, client_id) if "\x00" not in client_id else None
    if row is None or row["revoked_at_us"] is not None:
        # Compare anyway so unknown ids and wrong secrets cost the same.
        secret_matches(pepper, client_secret, "0" * 64)
        return None
    if not secret_matches(pepper, client_secret, row["secret_hmac"]):
        return None
    participant_id = organization_participant_id(conn, row["organization_id"], row["data_set"])
    assert participant_id is not None
    return Principal(
        client_id=row["id"],
        organization_id=row["organization_id"],
        participant_id=participant_id,
        data_set=row["data_set"],
        scopes=frozenset(row["scopes"].split()),
    )


def revoke_client(conn: Connection, client_id: str) -> None:
    if store.get_client(conn, client_id) is None:
        raise NotFound(f"Client {client_id} was not found")
    store.set_revoked(conn, client_id, now_us())


def rotate_secret(conn: Connection, pepper: bytes, client_id: str) -> str:
    row = store.get_client(conn, client_id)
    if row is None:
        raise NotFound(f"Client {client_id} was not found")
    secret = secrets.token_urlsafe(32)
    store.set_secret(conn, client_id, hash_secret(pepper, secret))
    return secret
