"""OpenAPI post-processing: every operation documents the error envelope of its route family, so
clients (and schemathesis) know the shape of every 4xx the API can answer, and the successful answers carry
OpenAPI links saying which value of one answer feeds which next call (create → append → read; issue →
inventory → act → read the transaction), so clients and stateful fuzzers can follow the workflows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from massledger.http import is_registry_path

ERROR_STATUSES = {
    "400": "Invalid JSON or a field failed validation (the message names it)",
    "401": "Missing, invalid or expired credentials",
    "403": "Authenticated, but not allowed",
    "404": "Not found (or not visible to the caller)",
    "405": "Method not allowed",
    "409": "Conflict with the current state (deduplication, status, idempotency)",
    "413": "Request body too large",
    "415": "Unsupported content type",
    "429": "Too many requests (see Retry-After)",
}

_TRACEABILITY_ERROR = {
    "type": "object",
    "required": ["statusCode", "errors"],
    "properties": {
        "statusCode": {"type": "integer"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["code", "message", "id", "timestamp"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "id": {"type": "string"},
                    "timestamp": {"type": "string"},
                },
            },
        },
        "error": {"type": "string", "description": "RFC 6749 error code (token endpoint only)"},
        "error_description": {"type": "string"},
    },
}
_REGISTRY_ERROR = {
    "type": "object",
    "required": ["statusCode", "message", "error"],
    "properties": {
        "statusCode": {"type": "integer"},
        "message": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        "error": {"type": "string"},
    },
}


@dataclass(frozen=True)
class Link:
    """An OpenAPI link: after `source` answers `status`, call `target` with these values."""

    source: str  # "METHOD /path"
    status: str
    name: str
    target: str
    description: str
    parameters: dict[str, str] = field(default_factory=dict)  # "path.id" -> runtime expression
    request_body: dict[str, str] | None = None  # merged into the target's body


_GET_DOCUMENT = "GET /documents/{id}"
_APPEND = "POST /documents/{documentId}/events"
_BATCH = "POST /documents/events"
_ATTACHMENT = "/documents/{documentId}/attachments/{fileName}"
_INVENTORY = "GET /organizations/{id}/inventory"
_ACT = "POST /organizations/{id}/inventory/action/{action}"
_TRANSACTION = "GET /organizations/{id}/transactions/{transactionId}"
_ISSUE = "POST /registry/issuances"
_SAME_ORGANIZATION = {"path.id": "$request.path.id"}

LINKS = (
    # Traceability: create a document, append to it (one event or a batch), read it back.
    Link(
        "POST /documents",
        "201",
        "GetDocument",
        _GET_DOCUMENT,
        "Read the new document",
        {"path.id": "$response.body#/id"},
    ),
    Link(
        "POST /documents",
        "201",
        "AppendEvent",
        _APPEND,
        "Append an event to the new document",
        {"path.documentId": "$response.body#/id"},
    ),
    Link(
        "POST /documents",
        "201",
        "AppendBatch",
        _BATCH,
        "Append a batch of events to the new document",
        request_body={"documentId": "$response.body#/id"},
    ),
    Link(
        "POST /documents",
        "201",
        "GetPublicDocument",
        "GET /public/documents/{id}",
        "The masked public view of the new document (404 unless it is public)",
        {"path.id": "$response.body#/id"},
    ),
    Link(
        "POST /documents",
        "201",
        "DeclareAttachment",
        f"PUT {_ATTACHMENT}",
        "Declare an attachment of the new document",
        {"path.documentId": "$response.body#/id"},
    ),
    Link(
        _APPEND,
        "201",
        "GetDocument",
        _GET_DOCUMENT,
        "Read the document with the new event",
        {"path.id": "$response.body#/documentId"},
    ),
    Link(
        _APPEND,
        "201",
        "AppendEvent",
        _APPEND,
        "Append the next event",
        {"path.documentId": "$response.body#/documentId"},
    ),
    Link(
        _APPEND,
        "201",
        "GetTargetDocument",
        _GET_DOCUMENT,
        "Read the child document a SPLIT or OUTPUT created",
        {"path.id": "$response.body#/targetDocumentId"},
    ),
    Link(
        _BATCH,
        "201",
        "GetDocument",
        _GET_DOCUMENT,
        "Read the document with the new events",
        {"path.id": "$response.body#/documentId"},
    ),
    Link(
        _BATCH,
        "201",
        "AppendBatch",
        _BATCH,
        "Append the next batch",
        request_body={"documentId": "$response.body#/documentId"},
    ),
    Link(
        f"PUT {_ATTACHMENT}",
        "200",
        "GetAttachment",
        f"GET {_ATTACHMENT}",
        "The download URL of the declared attachment (404 until its bytes are uploaded)",
        {"path.documentId": "$request.path.documentId", "path.fileName": "$response.body#/fileName"},
    ),
    # Registry: credits arrive (friendbot or issuance), the inventory shows them, an action moves them,
    # the transaction reads back.
    Link(
        "GET /organizations/{id}/friendbot",
        "200",
        "GetInventory",
        _INVENTORY,
        "The inventory holding the gift",
        _SAME_ORGANIZATION,
    ),
    Link(
        "GET /organizations/{id}/friendbot",
        "200",
        "GetTransaction",
        _TRANSACTION,
        "The issuance transaction",
        {**_SAME_ORGANIZATION, "path.transactionId": "$response.body#/transactionId"},
    ),
    Link(
        _ISSUE,
        "201",
        "GetInventory",
        _INVENTORY,
        "The inventory of the receiving organization",
        {"path.id": "$response.body#/toOrganizationId"},
    ),
    Link(
        _ISSUE,
        "201",
        "GetTransaction",
        _TRANSACTION,
        "The issuance transaction",
        {
            "path.id": "$response.body#/toOrganizationId",
            "path.transactionId": "$response.body#/transactionId",
        },
    ),
    Link(
        _ISSUE,
        "201",
        "GetCredit",
        "GET /registry/credits/{creditId}",
        "The new batch with its provenance",
        {"path.creditId": "$response.body#/creditId"},
    ),
    Link(
        _INVENTORY,
        "200",
        "Act",
        _ACT,
        "Transfer, retire or cancel the first credit held",
        _SAME_ORGANIZATION,
        {"creditId": "$response.body#/credits/0/id"},
    ),
    Link(
        _ACT,
        "200",
        "GetTransaction",
        _TRANSACTION,
        "Read the transaction back",
        {**_SAME_ORGANIZATION, "path.transactionId": "$response.body#/id"},
    ),
    Link(
        _ACT,
        "200",
        "GetRetirementPdf",
        "GET /organizations/{id}/retirements/{retirementId}/pdf",
        "The certificate of a retirement",
        {**_SAME_ORGANIZATION, "path.retirementId": "$response.body#/retirementId"},
    ),
    Link(_ACT, "200", "GetInventory", _INVENTORY, "The holdings after the action", _SAME_ORGANIZATION),
    Link(
        "POST /registry/projects",
        "201",
        "GetProject",
        "GET /projects/{projectId}",
        "Read the new project",
        {"path.projectId": "$response.body#/id"},
    ),
    Link(
        "POST /registry/projects",
        "201",
        "GetProjectCredits",
        "GET /carbonCredits/projects/{projectId}",
        "The credits of the new project",
        {"path.projectId": "$response.body#/id"},
    ),
    Link(
        "POST /registry/projects",
        "201",
        "Issue",
        _ISSUE,
        "Issue credits of the new project",
        request_body={"projectId": "$response.body#/id"},
    ),
    Link(
        "POST /registry/organizations",
        "201",
        "UpdateOrganization",
        "PATCH /registry/organizations/{id}",
        "Update the new organization",
        {"path.id": "$response.body#/id"},
    ),
    Link(
        "POST /registry/organizations",
        "201",
        "AddSubaccount",
        "POST /registry/organizations/{id}/addresses",
        "Add a subaccount to the new organization",
        {"path.id": "$response.body#/id"},
    ),
)


# Pydantic leaves a Field's bounds under their Python names when a BeforeValidator precedes the Field in
# `Annotated[...]` (vintages, coordinates, percentages): JSON Schema ignores them, so clients and fuzzers
# would not know the bounds the server enforces. Translated to the JSON Schema keywords.
_BOUNDS = {"ge": "minimum", "le": "maximum", "gt": "exclusiveMinimum", "lt": "exclusiveMaximum"}


def _json_schema_bounds(node: Any) -> None:
    if isinstance(node, dict):
        numeric = ("integer", "number")
        if node.get("type") in numeric or all(
            option.get("type") in numeric for option in node.get("anyOf", [{}])
        ):
            for python_name, keyword in _BOUNDS.items():
                if python_name in node:
                    node.setdefault(keyword, node.pop(python_name))
        for value in node.values():
            _json_schema_bounds(value)
    elif isinstance(node, list):
        for value in node:
            _json_schema_bounds(value)


def _operation(paths: dict[str, Any], label: str) -> dict[str, Any]:
    method, path = label.split(" ", 1)
    try:
        operation: dict[str, Any] = paths[path][method.lower()]
    except KeyError:
        raise KeyError(f"an OpenAPI link names {label}, which is not an operation of the app") from None
    return operation


def _add_links(schema: dict[str, Any]) -> None:
    paths = schema["paths"]
    for link in LINKS:
        target = _operation(paths, link.target)
        definition: dict[str, Any] = {"operationId": target["operationId"], "description": link.description}
        if link.parameters:
            definition["parameters"] = link.parameters
        if link.request_body is not None:
            definition["requestBody"] = link.request_body
        response = _operation(paths, link.source)["responses"][link.status]
        response.setdefault("links", {})[link.name] = definition


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes)
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components["TraceabilityError"] = _TRACEABILITY_ERROR
            components["RegistryError"] = _REGISTRY_ERROR
            for path, operations in schema.get("paths", {}).items():
                envelope = "RegistryError" if is_registry_path(path) else "TraceabilityError"
                for operation in operations.values():
                    responses = operation.setdefault("responses", {})
                    responses.pop("422", None)  # FastAPI's default; this API answers 400 instead
                    for status, description in ERROR_STATUSES.items():
                        responses.setdefault(
                            status,
                            {
                                "description": description,
                                "content": {
                                    "application/json": {
                                        "schema": {"$ref": f"#/components/schemas/{envelope}"}
                                    }
                                },
                            },
                        )
            _json_schema_bounds(components)
            _add_links(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
