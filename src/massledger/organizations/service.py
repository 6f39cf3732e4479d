"""Creating and rendering organizations."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, RowMapping

from massledger.errors import NotFound, ValidationFailed
from massledger.ids import new_uuid, now_us, us_to_iso
from massledger.organizations import store
from massledger.organizations.schemas import (
    Organization,
    OrganizationCreate,
    OrganizationIndustries,
    OrganizationUpdate,
)
from massledger.registry.accounts import create_organization_accounts
from massledger.traceability import participants

DATA_SETS = ("TEST", "PROD")


def create_organization(conn: Connection, data: OrganizationCreate) -> tuple[RowMapping, dict[str, str]]:
    """Insert the organization and its participant in each data set; returns the row and participant ids."""
    now = now_us()
    organization_id = new_uuid()
    industries = data.organizationIndustries or OrganizationIndustries()
    store.insert_organization(
        conn,
        {
            "id": organization_id,
            "full_name": data.fullName,
            "type": data.type,
            "country_code": data.countryCode,
            "city": data.city,
            "zip": data.zip,
            "physical_address": data.physicalAddress,
            "registration_number": data.registrationNumber,
            "website": data.website,
            "logo": data.logo,
            "industry_code": industries.code,
            "industry_name": industries.name,
            "is_public": data.isPublic,
            "created_at_us": now,
            "updated_at_us": now,
        },
    )
    identity: dict[str, Any] = {
        "name": data.fullName,
        "businessName": data.fullName,
        "countryCode": data.countryCode,
        "taxId": data.registrationNumber,
        "taxIdType": data.taxIdType if data.registrationNumber else None,
        "type": "COMPANY",
    }
    participant_ids = {
        data_set: participants.ensure_organization_participant(conn, organization_id, data_set, identity)
        for data_set in DATA_SETS
    }
    create_organization_accounts(conn, organization_id)
    row = store.get_organization(conn, organization_id)
    assert row is not None
    return row, participant_ids


_COLUMNS = {
    "fullName": "full_name",
    "type": "type",
    "countryCode": "country_code",
    "city": "city",
    "zip": "zip",
    "physicalAddress": "physical_address",
    "registrationNumber": "registration_number",
    "website": "website",
    "logo": "logo",
    "isPublic": "is_public",
}
_REQUIRED = ("fullName", "type", "countryCode", "isPublic")


def update_organization(conn: Connection, organization_id: str, data: OrganizationUpdate) -> RowMapping:
    """Change the given fields (registry metadata only: participants keep their first registration)."""
    if store.get_organization(conn, organization_id) is None:
        raise NotFound(f"Organization {organization_id} was not found")
    values: dict[str, Any] = {}
    for field in data.model_fields_set:
        value = getattr(data, field)
        if field == "organizationIndustries":
            industries = value or OrganizationIndustries()
            values["industry_code"] = industries.code
            values["industry_name"] = industries.name
            continue
        if value is None and field in _REQUIRED:
            raise ValidationFailed(field, "may not be null")
        values[_COLUMNS[field]] = value
    values["updated_at_us"] = now_us()
    store.update_organization(conn, organization_id, values)
    row = store.get_organization(conn, organization_id)
    assert row is not None
    return row


def render_organization(row: RowMapping, public_url: str) -> Organization:
    return Organization(
        createdAt=us_to_iso(row["created_at_us"]),
        updatedAt=us_to_iso(row["updated_at_us"]),
        fullName=row["full_name"],
        countryCode=row["country_code"],
        city=row["city"],
        zip=row["zip"],
        physicalAddress=row["physical_address"],
        registrationNumber=row["registration_number"],
        website=row["website"],
        logo=row["logo"],
        id=row["id"],
        organizationIndustries=OrganizationIndustries(code=row["industry_code"], name=row["industry_name"]),
        type=row["type"],
        isPublic=row["is_public"],
        url=f"{public_url.rstrip('/')}/app/organizations/{row['id']}",
    )
