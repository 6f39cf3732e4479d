"""Organization shapes (ICR seed 003): one organization is both a registry account holder and, in each
data set, a traceability participant."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

OrganizationType = Literal[
    "projectProponent", "projectDeveloper", "marketParticipant", "other", "validationBody"
]


class OrganizationIndustries(BaseModel):
    code: str | None = None
    name: str | None = None


class OrganizationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fullName: str = Field(min_length=1, max_length=300)
    type: OrganizationType = "projectProponent"
    countryCode: str = Field(default="BR", pattern="^[A-Z]{2}$")
    city: str | None = Field(default=None, max_length=200)
    zip: str | None = Field(default=None, max_length=40)
    physicalAddress: str | None = Field(default=None, max_length=500)
    registrationNumber: str | None = Field(default=None, max_length=100)
    taxIdType: str | None = Field(
        default=None, max_length=20, description="e.g. CNPJ; with registrationNumber"
    )
    website: str | None = Field(default=None, max_length=500)
    logo: str | None = Field(default=None, max_length=500)
    organizationIndustries: OrganizationIndustries | None = None
    isPublic: bool = True


class Organization(BaseModel):
    createdAt: str
    updatedAt: str
    fullName: str
    countryCode: str
    city: str | None
    zip: str | None
    physicalAddress: str | None
    registrationNumber: str | None
    website: str | None
    logo: str | None
    id: str
    organizationIndustries: OrganizationIndustries
    type: str
    isPublic: bool
    url: str


class OrganizationUpdate(BaseModel):
    """Fields to change; omitted fields keep their value, null clears an optional one."""

    model_config = ConfigDict(extra="forbid")

    fullName: str | None = Field(default=None, min_length=1, max_length=300)
    type: OrganizationType | None = None
    countryCode: str | None = Field(default=None, pattern="^[A-Z]{2}$")
    city: str | None = Field(default=None, max_length=200)
    zip: str | None = Field(default=None, max_length=40)
    physicalAddress: str | None = Field(default=None, max_length=500)
    registrationNumber: str | None = Field(default=None, max_length=100)
    website: str | None = Field(default=None, max_length=500)
    logo: str | None = Field(default=None, max_length=500)
    organizationIndustries: OrganizationIndustries | None = None
    isPublic: bool | None = None
