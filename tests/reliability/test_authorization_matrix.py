"""Authorization matrix generated from the application's route table: every route × {no token, expired
token, wrong scope, other organization, other data set, owner} → the expected status. A route without an
entry in SETUPS fails the test, so new routes are covered as they are added."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from massledger.auth.keys import load_signing_key
from massledger.auth.scopes import ALL_SCOPES
from massledger.ids import nanoid
from massledger.settings import Settings
from massledger.traceability import export
from tests.attachments.helpers import local, upload
from tests.conftest import Api, Credentials, Factory, fetch_token
from tests.traceability.helpers import document_body, event_body


@dataclass
class World:
    """An owner organization with TEST and PROD clients, a stranger in TEST, a TEST document, and in the TEST
    registry ledger: friendbot credits of the owner, one of its retirements and the sandbox project."""

    http: TestClient
    factory: Factory
    owner: Credentials
    owner_prod: Credentials
    stranger: Credentials
    document_id: str
    download_path: str = ""  # a signed download URL of an attachment of the document
    credit_id: str = ""
    transaction_id: str = ""
    retirement_id: str = ""
    project_id: str = ""
    audited_id: str = ""  # a TEST document audited by the owner (not the one the event routes append to)
    audit_id: str = ""


@dataclass
class Target:
    path: str
    body: Any = None
    expected: dict[str, int] = field(default_factory=dict)  # case -> status; a missing case does not apply
    form: dict[str, str] | None = None  # sent form-encoded instead of the JSON body


def _document_target(world: World) -> Target:
    return Target(
        f"/documents/{world.document_id}",
        expected={"owner": 200, "other_organization": 403, "other_data_set": 404},
    )


def _restore_target(world: World) -> Target:
    """The export record of the world's document: restoring it again changes nothing (200). The admin scope
    works across organizations of its data set (an operator's), never across data sets."""
    record = world.factory.database.run_read(
        lambda conn: next(export.export_documents(conn, None, [world.document_id]))
    )
    return Target(
        "/admin/documents/restore",
        record,
        {"owner": 200, "other_organization": 200, "other_data_set": 403},
    )


ATTACHMENT = "/documents/{documentId}/attachments/{fileName:filename}"


def _org(world: World, suffix: str = "") -> str:
    return f"/organizations/{world.owner.organization_id}{suffix}"


# Registry routes: a token acts only for its organization (403 for the stranger); the PROD token of the
# owner reads its (empty) PROD ledger, where the TEST transaction, retirement and project do not exist.
REGISTRY_READ = {"owner": 200, "other_organization": 403, "other_data_set": 200}
TEST_LEDGER_ONLY = {"owner": 200, "other_organization": 403, "other_data_set": 404}
ANY_TOKEN_TEST_PROJECT = {"owner": 200, "other_organization": 200, "other_data_set": 404}


def _action_target(world: World) -> Target:
    body = {"creditId": world.credit_id, "amount": 0.001, "toOrganizationId": world.stranger.organization_id}
    # The PROD token acts on the PROD ledger, where this TEST credit does not exist: 400 naming creditId.
    return Target(
        _org(world, "/inventory/action/transfer"),
        body,
        {"owner": 200, "other_organization": 403, "other_data_set": 400},
    )


def _admin(path: str, body: Any = None, status: int = 200) -> Callable[[World], Target]:
    # registry:admin is an operator scope, not bound to an organization: the stranger's admin token works.
    return lambda w: Target(
        path.format(w=w), body(w) if callable(body) else body, {"owner": status, "other_organization": status}
    )


def _document_target(world: World) -> Target:
    return Target(
        f"/documents/{world.document_id}",
        expected={"owner": 200, "other_organization": 403, "other_data_set": 404},
    )


SETUPS: dict[tuple[str, str], Callable[[World], Target]] = {
    ("GET", "/health"): lambda w: Target("/health", expected={"public": 200}),
    ("GET", "/ready"): lambda w: Target("/ready", expected={"public": 200}),
    ("GET", "/.well-known/jwks.json"): lambda w: Target("/.well-known/jwks.json", expected={"public": 200}),
    ("POST", "/oauth2/token"): lambda w: Target(
        "/oauth2/token", expected={"public": 401}, form={"grant_type": "client_credentials"}
    ),
    ("POST", "/documents"): lambda w: Target("/documents", document_body(), {"owner": 201}),
    ("GET", "/documents/{id}"): _document_target,
    ("POST", "/documents/{documentId}/events"): lambda w: Target(
        f"/documents/{w.document_id}/events",
        event_body("Note"),
        {"owner": 201, "other_organization": 403, "other_data_set": 404},
    ),
    # A listing of readable documents: other callers get 200 with their own (empty) list.
    ("GET", "/documents"): lambda w: Target(
        "/documents", expected={"owner": 200, "other_organization": 200, "other_data_set": 200}
    ),
    ("POST", "/admin/documents/restore"): _restore_target,
    ("GET", "/public/documents"): lambda w: Target("/public/documents", expected={"public": 200}),
    ("GET", "/public/documents/{id}"): lambda w: Target(
        f"/public/documents/{w.document_id}", expected={"public": 200}
    ),
    ("POST", "/documents/events"): lambda w: Target(
        "/documents/events",
        {"documentId": w.document_id, "events": [event_body("Note")]},
        {"owner": 201, "other_organization": 403, "other_data_set": 404},
    ),
    ("PUT", ATTACHMENT): lambda w: Target(
        f"/documents/{w.document_id}/attachments/new.pdf",
        {"contentLength": 4, "contentType": "application/pdf"},
        {"owner": 200, "other_organization": 403, "other_data_set": 404},
    ),
    ("GET", ATTACHMENT): lambda w: Target(
        f"/documents/{w.document_id}/attachments/manifest.pdf",
        expected={"owner": 200, "other_organization": 403, "other_data_set": 404},
    ),
    # Signed URLs need no token: the signature is the credential (403 without a valid one).
    ("PUT", "/attachments/uploads/{attachmentId}"): lambda w: Target(
        "/attachments/uploads/x?nonce=n&expires=9999999999&signature=0", expected={"public": 403}
    ),
    ("GET", "/attachments/downloads/{attachmentId}"): lambda w: Target(
        w.download_path, expected={"public": 200}
    ),
    ("GET", "/organizations/{id}"): lambda w: Target(_org(w), expected=REGISTRY_READ),
    ("GET", "/organizations/{id}/addresses"): lambda w: Target(_org(w, "/addresses"), expected=REGISTRY_READ),
    ("GET", "/organizations/{id}/inventory"): lambda w: Target(_org(w, "/inventory"), expected=REGISTRY_READ),
    ("POST", "/organizations/{id}/inventory/action/{action}"): _action_target,
    ("GET", "/organizations/{id}/transactions"): lambda w: Target(
        _org(w, "/transactions"), expected=REGISTRY_READ
    ),
    ("GET", "/organizations/{id}/transactions/{transactionId}"): lambda w: Target(
        _org(w, f"/transactions/{w.transaction_id}"), expected=TEST_LEDGER_ONLY
    ),
    ("GET", "/organizations/{id}/retirements"): lambda w: Target(
        _org(w, "/retirements"), expected=REGISTRY_READ
    ),
    ("GET", "/organizations/{id}/retirements/{retirementId}/pdf"): lambda w: Target(
        _org(w, f"/retirements/{w.retirement_id}/pdf"), expected=TEST_LEDGER_ONLY
    ),
    # Friendbot deposits into the TEST ledger whatever the token's data set.
    ("GET", "/organizations/{id}/friendbot"): lambda w: Target(_org(w, "/friendbot"), expected=REGISTRY_READ),
    ("GET", "/projects"): lambda w: Target(
        "/projects", expected={"owner": 200, "other_organization": 200, "other_data_set": 200}
    ),
    ("GET", "/projects/{projectId}"): lambda w: Target(
        f"/projects/{w.project_id}", expected=ANY_TOKEN_TEST_PROJECT
    ),
    ("GET", "/carbonCredits/projects/{projectId}"): lambda w: Target(
        f"/carbonCredits/projects/{w.project_id}", expected=ANY_TOKEN_TEST_PROJECT
    ),
    ("POST", "/registry/organizations"): _admin("/registry/organizations", {"fullName": "Created"}, 201),
    ("PATCH", "/registry/organizations/{id}"): _admin(
        "/registry/organizations/{w.owner.organization_id}", {"city": "Recife"}
    ),
    ("POST", "/registry/organizations/{id}/addresses"): _admin(
        "/registry/organizations/{w.owner.organization_id}/addresses", lambda w: {"name": nanoid()}, 201
    ),
    ("POST", "/registry/projects"): _admin(
        "/registry/projects", {"fullName": "P", "countryCode": "BR", "methodology": "BOLD Carbon"}, 201
    ),
    ("POST", "/registry/issuances"): _admin(
        "/registry/issuances",
        lambda w: {
            "projectId": w.project_id,
            "vintage": 2030,
            "amount": 1,
            "toOrganizationId": w.owner.organization_id,
        },
        201,
    ),
    ("GET", "/registry/credits/{creditId}"): _admin("/registry/credits/{w.credit_id}"),
    ("GET", "/methodologies"): lambda w: Target("/methodologies", expected={"public": 200}),
    # Auditing needs READ on the document: the stranger may not read it (403), PROD does not see it (404).
    ("POST", "/methodologies/{slug}/audits"): lambda w: Target(
        "/methodologies/bold-recycling/audits",
        {"documentId": w.audited_id},
        {"owner": 201, "other_organization": 403, "other_data_set": 404},
    ),
    ("POST", "/methodologies/{slug}/evaluate"): lambda w: Target(
        "/methodologies/bold-recycling/evaluate",
        {"documentId": w.audited_id},
        {"owner": 200, "other_organization": 403, "other_data_set": 404},
    ),
    ("GET", "/methodologies/{slug}/audits/{auditId}"): lambda w: Target(
        f"/methodologies/bold-recycling/audits/{w.audit_id}",
        expected={"owner": 200, "other_organization": 403, "other_data_set": 404},
    ),
    ("GET", "/public/credits/{creditId}/provenance"): lambda w: Target(
        f"/public/credits/{w.credit_id}/provenance", expected={"public": 200}
    ),
}


def _api_routes(app: Any) -> list[Any]:
    """Every API route, included routers walked. FastAPI ≥ 0.165 keeps included routers as lazy branches
    in ``app.routes``; reading only ``app.routes`` would find no route and check nothing."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI copies the routes into app.routes
        return [route for route in app.routes if isinstance(route, APIRoute)]
    return [
        context for context in iter_route_contexts(app.routes) if isinstance(context.original_route, APIRoute)
    ]


def _routes(app: Any) -> list[tuple[str, str, tuple[str, ...] | None]]:
    """(method, path, required scopes or None for public) of every documented route."""
    found = []
    for route in _api_routes(app):
        if not route.include_in_schema:
            continue
        scopes = None
        for dependency in route.dependant.dependencies:
            needed = getattr(dependency.call, "required_scopes", None)
            if needed is not None:
                scopes = tuple(needed)
        for method in sorted(route.methods - {"HEAD"}):
            found.append((method, route.path, scopes))
    return found


def _request(http: TestClient, method: str, target: Target, token: str | None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if target.form is not None:
        return http.request(method, target.path, data=target.form, headers=headers).status_code
    return http.request(method, target.path, json=target.body, headers=headers).status_code


def test_every_route_against_every_caller(
    app_client: TestClient, factory: Factory, settings: Settings
) -> None:
    owner_org = factory.organization("Owner")
    everything = list(ALL_SCOPES)
    world = World(
        app_client,
        factory,
        owner=factory.client(owner_org, "TEST", everything),
        owner_prod=factory.client(owner_org, "PROD", everything),
        stranger=factory.client(None, "TEST", everything),
        document_id="",
    )
    owner = Api(app_client, world.owner)
    world.document_id = owner.post("/documents", json=document_body()).json()["id"]
    upload(owner, world.document_id, "manifest.pdf", b"%PDF", "application/pdf")
    link = owner.get(f"/documents/{world.document_id}/attachments/manifest.pdf").json()
    world.download_path = local(link["downloadUrl"])
    gift = owner.get(f"/organizations/{owner_org}/friendbot").json()
    [credit] = owner.get(f"/organizations/{owner_org}/inventory").json()["credits"]
    world.credit_id, world.project_id = credit["id"], credit["project"]["id"]
    retired = owner.post(
        f"/organizations/{owner_org}/inventory/action/retire",
        json={
            "creditId": world.credit_id,
            "amount": 1,
            "retirementData": {"beneficiaryName": "B", "reason": "R"},
        },
    ).json()
    world.transaction_id, world.retirement_id = gift["transactionId"], retired["retirementId"]
    world.audited_id = owner.post("/documents", json=document_body()).json()["id"]
    audit = owner.post("/methodologies/bold-recycling/audits", json={"documentId": world.audited_id})
    world.audit_id = audit.json()["auditId"]
    key = load_signing_key(settings.data_dir)
    tokens = {
        name: fetch_token(app_client, creds)
        for name, creds in {
            "owner": world.owner,
            "other_data_set": world.owner_prod,
            "other_organization": world.stranger,
        }.items()
    }
    expired_claims = jwt.decode(tokens["owner"], options={"verify_signature": False})
    expired = jwt.encode(
        {**expired_claims, "exp": int(time.time()) - 300, "iat": int(time.time()) - 4000},
        key.private_key,
        algorithm="EdDSA",
    )

    routes = _routes(app_client.app)
    assert ("POST", "/documents", ("documents:write",)) in routes, routes  # the walk finds the routes
    missing = [f"{method} {path}" for method, path, _ in routes if (method, path) not in SETUPS]
    assert not missing, f"routes without an authorization-matrix setup: {missing}"
    failures = []
    for method, path, scopes in routes:
        target = SETUPS[(method, path)](world)
        if scopes is None:
            status = _request(app_client, method, target, None)
            if status != target.expected.get("public"):
                failures.append(f"{method} {path} public: {status}")
            continue
        cases: dict[str, tuple[str | None, int]] = {"no_token": (None, 401), "expired": (expired, 401)}
        if scopes:
            lacking = factory.client(owner_org, "TEST", [s for s in ALL_SCOPES if s not in scopes])
            cases["wrong_scope"] = (fetch_token(app_client, lacking), 403)
        for case in ("other_organization", "other_data_set", "owner"):
            if case in target.expected:
                cases[case] = (tokens[case], target.expected[case])
        assert "owner" in cases, f"{method} {path}: the setup must say what the owner gets"
        for case, (token, expected) in cases.items():
            status = _request(app_client, method, SETUPS[(method, path)](world), token)
            if status != expected:
                failures.append(f"{method} {path} {case}: expected {expected}, got {status}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Basic abc", "bearer x.y.z", "Token abc"])
def test_malformed_authorization_headers(app_client: TestClient, header: str) -> None:
    response = app_client.get("/documents/x", headers={"Authorization": header})
    assert response.status_code == 401
