"""Request and response models of the methodology API (docs/methodology.md "HTTP API")."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from massledger.traceability.schemas import DocumentView, Identifier

Result = Literal["PASSED", "FAILED", "REVIEW_REQUIRED"]
# Tonnes as the registry answers them: an integer when whole (40), else the exact 3-decimal number (2.778).
Tonnes = int | float


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AuditRequest(_Input):
    documentId: Identifier = Field(description="The MassID to audit")
    issueToOrganizationId: Identifier | None = Field(
        default=None,
        description="Who receives the credits of a passed audit; default: the caller's organization",
    )


class EvaluateRequest(_Input):
    documentId: Identifier = Field(description="The MassID to evaluate (nothing is stored)")


class RuleOutcome(BaseModel):
    slug: str
    name: str
    result: Result
    message: str
    details: dict[str, JsonValue] | None = None


class IssuedCredits(BaseModel):
    """The credit batch a passed audit minted."""

    creditId: str
    amount: Tonnes = Field(description="Tonnes minted to the recipient (3 decimals, rounded down)")
    serialization: str
    vintage: str = Field(description="Year of the MassID's Recycled event")
    transactionId: str
    projectId: str
    toOrganizationId: str


class Audit(BaseModel):
    auditId: str = Field(description="The MassID Audit document")
    documentId: str = Field(description="The audited MassID")
    methodology: str
    result: Result
    rules: list[RuleOutcome]
    certificateDocumentId: str | None = Field(description="The RecycledID / GasID of a passed audit")
    certificateType: str
    certificateValue: float | None = Field(
        description="Recycled kg (RecycledID) or prevented kg CO2e (GasID)"
    )
    certificateUnit: str
    credits: IssuedCredits | None = Field(description="null when nothing was minted")
    auditedAt: str


class Evaluation(BaseModel):
    documentId: str
    methodology: str
    result: Result
    rules: list[RuleOutcome]
    certificateType: str
    certificateValue: float | None
    certificateUnit: str
    creditAmount: float | None = Field(description="Tonnes an audit would mint now (null unless PASSED)")


class RuleInfo(BaseModel):
    order: int
    slug: str
    name: str


class MethodologyInfo(BaseModel):
    slug: str
    name: str
    certificateType: str
    certificateUnit: str
    creditSymbol: str
    rules: list[RuleInfo]


class MethodologyList(BaseModel):
    methodologies: list[MethodologyInfo]


# -- provenance --------------------------------------------------------------------------------------------


class ChainLink(BaseModel):
    """One event of a document's hash chain: enough to recompute the link, never the private content."""

    id: str
    seq: int
    isPublic: bool
    bodyDigest: str = Field(description="sha256 (hex) of the stored canonical event record")
    hash: str = Field(description="link_hash(previous hash, bodyDigest)")


class Chain(BaseModel):
    creationDigest: str = Field(description="sha256 (hex) of the stored canonical creation record")
    genesisHash: str = Field(description='link_hash("massledger:document:v1", creationDigest)')
    headHash: str = Field(description="hash of the last event (the genesis hash when there is none)")
    events: list[ChainLink]


class ChainDocument(BaseModel):
    documentId: str
    category: str
    type: str
    subtype: str | None
    dataSetName: str
    isPublic: bool
    document: DocumentView | None = Field(
        description="The masked public view (as GET /public/documents/{id}); null when not public"
    )
    chain: Chain


class ProvenanceLink(BaseModel):
    certificate: ChainDocument
    audit: ChainDocument
    massId: ChainDocument
    certificateRecordsCredit: bool = Field(
        description="The certificate's Credits Issued event names this credit (both sides agree)"
    )


class ProjectRef(BaseModel):
    id: str
    num: str
    fullName: str
    methodology: str
    countryCode: str
    url: str
    publicUrl: str


class CreditAmounts(BaseModel):
    """Tonnes of the batch: issued (supply), to the buffer, retired, cancelled, converted."""

    supply: Tonnes
    buffer: Tonnes
    retired: Tonnes
    cancelled: Tonnes
    converted: Tonnes


class CreditProvenance(BaseModel):
    creditId: str
    serialization: str
    type: str
    vintage: str
    dataSetName: Literal["TEST", "PROD"]
    issuedAt: str
    transactionId: str
    project: ProjectRef
    amounts: CreditAmounts
    methodology: str | None = Field(
        description="The methodology that minted the batch; null for other batches"
    )
    certificates: list[ProvenanceLink]
