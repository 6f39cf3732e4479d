"""The OpenAPI document: links that name real operations, parameters and response fields, and bounds stated
with JSON Schema keywords."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from massledger.app import create_app
from massledger.openapi import LINKS
from massledger.settings import Settings


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The served OpenAPI document (no database is needed to build it)."""
    data_dir: Path = tmp_path_factory.mktemp("openapi")
    app = create_app(Settings(data_dir=data_dir, database_url=f"sqlite:///{data_dir / 'unused.sqlite3'}"))
    document: dict[str, Any] = TestClient(app).get("/openapi.json").json()
    return document


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _has_field(schema: dict[str, Any], node: dict[str, Any], pointer: list[str]) -> bool:
    """Whether a response of this JSON schema can hold a value at the JSON pointer."""
    node = _resolve(schema, node)
    if not pointer:
        return True
    options = node.get("anyOf", [node])
    head, rest = pointer[0], pointer[1:]
    for option in (_resolve(schema, o) for o in options):
        if head.isdigit() and "items" in option and _has_field(schema, option["items"], rest):
            return True
        if head in option.get("properties", {}) and _has_field(schema, option["properties"][head], rest):
            return True
    return False


def test_links_name_real_operations_parameters_and_response_fields(schema: dict[str, Any]) -> None:
    operation_ids = {
        op["operationId"]: (method.upper(), path)
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
    }
    checked = 0
    for link in LINKS:
        method, path = link.source.split(" ", 1)
        response = schema["paths"][path][method.lower()]["responses"][link.status]
        declared = response["links"][link.name]
        target_method, target_path = operation_ids[declared["operationId"]]
        assert f"{target_method} {target_path}" == link.target
        target = schema["paths"][target_path][target_method.lower()]
        names = {(p["in"], p["name"]) for p in target.get("parameters", [])}
        body_schema = response["content"]["application/json"]["schema"]
        expressions = dict(declared.get("parameters", {}))
        for name in expressions:
            location, parameter = name.split(".", 1)
            assert (location, parameter) in names, f"{link.name}: {link.target} has no {name}"
        expressions.update({f"body.{k}": v for k, v in declared.get("requestBody", {}).items()})
        for expression in expressions.values():
            if expression.startswith("$response.body#/"):
                pointer = expression.removeprefix("$response.body#/").split("/")
                assert _has_field(schema, body_schema, pointer), f"{link.source}: no {expression}"
            else:
                location, parameter = expression.removeprefix("$request.").split(".", 1)
                assert any(
                    p["in"] == location and p["name"] == parameter
                    for p in schema["paths"][path][method.lower()].get("parameters", [])
                ), f"{link.source} has no {expression}"
            checked += 1
    assert checked >= len(LINKS)


def test_bounds_use_json_schema_keywords(schema: dict[str, Any]) -> None:
    """Pydantic's Python names (ge, le, gt, lt) mean nothing in JSON Schema: a bound under them is unknown to
    clients and fuzzers."""
    leaked = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            leaked.extend(f"{where}.{key}" for key in ("ge", "le", "gt", "lt") if key in node)
            for key, value in node.items():
                walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}[{index}]")

    walk(schema, "")
    assert leaked == []
    vintage = schema["components"]["schemas"]["IssuanceCreate"]["properties"]["vintage"]
    assert (vintage["minimum"], vintage["maximum"]) == (1000, 9999)
    mass = schema["components"]["schemas"]["TargetIn"]["properties"]["value"]
    assert mass["type"] == "number" and mass["minimum"] == 0  # a JSON number, never a string
