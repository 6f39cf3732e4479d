from sqlalchemy import BigInteger, Boolean, Column, String, Table, Text

from massledger.db.metadata import metadata

organizations = Table(
    "organizations",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("full_name", Text, nullable=False),
    Column("type", String(40), nullable=False),
    Column("country_code", String(2), nullable=False),
    Column("city", Text),
    Column("zip", Text),
    Column("physical_address", Text),
    Column("registration_number", Text),
    Column("website", Text),
    Column("logo", Text),
    Column("industry_code", Text),
    Column("industry_name", Text),
    Column("is_public", Boolean, nullable=False, default=True),
    Column("created_at_us", BigInteger, nullable=False),
    Column("updated_at_us", BigInteger, nullable=False),
)
