"""Authorization matrix generated from the application's route table: every route × {no token, expired
token, wrong scope, other organization, other data set, owner} → the expected status, and every public route
→ 200 for the caller it serves (and its refusals). Every route the app serves is walked, documented or not
(the /v1 aliases, the OpenAPI pages), and the documented ones are exactly the operations of /openapi.json. A
route without an entry in SETUPS fails the test, so new routes are covered as they are added."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import jwt
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from massledger.app import create_app
from massledger.auth.keys import load_signing_key
from massledger.auth.scopes import ALL_SCOPES
from massledger.ids import nanoid
from massledger.settings import Settings
from massledger.traceability import export
from tests.attachments.helpers import declare, local, upload
from tests.conftest import Api, Credentials, Factory, fetch_token
from tests.registry.helpers import Member, retire_body
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
    private_document_id: str = ""  # not public: the public views do not show it
    download_path: str = ""  # a signed download URL of an attachment of the document
    upload_path: str = ""  # a signed upload URL, not used yet, of a declared 4-byte PDF
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
    content: bytes | None = None  # sent as is (a file upload) instead of the JSON body
    headers: dict[str, str] = field(default_factory=dict)
    auth: tuple[str, str] | None = None  # HTTP Basic credentials (the token endpoint)


ATTACHMENT = "/documents/{documentId}/attachments/{fileName}"


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


def _public(path: str) -> Callable[[World], Target]:
    return lambda w: Target(path, expected={"public": 200})


def _token(world: World) -> list[Target]:
    form = {"grant_type": "client_credentials"}
    owner = (world.owner.client_id, world.owner.client_secret)
    return [
        Target("/oauth2/token", expected={"public": 200}, form=form, auth=owner),
        Target("/oauth2/token", expected={"public": 401}, form=form),  # no client credentials
        Target("/oauth2/token", expected={"public": 401}, form=form, auth=(owner[0], "wrong")),
    ]


def _upload(world: World) -> list[Target]:
    pdf = {"Content-Type": "application/pdf"}
    return [
        # The signature is the credential: a valid one is enough (no token), anything else is a 403.
        Target(world.upload_path, expected={"public": 200}, content=b"%PDF", headers=pdf),
        Target(
            "/attachments/uploads/x?nonce=n&expires=9999999999&signature=0",
            expected={"public": 403},
            content=b"%PDF",
            headers=pdf,
        ),
    ]


def _download(world: World) -> list[Target]:
    forged = world.download_path.rsplit("signature=", 1)[0] + "signature=" + "0" * 64
    return [Target(world.download_path, expected={"public": 200}), Target(forged, expected={"public": 403})]


def _public_document(world: World) -> list[Target]:
    return [
        Target(f"/public/documents/{world.document_id}", expected={"public": 200}),
        Target(f"/public/documents/{world.private_document_id}", expected={"public": 404}),
    ]


SETUPS: dict[tuple[str, str], Callable[[World], Target | list[Target]]] = {
    # FastAPI's own pages: public by design.
    ("GET", "/openapi.json"): _public("/openapi.json"),
    ("GET", "/docs"): _public("/docs"),
    ("GET", "/docs/oauth2-redirect"): _public("/docs/oauth2-redirect"),
    ("GET", "/redoc"): _public("/redoc"),
    ("GET", "/health"): _public("/health"),
    ("GET", "/ready"): _public("/ready"),
    ("GET", "/.well-known/jwks.json"): _public("/.well-known/jwks.json"),
    ("POST", "/oauth2/token"): _token,
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
    ("GET", "/public/documents"): _public("/public/documents"),
    ("GET", "/public/documents/{id}"): _public_document,
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
    ("PUT", "/attachments/uploads/{attachmentId}"): _upload,
    ("GET", "/attachments/downloads/{attachmentId}"): _download,
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
    ("GET", "/methodologies"): _public("/methodologies"),
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
    ("GET", "/public/credits/{creditId}/provenance"): lambda w: [
        Target(f"/public/credits/{w.credit_id}/provenance", expected={"public": 200}),
        Target("/public/credits/exPost-0-0x0/provenance", expected={"public": 404}),
    ],
}


V1 = "/v1"  # the traceability routes are served again under /v1 (not documented twice)


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # as documented: "{fileName}", not "{fileName:filename}"
    scopes: tuple[str, ...] | None  # None: public
    documented: bool

    @property
    def setup_key(self) -> tuple[str, str]:
        """A /v1 alias is checked with the setup of the route it aliases, on its own path."""
        alias = not self.documented and self.path.startswith(f"{V1}/")
        return self.method, self.path.removeprefix(V1) if alias else self.path


def _served_routes(app: Any) -> list[Any]:
    """Every route the app serves, included routers walked. FastAPI ≥ 0.165 keeps included routers as lazy
    branches in ``app.routes``; reading only ``app.routes`` would find no API route and check nothing."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI copies the routes into app.routes
        return [route for route in app.routes if getattr(route, "methods", None)]
    return [context for context in iter_route_contexts(app.routes) if getattr(context, "methods", None)]


def _routes(app: Any) -> list[Route]:
    """Every (method, path) the app answers, documented or not, with the scopes its token must carry."""
    found = []
    for route in _served_routes(app):
        scopes = None
        original = getattr(route, "original_route", route)
        if isinstance(original, APIRoute):
            for dependency in route.dependant.dependencies:
                needed = getattr(dependency.call, "required_scopes", None)
                if needed is not None:
                    scopes = tuple(needed)
        path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
        documented = isinstance(original, APIRoute) and bool(route.include_in_schema)
        for method in sorted(route.methods - {"HEAD"}):
            found.append(Route(method, path, scopes, documented))
    return found


def _targets(route: Route, world: World) -> list[Target]:
    made = SETUPS[route.setup_key](world)
    targets = made if isinstance(made, list) else [made]
    if route.setup_key[1] != route.path:
        targets = [replace(target, path=V1 + target.path) for target in targets]
    return targets


def _request(http: TestClient, method: str, target: Target, token: str | None) -> int:
    headers = {**target.headers, **({"Authorization": f"Bearer {token}"} if token else {})}
    if target.form is not None:
        response = http.request(method, target.path, data=target.form, headers=headers, auth=target.auth)
    elif target.content is not None:
        response = http.request(method, target.path, content=target.content, headers=headers)
    else:
        response = http.request(method, target.path, json=target.body, headers=headers)
    return response.status_code


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
    private = document_body(isPublic=False, isPubliclySearchable=False)
    world.private_document_id = owner.post("/documents", json=private).json()["id"]
    upload(owner, world.document_id, "manifest.pdf", b"%PDF", "application/pdf")
    link = owner.get(f"/documents/{world.document_id}/attachments/manifest.pdf").json()
    world.download_path = local(link["downloadUrl"])
    grant = declare(owner, world.document_id, "later.pdf", 4, "application/pdf").json()
    world.upload_path = local(grant["uploadUrl"])
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
    assert Route("POST", "/documents", ("documents:write",), True) in routes, routes  # the walk finds them
    assert Route("POST", "/v1/documents", ("documents:write",), False) in routes, routes
    missing = [f"{r.method} {r.path}" for r in routes if r.setup_key not in SETUPS]
    assert not missing, f"routes without an authorization-matrix setup: {missing}"
    failures = []
    for route in routes:
        name = f"{route.method} {route.path}"
        if route.scopes is None:
            targets = _targets(route, world)
            if not any(target.expected.get("public") == 200 for target in targets):
                failures.append(f"{name}: a public route must answer 200 to the caller it serves")
            for target in targets:
                status = _request(app_client, route.method, target, None)
                if status != target.expected.get("public"):
                    failures.append(f"{name} public {target.path}: expected {target.expected}, got {status}")
            continue
        [target] = _targets(route, world)
        cases: dict[str, tuple[str | None, int]] = {"no_token": (None, 401), "expired": (expired, 401)}
        if route.scopes:
            lacking = factory.client(owner_org, "TEST", [s for s in ALL_SCOPES if s not in route.scopes])
            cases["wrong_scope"] = (fetch_token(app_client, lacking), 403)
        for case in ("other_organization", "other_data_set", "owner"):
            if case in target.expected:
                cases[case] = (tokens[case], target.expected[case])
        assert "owner" in cases, f"{name}: the setup must say what the owner gets"
        for case, (token, expected) in cases.items():
            status = _request(app_client, route.method, _targets(route, world)[0], token)
            if status != expected:
                failures.append(f"{name} {case}: expected {expected}, got {status}")
    assert not failures, "\n".join(failures)


def test_the_matrix_walks_exactly_the_documented_operations(tmp_path: Path) -> None:
    """What the matrix walks as documented is what /openapi.json lists, so a route the walk misses (or one
    documented by other means) cannot escape the matrix; every undocumented route is a /v1 alias of a
    documented one or has a setup of its own."""
    app = create_app(Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'unused.sqlite3'}"))
    document = TestClient(app).get("/openapi.json").json()
    documented = {
        (method.upper(), path) for path, operations in document["paths"].items() for method in operations
    }
    routes = _routes(app)
    walked = {(route.method, route.path) for route in routes if route.documented}
    assert walked == documented
    for route in routes:
        if not route.documented:
            assert route.setup_key in documented or route.setup_key in SETUPS, route


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Basic abc", "bearer x.y.z", "Token abc"])
def test_malformed_authorization_headers(app_client: TestClient, header: str) -> None:
    response = app_client.get("/documents/x", headers={"Authorization": header})
    assert response.status_code == 401


def test_ids_of_another_organization_are_not_found_under_ones_own_path(
    app_client: TestClient, factory: Factory
) -> None:
    """The organization in the path is the caller's, but the transaction or retirement named is another
    organization's: 404, as if it did not exist; another organization's credit cannot be moved."""
    alice = Member(app_client, factory, factory.organization("Alice"))
    bob = Member(app_client, factory, factory.organization("Bob"))
    credit = alice.friendbot_credit()
    retired = alice.act("retire", **retire_body(credit, 1)).json()
    for path in (
        f"/organizations/{bob.org}/transactions/{retired['id']}",
        f"/organizations/{bob.org}/retirements/{retired['retirementId']}/pdf",
    ):
        response = bob.get(path)
        assert response.status_code == 404, (path, response.text)
        assert alice.org not in response.text and "Alice" not in response.text  # only the id sent is echoed
    transfer = bob.act("transfer", creditId=credit, amount=1, toOrganizationId=factory.organization("Carol"))
    # Bob holds none of it, and is told no more than that (not what Alice holds).
    assert transfer.status_code == 400 and "available 0 t" in transfer.json()["message"], transfer.text
    assert alice.holding(credit) == 99
