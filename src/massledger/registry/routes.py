"""HTTP routes of the registry (ICR seed 003) and its admin API under /registry. Thin: parse, call one
service function in one transaction, render. Errors use the registry envelope {statusCode, message, error}."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from fastapi import APIRouter, Depends, Header, Query, Request, Response
from sqlalchemy import Connection

from massledger.auth import scopes
from massledger.auth.deps import require
from massledger.auth.tokens import Principal
from massledger.errors import NotFound, ValidationFailed
from massledger.http import JsonRoute
from massledger.organizations import service as organization_service
from massledger.organizations import store as organization_store
from massledger.organizations.schemas import Organization, OrganizationCreate, OrganizationUpdate
from massledger.registry import accounts, issuance, queries, render, service
from massledger.registry.deps import api_version, ledger_of, organization_member, uuid_or_404
from massledger.registry.ledger import AmountError, tonnes_to_kg
from massledger.registry.pdf import retirement_certificate
from massledger.registry.schemas import (
    IDEMPOTENCY_KEY_PATTERN,
    Action,
    ActionRequest,
    Address,
    Batch,
    Friendbot,
    Inventory,
    Issuance,
    IssuanceCreate,
    OrganizationAddresses,
    Project,
    ProjectCreate,
    ProjectCredits,
    ProjectList,
    RetirementList,
    SubaccountCreate,
    Transaction,
    TransactionList,
)
from massledger.registry.serials import parse_credit_id

router = APIRouter(route_class=JsonRoute, tags=["registry"], dependencies=[Depends(api_version)])
admin_router = APIRouter(
    prefix="/registry", route_class=JsonRoute, tags=["registry admin"], dependencies=[Depends(api_version)]
)

_info = organization_member(scopes.ORGANIZATION_INFO_READ)
_inventory = organization_member(scopes.ORGANIZATION_INVENTORY_READ)
_act = organization_member(scopes.ORGANIZATION_INVENTORY_READ_WRITE)
_member = organization_member()  # any valid token of the organization
_any_token = require()
_admin = require(scopes.REGISTRY_ADMIN)

_DEVELOPMENT = Query(None, description="true: read the development (TEST) ledger; absent: the token's own")
_LIMIT = Query(10, ge=1, le=100, description="Items per page")
_PAGE = Query(0, ge=0, le=queries.MAX_PAGE, description="0-based page number")


def _json(data: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        orjson.dumps(data), status_code=status_code, media_type="application/json", headers=headers
    )


def _public_url(request: Request) -> str:
    return str(request.app.state.settings.public_url)


# -- organizations ----------------------------------------------------------------------------------------


def _organization(conn: Connection, organization_id: str) -> Any:
    row = organization_store.get_organization(conn, organization_id)
    if row is None:
        raise NotFound(f"Organization {organization_id} was not found")
    return row


@router.get(
    "/organizations/{id}",
    summary="Get an organization",
    response_model=None,
    responses={200: {"model": Organization}},
)
async def get_organization(id: str, request: Request, principal: Principal = Depends(_info)) -> Response:
    row = await request.app.state.database.read(_organization, id)
    return _json(organization_service.render_organization(row, _public_url(request)).model_dump())


@router.get(
    "/organizations/{id}/addresses",
    summary="The organization's inventory accounts (default and subaccounts) with their addresses",
    response_model=None,
    responses={200: {"model": OrganizationAddresses}},
)
async def get_addresses(
    id: str,
    request: Request,
    development: str | None = _DEVELOPMENT,
    principal: Principal = Depends(_info),
) -> Response:
    data_set = ledger_of(principal, development)

    def read(conn: Connection) -> dict[str, Any]:
        organization = organization_service.render_organization(_organization(conn, id), _public_url(request))
        rows = queries.organization_accounts(conn, id, data_set)
        return {
            **organization.model_dump(),
            "organizationId": id,
            "addresses": [render.address(r) for r in rows],
        }

    return _json(await request.app.state.database.read(read))


# -- inventory and actions --------------------------------------------------------------------------------


@router.get(
    "/organizations/{id}/inventory",
    summary="Get organization inventory",
    response_model=None,
    responses={200: {"model": Inventory}},
)
async def get_inventory(
    id: str,
    request: Request,
    development: str | None = _DEVELOPMENT,
    address: str | None = Query(
        None, max_length=100, description="A subaccount (default: the default account)"
    ),
    principal: Principal = Depends(_inventory),
) -> Response:
    data_set = ledger_of(principal, development)
    public_url = _public_url(request)

    def read(conn: Connection) -> dict[str, Any]:
        account = queries.account_of(conn, id, data_set, address)
        credits = [render.credit(public_url, id, account, item) for item in queries.inventory(conn, account)]
        return {
            "credits": credits,
            "organizationId": id,
            "address": account,
            "development": data_set == "TEST",
        }

    return _json(await request.app.state.database.read(read))


@router.post(
    "/organizations/{id}/inventory/action/{action}",
    summary="Transact with credits in inventory: transfer, retire, transfer_retire or cancel",
    response_model=None,
    responses={200: {"model": Transaction}},
)
async def act(
    id: str,
    action: Action,
    body: ActionRequest,
    request: Request,
    idempotency_key: str | None = Header(
        None,
        alias="Idempotency-Key",
        pattern=IDEMPOTENCY_KEY_PATTERN,
        description="Replay with the same key and body returns the same transaction; another body is a 409",
    ),
    principal: Principal = Depends(_act),
) -> Response:
    actor = service.Actor(principal.organization_id, principal.data_set, principal.client_id)
    view, replayed = await request.app.state.database.write(
        service.perform_action, actor, action, body, idempotency_key
    )
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    return _json(render.transaction(_public_url(request), view), headers=headers)


@router.get(
    "/organizations/{id}/transactions",
    summary="List the organization's transactions, newest first",
    response_model=None,
    responses={200: {"model": TransactionList}},
)
async def list_transactions(
    id: str,
    request: Request,
    limit: int = _LIMIT,
    page: int = _PAGE,
    development: str | None = _DEVELOPMENT,
    principal: Principal = Depends(_inventory),
) -> Response:
    data_set = ledger_of(principal, development)
    views, total = await request.app.state.database.read(queries.list_transactions, id, data_set, limit, page)
    public_url = _public_url(request)
    return _json(
        {
            "pagination": queries.pagination(total, limit, page),
            "transactions": [render.transaction(public_url, view) for view in views],
        }
    )


@router.get(
    "/organizations/{id}/transactions/{transactionId}",
    summary="Get an organization's transaction",
    response_model=None,
    responses={200: {"model": Transaction}},
)
async def get_transaction(
    id: str,
    transactionId: str,
    request: Request,
    development: str | None = _DEVELOPMENT,
    principal: Principal = Depends(_inventory),
) -> Response:
    data_set = ledger_of(principal, development)
    uuid_or_404(transactionId, "Transaction")
    view = await request.app.state.database.read(queries.get_transaction, id, data_set, transactionId)
    return _json(render.transaction(_public_url(request), view))


@router.get(
    "/organizations/{id}/retirements",
    summary="Retirements made by or for the organization, newest first",
    response_model=None,
    responses={200: {"model": RetirementList}},
)
async def list_retirements(
    id: str,
    request: Request,
    limit: int = _LIMIT,
    page: int = _PAGE,
    development: str | None = _DEVELOPMENT,
    principal: Principal = Depends(_inventory),
) -> Response:
    data_set = ledger_of(principal, development)
    rows, total = await request.app.state.database.read(queries.list_retirements, id, data_set, limit, page)
    return _json(
        {
            "pagination": queries.pagination(total, limit, page),
            "retirements": [render.retirement(r) for r in rows],
        }
    )


@router.get(
    "/organizations/{id}/retirements/{retirementId}/pdf",
    summary="The retirement certificate (PDF)",
    response_class=Response,
    responses={
        200: {
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            "description": "A PDF certificate: beneficiary, amount, project, vintage, serial range, hash",
        }
    },
)
async def retirement_pdf(
    id: str,
    retirementId: str,
    request: Request,
    development: str | None = _DEVELOPMENT,
    principal: Principal = Depends(_inventory),
) -> Response:
    data_set = ledger_of(principal, development)
    uuid_or_404(retirementId, "Retirement")

    row = await request.app.state.database.read(queries.get_retirement, id, data_set, retirementId)
    content = retirement_certificate(row, int(row["project_num"]), development=data_set == "TEST")
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="retirement-{retirementId}.pdf"'},
    )


@router.get(
    "/organizations/{id}/friendbot",
    summary="Get 100 test credits from the friendbot (development ledger only)",
    response_model=None,
    responses={200: {"model": Friendbot}},
)
async def friendbot(id: str, request: Request, principal: Principal = Depends(_member)) -> Response:
    year = datetime.now(UTC).year
    issued = await request.app.state.database.write(issuance.friendbot, id, year, principal.client_id)
    return _json(
        {"serialization": issued.batch.serialization, "amount": 100, "transactionId": issued.transaction_id}
    )


# -- projects ---------------------------------------------------------------------------------------------


@router.get(
    "/projects",
    summary="Public projects of the token's data set",
    response_model=None,
    responses={200: {"model": ProjectList}},
)
async def list_projects(
    request: Request, limit: int = _LIMIT, page: int = _PAGE, principal: Principal = Depends(_any_token)
) -> Response:
    def read(conn: Connection) -> dict[str, Any]:
        rows, total = queries.list_projects(conn, principal.data_set, limit, page)
        owners = queries.proponents(conn, rows)
        public_url = _public_url(request)
        return {
            "pagination": queries.pagination(total, limit, page),
            "projects": [
                render.project(public_url, row, owners.get(row["proponent_organization_id"])) for row in rows
            ],
        }

    return _json(await request.app.state.database.read(read))


def _project_for(conn: Connection, principal: Principal, project_id: str) -> tuple[Any, Any]:
    row = queries.get_project(
        conn, project_id, principal.data_set, include_private=scopes.REGISTRY_ADMIN in principal.scopes
    )
    return row, queries.proponents(conn, [row]).get(row["proponent_organization_id"])


@router.get(
    "/projects/{projectId}",
    summary="Get a project",
    response_model=None,
    responses={200: {"model": Project}},
)
async def get_project(
    projectId: str, request: Request, principal: Principal = Depends(_any_token)
) -> Response:
    uuid_or_404(projectId, "Project")
    row, proponent = await request.app.state.database.read(_project_for, principal, projectId)
    return _json(render.project(_public_url(request), row, proponent))


@router.get(
    "/carbonCredits/projects/{projectId}",
    summary="A project's credits: summary and issuance events per vintage",
    response_model=None,
    responses={200: {"model": ProjectCredits}},
)
async def project_credits(
    projectId: str, request: Request, principal: Principal = Depends(_any_token)
) -> Response:
    uuid_or_404(projectId, "Project")

    def read(conn: Connection) -> dict[str, Any]:
        row, proponent = _project_for(conn, principal, projectId)
        return render.project_credits(
            _public_url(request), row, queries.batch_totals(conn, projectId), proponent
        )

    return _json(await request.app.state.database.read(read))


# -- admin ------------------------------------------------------------------------------------------------


@admin_router.post(
    "/organizations",
    status_code=201,
    summary="Create an organization (with its accounts in both ledgers)",
    response_model=None,
    responses={201: {"model": Organization}},
)
async def admin_create_organization(
    body: OrganizationCreate, request: Request, principal: Principal = Depends(_admin)
) -> Response:
    row, _ = await request.app.state.database.write(organization_service.create_organization, body)
    return _json(organization_service.render_organization(row, _public_url(request)).model_dump(), 201)


@admin_router.patch(
    "/organizations/{id}",
    summary="Update an organization's registry data",
    response_model=None,
    responses={200: {"model": Organization}},
)
async def admin_update_organization(
    id: str, body: OrganizationUpdate, request: Request, principal: Principal = Depends(_admin)
) -> Response:
    uuid_or_404(id, "Organization")
    row = await request.app.state.database.write(organization_service.update_organization, id, body)
    return _json(organization_service.render_organization(row, _public_url(request)).model_dump())


@admin_router.post(
    "/organizations/{id}/addresses",
    status_code=201,
    summary="Add a subaccount to an organization",
    response_model=None,
    responses={201: {"model": Address}},
)
async def admin_create_subaccount(
    id: str, body: SubaccountCreate, request: Request, principal: Principal = Depends(_admin)
) -> Response:
    uuid_or_404(id, "Organization")
    data_set = body.dataSetName or principal.data_set
    row = await request.app.state.database.write(accounts.create_subaccount, id, data_set, body.name)
    return _json(render.address(row), 201)


@admin_router.post(
    "/projects",
    status_code=201,
    summary="Register a project",
    response_model=None,
    responses={201: {"model": Project}},
)
async def admin_create_project(
    body: ProjectCreate, request: Request, principal: Principal = Depends(_admin)
) -> Response:
    data_set = body.dataSetName or principal.data_set

    def write(conn: Connection) -> tuple[Any, Any]:
        row = issuance.create_project(conn, body, data_set)
        return row, queries.proponents(conn, [row]).get(row["proponent_organization_id"])

    row, proponent = await request.app.state.database.write(write)
    return _json(render.project(_public_url(request), row, proponent), 201)


@admin_router.post(
    "/issuances",
    status_code=201,
    summary="Issue credits: a new batch of a project vintage",
    response_model=None,
    responses={201: {"model": Issuance}},
)
async def admin_issue(
    body: IssuanceCreate, request: Request, principal: Principal = Depends(_admin)
) -> Response:
    uuid_or_404(body.projectId, "Project")
    try:
        amount_kg = tonnes_to_kg(body.amount)
    except AmountError as exc:
        raise ValidationFailed("amount", str(exc)) from exc
    issued = await request.app.state.database.write(
        lambda conn: issuance.issue_credits(
            conn,
            project_id=body.projectId,
            vintage=body.vintage,
            amount_kg=amount_kg,
            credit_type=body.type,
            to_organization_id=body.toOrganizationId,
            to_address=body.toAddress,
            data_set=principal.data_set,
            provenance=body.provenance,
            monitoring_period_start=body.monitoringPeriodStart,
            monitoring_period_end=body.monitoringPeriodEnd,
            client_id=principal.client_id,
        )
    )
    return _json(render.issuance(_public_url(request), issued), 201)


@admin_router.get(
    "/credits/{creditId}",
    summary="A batch (credit) with its provenance",
    response_model=None,
    responses={200: {"model": Batch}},
)
async def admin_get_credit(
    creditId: str, request: Request, principal: Principal = Depends(_admin)
) -> Response:
    token = parse_credit_id(creditId)
    if token is None:
        raise NotFound(f"Credit {creditId[:80]} was not found")
    row = await request.app.state.database.read(queries.get_batch, token[2], token[1])
    if row is None or row["credit_type"] != token[0] or row["data_set"] != principal.data_set:
        raise NotFound(f"Credit {creditId} was not found")
    return _json(render.batch(_public_url(request), row))
