"""Imports every domain's tables so Alembic and the test harness see the whole schema."""

from massledger.attachments import tables as attachment_tables
from massledger.auth import tables as auth_tables
from massledger.db.metadata import metadata
from massledger.organizations import tables as organization_tables
from massledger.registry import tables as registry_tables
from massledger.traceability import tables as traceability_tables

__all__ = [
    "attachment_tables",
    "auth_tables",
    "metadata",
    "organization_tables",
    "registry_tables",
    "traceability_tables",
]
