from sqlalchemy import BigInteger, Column, ForeignKey, String, Table, Text

from massledger.db.metadata import metadata

clients = Table(
    "clients",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("organization_id", String(36), ForeignKey("organizations.id"), nullable=False, index=True),
    Column("data_set", String(8), nullable=False),
    # HMAC-SHA256(pepper, secret), hex. The secret itself is shown once and never stored.
    Column("secret_hmac", String(64), nullable=False),
    Column("scopes", Text, nullable=False),
    Column("name", Text),
    Column("created_at_us", BigInteger, nullable=False),
    Column("revoked_at_us", BigInteger),
)
