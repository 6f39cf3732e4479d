"""HTTP routes of the methodology engine (docs/methodology.md "HTTP API"). Served at the root and under
/v1; errors in the traceability envelope."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Depends, Request, Response

from massledger.auth import scopes
from massledger.auth.deps import require
from massledger.auth.tokens import Principal
from massledger.http import JsonRoute
from massledger.ids import now_us
from massledger.methodology import provenance, service
from massledger.methodology.schemas import (
    Audit,
    AuditRequest,
    CreditProvenance,
    EvaluateRequest,
    Evaluation,
    MethodologyList,
)
from massledger.traceability.routes import write_context

router = APIRouter(route_class=JsonRoute, tags=["methodologies"])
# No token: the provenance of a credit is public, like the public document views it is made of.
public_router = APIRouter(route_class=JsonRoute, tags=["public"])

_run = require(scopes.METHODOLOGY_RUN)


@router.get("/methodologies", summary="The methodologies and their rules, in order; no token")
async def list_methodologies() -> MethodologyList:
    return MethodologyList.model_validate(service.list_methodologies())


@router.post(
    "/methodologies/{slug}/audits",
    status_code=201,
    summary="Audit a MassID: store the audit, and for a passed audit the certificate and its credits",
    response_model=None,
    responses={201: {"model": Audit}},
)
async def create_audit(
    slug: str, body: AuditRequest, request: Request, principal: Principal = Depends(_run)
) -> Response:
    result: dict[str, Any] = await request.app.state.database.write(
        service.run_audit,
        write_context(request, principal),
        slug,
        body.documentId,
        body.issueToOrganizationId,
    )
    # The hot path: the service builds exactly the documented shape; serialised once, not re-validated.
    return Response(orjson.dumps(result), status_code=201, media_type="application/json")


@router.get("/methodologies/{slug}/audits/{auditId}", summary="Read an audit back")
async def get_audit(slug: str, auditId: str, request: Request, principal: Principal = Depends(_run)) -> Audit:
    result: dict[str, Any] = await request.app.state.database.read(
        service.get_audit, principal, slug, auditId
    )
    return Audit.model_validate(result)


@router.post("/methodologies/{slug}/evaluate", summary="Run the rules on a MassID; nothing is stored")
async def evaluate(
    slug: str, body: EvaluateRequest, request: Request, principal: Principal = Depends(_run)
) -> Evaluation:
    result: dict[str, Any] = await request.app.state.database.read(
        service.evaluate_document, principal, slug, body.documentId, now_us()
    )
    return Evaluation.model_validate(result)


@public_router.get(
    "/public/credits/{creditId}/provenance",
    summary="Where a credit came from: certificates, audits and MassIDs with their hash chains; no token",
)
async def credit_provenance(creditId: str, request: Request) -> CreditProvenance:
    public_url = request.app.state.settings.public_url
    result: dict[str, Any] = await request.app.state.database.read(
        provenance.credit_provenance, creditId, public_url
    )
    return CreditProvenance.model_validate(result)
