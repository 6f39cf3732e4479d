"""The registry resources of the SDK (docs/registry.md): ``organizations``, ``inventory``, ``transactions``,
``retirements`` and ``projects``.

A registry token acts only for its own organization, so every call defaults ``organization_id`` to the one
named in the client's token (its ``org_id`` claim). Every inventory action carries an ``Idempotency-Key``
(the caller's, or a fresh UUID generated once per call and kept across its retries): the retry policy may
then retry it, and a retry after a lost answer replays the original transaction instead of moving the
credits twice."""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any, Literal

import httpx
import orjson

from massledger.client._call import Call
from massledger.client.models import Model
from massledger.client.resources import REPLAYED_HEADER, _segment

if TYPE_CHECKING:
    from massledger.client._client import AsyncClient, Client

IDEMPOTENCY_HEADER = "Idempotency-Key"
ActionName = Literal["transfer", "retire", "transfer_retire", "cancel"]


# -- models ------------------------------------------------------------------------------------------------


class Pagination(Model):
    total: int
    currentPage: int
    pageCount: int
    nextPage: int | None = None
    prevPage: int | None = None


class Organization(Model):
    id: str
    fullName: str
    countryCode: str
    type: str
    isPublic: bool
    url: str
    createdAt: str
    updatedAt: str


class AccountAddress(Model):
    address: str
    type: str
    name: str | None = None
    development: bool


class OrganizationAddresses(Organization):
    organizationId: str
    addresses: list[AccountAddress]


class ProjectRef(Model):
    id: str
    fullName: str
    num: str | None = None
    url: str | None = None
    publicUrl: str | None = None


class Credit(Model):
    """One holding of the inventory: ``amount`` tonnes of the batch ``id`` (the credit id)."""

    id: str
    organizationId: str
    serialization: str
    vintage: str
    amount: float
    supply: float
    type: str
    address: str
    serialRanges: list[str]
    project: ProjectRef


class Inventory(Model):
    credits: list[Credit]
    organizationId: str
    address: str
    development: bool


class Transaction(Model):
    id: str
    action: str
    type: str
    state: str
    creditId: str
    serialization: str
    vintage: str
    amount: float
    fromOrganizationId: str | None = None
    toOrganizationId: str | None = None
    fromAddress: str | None = None
    toAddress: str | None = None
    txId: str
    project: ProjectRef
    serialRanges: list[str]
    retirementId: str | None = None
    retirementReason: str | None = None
    retirementComment: str | None = None
    beneficiaryName: str | None = None
    createdAt: str
    replayed: bool = False  # True: the answer was replayed for the Idempotency-Key, nothing moved


class TransactionPage(Model):
    pagination: Pagination
    transactions: list[Transaction]


class Retirement(Model):
    id: str
    reason: str
    comment: str | None = None
    beneficiary: str
    organizationId: str
    actingOrganizationId: str
    serialization: str
    amount: float
    creditId: str
    vintage: str
    serialRanges: list[str]
    transactionId: str
    createdAt: str
    verificationHash: str
    verificationRecord: dict[str, Any]


class RetirementPage(Model):
    pagination: Pagination
    retirements: list[Retirement]


class Project(Model):
    id: str
    num: str
    fullName: str
    countryCode: str
    status: str
    isPublic: bool
    development: bool
    url: str
    publicUrl: str
    createdAt: str


class ProjectPage(Model):
    pagination: Pagination
    projects: list[Project]


class ProjectCredits(Model):
    summary: dict[str, float]
    vintages: list[dict[str, Any]]
    project: Project


class FriendbotCredits(Model):
    serialization: str
    amount: float
    transactionId: str


# -- calls -------------------------------------------------------------------------------------------------


def organization_of(token: str) -> str:
    """The ``org_id`` claim of a token (read, not verified: the server verifies it on every call)."""
    payload = token.split(".")[1]
    claims = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return str(claims["org_id"])


def _development(development: bool | None) -> dict[str, Any]:
    return {} if development is None else {"development": "true" if development else "false"}


def _transaction(response: httpx.Response) -> Transaction:
    return Transaction.model_validate(
        {**response.json(), "replayed": response.headers.get(REPLAYED_HEADER) == "true"}
    )


class _Calls:
    @staticmethod
    def organization(org: str) -> Call[Organization]:
        return Call(
            "GET", f"/organizations/{_segment(org)}", parse=lambda r: Organization.model_validate(r.json())
        )

    @staticmethod
    def addresses(org: str, development: bool | None) -> Call[OrganizationAddresses]:
        return Call(
            "GET",
            f"/organizations/{_segment(org)}/addresses",
            params=_development(development),
            parse=lambda r: OrganizationAddresses.model_validate(r.json()),
        )

    @staticmethod
    def friendbot(org: str) -> Call[FriendbotCredits]:
        return Call(
            "GET",
            f"/organizations/{_segment(org)}/friendbot",
            parse=lambda r: FriendbotCredits.model_validate(r.json()),
        )

    @staticmethod
    def inventory(org: str, address: str | None, development: bool | None) -> Call[Inventory]:
        params = _development(development)
        if address is not None:
            params["address"] = address
        return Call(
            "GET",
            f"/organizations/{_segment(org)}/inventory",
            params=params,
            parse=lambda r: Inventory.model_validate(r.json()),
        )

    @staticmethod
    def act(
        org: str, action: ActionName, body: dict[str, Any], idempotency_key: str | None
    ) -> Call[Transaction]:
        return Call(
            "POST",
            f"/organizations/{_segment(org)}/inventory/action/{action}",
            json={key: value for key, value in body.items() if value is not None},
            # One key per call, kept across its retries: that is what makes the POST safe to retry.
            headers={IDEMPOTENCY_HEADER: idempotency_key or str(uuid.uuid4())},
            idempotent=True,
            parse=_transaction,
        )

    @staticmethod
    def transactions(org: str, limit: int, page: int, development: bool | None) -> Call[TransactionPage]:
        return Call(
            "GET",
            f"/organizations/{_segment(org)}/transactions",
            params={"limit": limit, "page": page, **_development(development)},
            parse=lambda r: TransactionPage.model_validate(r.json()),
        )

    @staticmethod
    def transaction(org: str, transaction_id: str, development: bool | None) -> Call[Transaction]:
        return Call(
            "GET",
            f"/organizations/{_segment(org)}/transactions/{_segment(transaction_id)}",
            params=_development(development),
            parse=_transaction,
        )

    @staticmethod
    def retirements(org: str, limit: int, page: int, development: bool | None) -> Call[RetirementPage]:
        return Call(
            "GET",
            f"/organizations/{_segment(org)}/retirements",
            params={"limit": limit, "page": page, **_development(development)},
            parse=lambda r: RetirementPage.model_validate(r.json()),
        )

    @staticmethod
    def retirement_pdf(org: str, retirement_id: str, development: bool | None) -> Call[bytes]:
        return Call(
            "GET",
            f"/organizations/{_segment(org)}/retirements/{_segment(retirement_id)}/pdf",
            params=_development(development),
            parse=lambda r: r.content,
        )

    @staticmethod
    def projects(limit: int, page: int) -> Call[ProjectPage]:
        return Call(
            "GET",
            "/projects",
            params={"limit": limit, "page": page},
            parse=lambda r: ProjectPage.model_validate(r.json()),
        )

    @staticmethod
    def project(project_id: str) -> Call[Project]:
        return Call(
            "GET", f"/projects/{_segment(project_id)}", parse=lambda r: Project.model_validate(r.json())
        )

    @staticmethod
    def project_credits(project_id: str) -> Call[ProjectCredits]:
        return Call(
            "GET",
            f"/carbonCredits/projects/{_segment(project_id)}",
            parse=lambda r: ProjectCredits.model_validate(r.json()),
        )


def _action_body(
    credit_id: str,
    amount: float,
    *,
    to_organization_id: str | None = None,
    to_address: str | None = None,
    from_address: str | None = None,
    beneficiary_name: str | None = None,
    reason: str | None = None,
    comment: str | None = None,
) -> dict[str, Any]:
    retirement = {"beneficiaryName": beneficiary_name, "reason": reason, "comment": comment}
    retirement = {key: value for key, value in retirement.items() if value is not None}
    return {
        "creditId": credit_id,
        "amount": amount,
        "toOrganizationId": to_organization_id,
        "toAddress": to_address,
        "fromAddress": from_address,
        "retirementData": retirement or None,
    }


# -- blocking resources ------------------------------------------------------------------------------------


class _Resource:
    def __init__(self, client: Client) -> None:
        self._client = client

    def _org(self, organization_id: str | None) -> str:
        return organization_id or organization_of(self._client.access_token())


class Organizations(_Resource):
    """``client.organizations``: the organization and its accounts."""

    def get(self, organization_id: str | None = None) -> Organization:
        return self._client.execute(_Calls.organization(self._org(organization_id)))

    def addresses(
        self, organization_id: str | None = None, *, development: bool | None = None
    ) -> OrganizationAddresses:
        """The organization's accounts (default and subaccounts) in the token's ledger (or TEST)."""
        return self._client.execute(_Calls.addresses(self._org(organization_id), development))

    def friendbot(self, organization_id: str | None = None) -> FriendbotCredits:
        """100 t of sandbox credits into the organization's TEST account. A GET the server treats as a write:
        a retry after a lost answer may gift twice (test credits only)."""
        return self._client.execute(_Calls.friendbot(self._org(organization_id)))


class InventoryActions(_Resource):
    """``client.inventory``: holdings and the four actions. Each action is safe to retry (Idempotency-Key)."""

    def list(
        self,
        organization_id: str | None = None,
        *,
        address: str | None = None,
        development: bool | None = None,
    ) -> Inventory:
        return self._client.execute(_Calls.inventory(self._org(organization_id), address, development))

    def _act(
        self, action: ActionName, organization_id: str | None, key: str | None, body: dict[str, Any]
    ) -> Transaction:
        return self._client.execute(_Calls.act(self._org(organization_id), action, body, key))

    def transfer(
        self,
        credit_id: str,
        amount: float,
        *,
        to_organization_id: str | None = None,
        to_address: str | None = None,
        from_address: str | None = None,
        organization_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> Transaction:
        body = _action_body(
            credit_id,
            amount,
            to_organization_id=to_organization_id,
            to_address=to_address,
            from_address=from_address,
        )
        return self._act("transfer", organization_id, idempotency_key, body)

    def retire(
        self,
        credit_id: str,
        amount: float,
        *,
        beneficiary_name: str,
        reason: str,
        comment: str | None = None,
        from_address: str | None = None,
        organization_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> Transaction:
        body = _action_body(
            credit_id,
            amount,
            from_address=from_address,
            beneficiary_name=beneficiary_name,
            reason=reason,
            comment=comment,
        )
        return self._act("retire", organization_id, idempotency_key, body)

    def transfer_retire(
        self,
        credit_id: str,
        amount: float,
        *,
        beneficiary_name: str,
        reason: str,
        to_organization_id: str | None = None,
        to_address: str | None = None,
        comment: str | None = None,
        from_address: str | None = None,
        organization_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> Transaction:
        body = _action_body(
            credit_id,
            amount,
            to_organization_id=to_organization_id,
            to_address=to_address,
            from_address=from_address,
            beneficiary_name=beneficiary_name,
            reason=reason,
            comment=comment,
        )
        return self._act("transfer_retire", organization_id, idempotency_key, body)

    def cancel(
        self,
        credit_id: str,
        amount: float,
        *,
        from_address: str | None = None,
        organization_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> Transaction:
        body = _action_body(credit_id, amount, from_address=from_address)
        return self._act("cancel", organization_id, idempotency_key, body)


class Transactions(_Resource):
    """``client.transactions``: the organization's ledger transactions, newest first."""

    def list(
        self,
        organization_id: str | None = None,
        *,
        limit: int = 10,
        page: int = 0,
        development: bool | None = None,
    ) -> TransactionPage:
        return self._client.execute(_Calls.transactions(self._org(organization_id), limit, page, development))

    def iterate(
        self, organization_id: str | None = None, *, limit: int = 100, development: bool | None = None
    ) -> Iterator[Transaction]:
        """Every transaction, page after page."""
        page: int | None = 0
        while page is not None:
            answer = self.list(organization_id, limit=limit, page=page, development=development)
            yield from answer.transactions
            page = answer.pagination.nextPage

    def get(
        self, transaction_id: str, *, organization_id: str | None = None, development: bool | None = None
    ) -> Transaction:
        return self._client.execute(
            _Calls.transaction(self._org(organization_id), transaction_id, development)
        )


class Retirements(_Resource):
    """``client.retirements``: retirements made by or for the organization, and their PDF certificates."""

    def list(
        self,
        organization_id: str | None = None,
        *,
        limit: int = 10,
        page: int = 0,
        development: bool | None = None,
    ) -> RetirementPage:
        return self._client.execute(_Calls.retirements(self._org(organization_id), limit, page, development))

    def iterate(
        self, organization_id: str | None = None, *, limit: int = 100, development: bool | None = None
    ) -> Iterator[Retirement]:
        page: int | None = 0
        while page is not None:
            answer = self.list(organization_id, limit=limit, page=page, development=development)
            yield from answer.retirements
            page = answer.pagination.nextPage

    def pdf(
        self, retirement_id: str, *, organization_id: str | None = None, development: bool | None = None
    ) -> bytes:
        """The retirement certificate, as PDF bytes."""
        return self._client.execute(
            _Calls.retirement_pdf(self._org(organization_id), retirement_id, development)
        )


class Projects(_Resource):
    """``client.projects``: public projects of the token's data set."""

    def list(self, *, limit: int = 10, page: int = 0) -> ProjectPage:
        return self._client.execute(_Calls.projects(limit, page))

    def iterate(self, *, limit: int = 100) -> Iterator[Project]:
        page: int | None = 0
        while page is not None:
            answer = self.list(limit=limit, page=page)
            yield from answer.projects
            page = answer.pagination.nextPage

    def get(self, project_id: str) -> Project:
        return self._client.execute(_Calls.project(project_id))

    def credits(self, project_id: str) -> ProjectCredits:
        """The project's credits: a summary and the issuance events per vintage."""
        return self._client.execute(_Calls.project_credits(project_id))


# -- awaitable resources -----------------------------------------------------------------------------------


class _AsyncResource:
    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def _org(self, organization_id: str | None) -> str:
        return organization_id or organization_of(await self._client.access_token())


class AsyncOrganizations(_AsyncResource):
    async def get(self, organization_id: str | None = None) -> Organization:
        return await self._client.execute(_Calls.organization(await self._org(organization_id)))

    async def addresses(
        self, organization_id: str | None = None, *, development: bool | None = None
    ) -> OrganizationAddresses:
        return await self._client.execute(_Calls.addresses(await self._org(organization_id), development))

    async def friendbot(self, organization_id: str | None = None) -> FriendbotCredits:
        return await self._client.execute(_Calls.friendbot(await self._org(organization_id)))


class AsyncInventoryActions(_AsyncResource):
    async def list(
        self,
        organization_id: str | None = None,
        *,
        address: str | None = None,
        development: bool | None = None,
    ) -> Inventory:
        org = await self._org(organization_id)
        return await self._client.execute(_Calls.inventory(org, address, development))

    async def _act(
        self, action: ActionName, organization_id: str | None, key: str | None, body: dict[str, Any]
    ) -> Transaction:
        return await self._client.execute(_Calls.act(await self._org(organization_id), action, body, key))

    async def transfer(
        self,
        credit_id: str,
        amount: float,
        *,
        to_organization_id: str | None = None,
        to_address: str | None = None,
        from_address: str | None = None,
        organization_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> Transaction:
        body = _action_body(
            credit_id,
            amount,
            to_organization_id=to_organization_id,
            to_address=to_address,
            from_address=from_address,
        )
        return await self._act("transfer", organization_id, idempotency_key, body)

    async def retire(
        self,
        credit_id: str,
        amount: float,
        *,
        beneficiary_name: str,
        reason: str,
        comment: str | None = None,
        from_address: str | None = None,
        organization_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> Transaction:
        body = _action_body(
            credit_id,
            amount,
            from_address=from_address,
            beneficiary_name=beneficiary_name,
            reason=reason,
            comment=comment,
        )
        return await self._act("retire", organization_id, idempotency_key, body)

    async def transfer_retire(
        self,
        credit_id: str,
        amount: float,
        *,
        beneficiary_name: str,
        reason: str,
        to_organization_id: str | None = None,
        to_address: str | None = None,
        comment: str | None = None,
        from_address: str | None = None,
        organization_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> Transaction:
        body = _action_body(
            credit_id,
            amount,
            to_organization_id=to_organization_id,
            to_address=to_address,
            from_address=from_address,
            beneficiary_name=beneficiary_name,
            reason=reason,
            comment=comment,
        )
        return await self._act("transfer_retire", organization_id, idempotency_key, body)

    async def cancel(
        self,
        credit_id: str,
        amount: float,
        *,
        from_address: str | None = None,
        organization_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> Transaction:
        body = _action_body(credit_id, amount, from_address=from_address)
        return await self._act("cancel", organization_id, idempotency_key, body)


class AsyncTransactions(_AsyncResource):
    async def list(
        self,
        organization_id: str | None = None,
        *,
        limit: int = 10,
        page: int = 0,
        development: bool | None = None,
    ) -> TransactionPage:
        org = await self._org(organization_id)
        return await self._client.execute(_Calls.transactions(org, limit, page, development))

    async def iterate(
        self, organization_id: str | None = None, *, limit: int = 100, development: bool | None = None
    ) -> AsyncIterator[Transaction]:
        page: int | None = 0
        while page is not None:
            answer = await self.list(organization_id, limit=limit, page=page, development=development)
            for item in answer.transactions:
                yield item
            page = answer.pagination.nextPage

    async def get(
        self, transaction_id: str, *, organization_id: str | None = None, development: bool | None = None
    ) -> Transaction:
        org = await self._org(organization_id)
        return await self._client.execute(_Calls.transaction(org, transaction_id, development))


class AsyncRetirements(_AsyncResource):
    async def list(
        self,
        organization_id: str | None = None,
        *,
        limit: int = 10,
        page: int = 0,
        development: bool | None = None,
    ) -> RetirementPage:
        org = await self._org(organization_id)
        return await self._client.execute(_Calls.retirements(org, limit, page, development))

    async def iterate(
        self, organization_id: str | None = None, *, limit: int = 100, development: bool | None = None
    ) -> AsyncIterator[Retirement]:
        page: int | None = 0
        while page is not None:
            answer = await self.list(organization_id, limit=limit, page=page, development=development)
            for item in answer.retirements:
                yield item
            page = answer.pagination.nextPage

    async def pdf(
        self, retirement_id: str, *, organization_id: str | None = None, development: bool | None = None
    ) -> bytes:
        org = await self._org(organization_id)
        return await self._client.execute(_Calls.retirement_pdf(org, retirement_id, development))


class AsyncProjects(_AsyncResource):
    async def list(self, *, limit: int = 10, page: int = 0) -> ProjectPage:
        return await self._client.execute(_Calls.projects(limit, page))

    async def iterate(self, *, limit: int = 100) -> AsyncIterator[Project]:
        page: int | None = 0
        while page is not None:
            answer = await self.list(limit=limit, page=page)
            for item in answer.projects:
                yield item
            page = answer.pagination.nextPage

    async def get(self, project_id: str) -> Project:
        return await self._client.execute(_Calls.project(project_id))

    async def credits(self, project_id: str) -> ProjectCredits:
        return await self._client.execute(_Calls.project_credits(project_id))
