"""OpenAPI post-processing: every operation documents the error envelope of its route family, so
clients (and schemathesis) know the shape of every 4xx the API can answer."""

from __future__ import annotations

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
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
