"""Schemathesis over the registry operations as the organization itself (the path's {id} is the caller's,
so bodies and queries reach the ledger instead of stopping at the 403), with an admin token: no 5xx, every
response matches its documented schema, and the ledger still verifies afterwards."""

from __future__ import annotations

import os

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings

from massledger.app import create_app
from massledger.http import is_registry_path
from massledger.settings import Settings
from tests.conftest import Factory, fetch_token
from tests.registry.helpers import ADMIN_SCOPES, Member, assert_invariants
from tests.reliability.test_schemathesis import NOT_APPLICABLE

EXAMPLES = int(os.environ.get("MASSLEDGER_FUZZ_EXAMPLES", "15"))


def test_registry_fuzz_as_the_organization(settings: Settings, factory: Factory) -> None:
    organization = factory.organization("Fuzzed")
    creds = factory.client(organization, "TEST", ADMIN_SCOPES)
    app = create_app(settings)
    with TestClient(app) as client:
        headers = {"Authorization": f"Bearer {fetch_token(client, creds)}"}
        Member(client, factory, organization).friendbot()
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    covered = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if not is_registry_path(operation.path):
            continue

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def run(case: schemathesis.Case) -> None:
            if case.path_parameters and "id" in case.path_parameters:
                case.path_parameters["id"] = organization
            case.call_and_validate(headers=headers, excluded_checks=NOT_APPLICABLE)

        run()
        covered.append(f"{operation.method.upper()} {operation.path}")
    assert (
        "POST /organizations/{id}/inventory/action/{action}" in covered
        and "POST /registry/issuances" in covered
    )
    assert_invariants(factory.database)
