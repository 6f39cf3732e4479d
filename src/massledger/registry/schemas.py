"""Request and response models of the registry API (ICR seed 003; field names as documented there, plus
a few additive fields, see docs/registry.md)."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, JsonValue

from massledger.organizations.schemas import Organization
from massledger.registry.ledger import KG_PER_TONNE, MAX_KG

API_VERSION = "2023-06-16"
# Printable ASCII without spaces, as the Idempotency-Key header of an action.
IDEMPOTENCY_KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"
Action = Literal["transfer", "retire", "transfer_retire", "cancel"]
CreditType = Literal["exPost", "exAnte"]
DataSetName = Literal["TEST", "PROD"]


def _json_number(value: Any) -> Any:
    if isinstance(value, (str, bool)):
        raise ValueError("must be a JSON number of tonnes")
    return value


def _vintage(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be a four-digit year")
    if isinstance(value, str):
        if not re.fullmatch(r"[0-9]{4}", value):
            raise ValueError("must be a four-digit year")
        return int(value)
    return value


# Tonnes at the API; the ledger checks "> 0", "at most 3 decimals" and the maximum and says which rule failed
# (the bounds are in the OpenAPI so that clients know them; the check stays the ledger's).
Tonnes = Annotated[
    float | int,
    BeforeValidator(_json_number),
    Field(
        allow_inf_nan=False,
        json_schema_extra={"exclusiveMinimum": 0, "maximum": MAX_KG // KG_PER_TONNE},
    ),
]
Vintage = Annotated[int, BeforeValidator(_vintage), Field(ge=1000, le=9999)]
Text = Annotated[str, Field(min_length=1, max_length=500)]
LongText = Annotated[str, Field(min_length=1, max_length=5000)]
Reference = Annotated[str, Field(min_length=1, max_length=100)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- actions -----------------------------------------------------------------------------------------------


class RetirementData(_Input):
    reason: Text | None = None
    beneficiaryName: Text | None = None
    comment: LongText | None = None


class ActionRequest(_Input):
    creditId: Annotated[str, Field(min_length=1, max_length=200, examples=["exPost-2-0x1234567890abcdef"])]
    amount: Tonnes = Field(description="Tonnes, at most 3 decimals", examples=[100])
    toOrganizationId: Reference | None = None
    toAddress: Reference | None = None
    retirementData: RetirementData | None = None
    fromAddress: Reference | None = Field(
        default=None, description="Send from this subaccount instead of the default account (addition)"
    )


class ProjectRef(BaseModel):
    id: str
    fullName: str
    url: str
    publicUrl: str
    num: str


class TransactionData(BaseModel):
    creditId: str
    tokenId: str
    amount: float
    serialization: str


class Transaction(BaseModel):
    action: str
    type: str
    id: str
    toAddress: str | None
    createdAt: str
    updatedAt: str
    tokenId: str
    tokenAddress: str
    creditId: str
    serialization: str
    vintage: str
    amount: float
    fromOrganizationId: str | None
    toOrganizationId: str | None
    project: ProjectRef
    txId: str
    state: str
    transactionData: TransactionData
    retirementId: str | None
    retirementReason: str | None
    retirementComment: str | None
    beneficiaryName: str | None
    fromAddress: str | None
    serialRanges: list[str]
    sourceCreditId: str | None


class Pagination(BaseModel):
    total: int
    currentPage: int
    pageCount: int
    nextPage: int | None
    prevPage: int | None


class TransactionList(BaseModel):
    pagination: Pagination
    transactions: list[Transaction]


# -- inventory and accounts -------------------------------------------------------------------------------


class Credit(BaseModel):
    organizationId: str
    id: str
    tokenId: str
    tokenAddress: str
    project: ProjectRef
    serialization: str
    vintage: str
    supply: float
    unit: str
    amount: float
    type: str
    address: str
    serialRanges: list[str]


class Inventory(BaseModel):
    credits: list[Credit]
    organizationId: str
    address: str
    development: bool


class Address(BaseModel):
    address: str
    type: str
    name: str | None
    development: bool
    createdAt: str


class OrganizationAddresses(Organization):
    organizationId: str
    addresses: list[Address]


class Friendbot(BaseModel):
    serialization: str
    amount: float
    transactionId: str


# -- retirements ------------------------------------------------------------------------------------------


class RetirementProject(BaseModel):
    id: str
    fullName: str


class Retirement(BaseModel):
    id: str
    reason: str
    comment: str | None
    beneficiary: str
    organizationId: str
    actingOrganizationId: str
    serialization: str
    amount: float
    project: RetirementProject
    creditId: str
    vintage: str
    serialRanges: list[str]
    transactionId: str
    createdAt: str
    verificationHash: str
    verificationRecord: dict[str, JsonValue] = Field(
        description="The record whose canonical JSON (sorted keys, no spaces) hashes to verificationHash"
    )


class RetirementList(BaseModel):
    pagination: Pagination
    retirements: list[Retirement]


# -- projects ---------------------------------------------------------------------------------------------


class EstimateIn(_Input):
    vintage: Vintage
    amount: Tonnes


class ProjectCreate(_Input):
    fullName: Annotated[str, Field(min_length=1, max_length=300)]
    countryCode: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
    methodology: Annotated[str, Field(min_length=1, max_length=200)]
    type: Literal["removal", "reduction"] = "removal"
    estimatedAnnualMitigations: Annotated[list[EstimateIn], Field(max_length=200)] = []
    isPublic: bool = True
    bufferPercentage: Annotated[float | int, BeforeValidator(_json_number), Field(ge=0, le=100)] = 0
    description: LongText | None = None
    shortDescription: Text | None = None
    city: Text | None = None
    proponentOrganizationId: Reference | None = None
    externalKey: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    dataSetName: DataSetName | None = Field(default=None, description="Default: the data set of the token")


class Titled(BaseModel):
    id: str
    title: str


class Estimate(BaseModel):
    vintage: str
    amount: float


class Proponent(BaseModel):
    id: str
    fullName: str
    logo: str | None
    publicUrl: str


class Project(BaseModel):
    id: str
    num: str
    fullName: str
    description: str | None
    shortDescription: str | None
    countryCode: str
    city: str | None
    status: str
    registry: str
    methodology: Titled
    type: Titled
    estimatedAnnualMitigations: list[Estimate]
    proponents: list[Proponent]
    isPublic: bool
    bufferPercentage: float
    tokenAddress: str
    development: bool
    url: str
    publicUrl: str
    createdAt: str
    updatedAt: str


class ProjectList(BaseModel):
    pagination: Pagination
    projects: list[Project]


class CreditSummary(BaseModel):
    exPost: float
    exPostCancelled: float
    exAnte: float
    exAnteCancelled: float
    exAnteConverted: float
    retired: float
    buffer: float
    validated: float


class IssuanceEvent(BaseModel):
    id: str
    vintage: str
    createdAt: str
    amount: float
    type: str
    creditType: str
    unitType: str
    creditId: str
    serialization: str
    monitoringPeriodStart: str | None
    monitoringPeriodEnd: str | None
    files: list[dict[str, JsonValue]]
    verificationBody: dict[str, JsonValue] | None


class VintageCredits(BaseModel):
    vintage: str
    summary: CreditSummary
    events: list[IssuanceEvent]


class ProjectCredits(BaseModel):
    summary: CreditSummary
    vintages: list[VintageCredits]
    project: Project


# -- admin ------------------------------------------------------------------------------------------------


class IssuanceCreate(_Input):
    projectId: Reference
    vintage: Vintage
    amount: Tonnes
    type: CreditType = "exPost"
    toOrganizationId: Reference | None = None
    toAddress: Reference | None = None
    monitoringPeriodStart: Annotated[str, Field(max_length=40)] | None = None
    monitoringPeriodEnd: Annotated[str, Field(max_length=40)] | None = None
    provenance: dict[str, JsonValue] | None = Field(
        default=None, description="Where the credits come from (certificate, audit, MassID ids)"
    )


class Conversion(BaseModel):
    transactionId: str
    address: str
    organizationId: str | None
    amount: float
    sourceCreditId: str


class Batch(BaseModel):
    creditId: str
    serialization: str
    tokenId: str
    tokenAddress: str
    type: str
    vintage: str
    supply: float
    buffer: float
    project: ProjectRef
    development: bool
    monitoringPeriodStart: str | None
    monitoringPeriodEnd: str | None
    provenance: dict[str, JsonValue]
    createdAt: str


class Issuance(Batch):
    transactionId: str
    toOrganizationId: str | None
    toAddress: str
    amount: float
    conversions: list[Conversion]


class SubaccountCreate(_Input):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    dataSetName: DataSetName | None = Field(default=None, description="Default: the data set of the token")
