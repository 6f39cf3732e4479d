"""The ``methodologies`` resource of the SDK: list the methodologies, audit and evaluate MassIDs, read
audits back (docs/methodology.md). Kept apart from the documents resources.

An audit is not retried after the request may have reached the server: a second audit of a certified
MassID fails certificate uniqueness (it never mints twice), so a blind retry would answer FAILED where
the first attempt passed. Read the outcome back with ``get`` instead."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from massledger.client._call import Call
from massledger.client.models import Model

if TYPE_CHECKING:
    from massledger.client._client import AsyncClient, Client


class RuleOutcome(Model):
    slug: str
    name: str
    result: str
    message: str
    details: dict[str, Any] | None = None


class IssuedCredits(Model):
    creditId: str
    amount: float
    serialization: str
    vintage: str
    transactionId: str
    projectId: str
    toOrganizationId: str


class Audit(Model):
    auditId: str
    documentId: str
    methodology: str
    result: str
    rules: list[RuleOutcome]
    certificateDocumentId: str | None = None
    certificateType: str
    certificateValue: float | None = None
    certificateUnit: str
    credits: IssuedCredits | None = None
    auditedAt: str


class Evaluation(Model):
    documentId: str
    methodology: str
    result: str
    rules: list[RuleOutcome]
    certificateType: str
    certificateValue: float | None = None
    certificateUnit: str
    creditAmount: float | None = None


class RuleInfo(Model):
    order: int
    slug: str
    name: str


class MethodologyInfo(Model):
    slug: str
    name: str
    certificateType: str
    certificateUnit: str
    creditSymbol: str
    rules: list[RuleInfo]


class _Calls:
    @staticmethod
    def list() -> Call[list[MethodologyInfo]]:
        return Call(
            "GET",
            "/methodologies",
            authenticated=False,
            parse=lambda r: [MethodologyInfo.model_validate(m) for m in r.json()["methodologies"]],
        )

    @staticmethod
    def audit(slug: str, document_id: str, issue_to: str | None) -> Call[Audit]:
        body: dict[str, Any] = {"documentId": document_id}
        if issue_to is not None:
            body["issueToOrganizationId"] = issue_to
        return Call(
            "POST", f"/methodologies/{slug}/audits", json=body, parse=lambda r: Audit.model_validate(r.json())
        )

    @staticmethod
    def evaluate(slug: str, document_id: str) -> Call[Evaluation]:
        return Call(
            "POST",
            f"/methodologies/{slug}/evaluate",
            json={"documentId": document_id},
            idempotent=True,  # stores nothing
            parse=lambda r: Evaluation.model_validate(r.json()),
        )

    @staticmethod
    def get(slug: str, audit_id: str) -> Call[Audit]:
        return Call(
            "GET", f"/methodologies/{slug}/audits/{audit_id}", parse=lambda r: Audit.model_validate(r.json())
        )


class Methodologies:
    def __init__(self, client: Client) -> None:
        self._client = client

    def list(self) -> list[MethodologyInfo]:
        """The methodologies the server runs, with their rules in order."""
        return self._client.execute(_Calls.list())

    def audit(self, slug: str, document_id: str, *, issue_to: str | None = None) -> Audit:
        """Audit a MassID (token scope ``methodology:run``); a passed audit certifies it and mints credits
        into ``issue_to`` (default: the client's organization)."""
        return self._client.execute(_Calls.audit(slug, document_id, issue_to))

    def evaluate(self, slug: str, document_id: str) -> Evaluation:
        """The rules' verdict on a MassID now; nothing is stored."""
        return self._client.execute(_Calls.evaluate(slug, document_id))

    def get(self, slug: str, audit_id: str) -> Audit:
        return self._client.execute(_Calls.get(slug, audit_id))


class AsyncMethodologies:
    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def list(self) -> list[MethodologyInfo]:
        return await self._client.execute(_Calls.list())

    async def audit(self, slug: str, document_id: str, *, issue_to: str | None = None) -> Audit:
        return await self._client.execute(_Calls.audit(slug, document_id, issue_to))

    async def evaluate(self, slug: str, document_id: str) -> Evaluation:
        return await self._client.execute(_Calls.evaluate(slug, document_id))

    async def get(self, slug: str, audit_id: str) -> Audit:
        return await self._client.execute(_Calls.get(slug, audit_id))
