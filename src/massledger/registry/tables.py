"""The registry ledger. Every table is partitioned by data set (TEST / PROD).

- ``registry_accounts``: who can hold credits. Organizations have a ``default`` account, optional
  ``subaccount``s and two terminal sinks (``retired``, ``cancelled``); each data set has a system
  ``buffer`` account and a terminal ``converted`` sink for ex-ante units exchanged for ex-post.
  Each account heads a hash chain of its journal entries.
- ``registry_journal``: append-only, one line per account touched by a transaction, hash-chained per
  account. Holdings are a projection of it.
- ``registry_holdings``: amount and serial ranges per (account, batch), updated with the journal.
- ``registry_batches``: one per issuance: a token of a project with a unique ``serialization``."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from massledger.db.metadata import metadata

registry_sequences = Table(
    "registry_sequences",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

registry_accounts = Table(
    "registry_accounts",
    metadata,
    Column("address", String(42), primary_key=True),
    Column("data_set", String(8), nullable=False),
    Column("organization_id", String(36), ForeignKey("organizations.id")),  # NULL: system account
    Column("kind", String(16), nullable=False),
    Column("name", Text),
    Column("body", Text, nullable=False),  # canonical JSON of the creation record: the chain genesis
    Column("entry_count", Integer, nullable=False),
    Column("head_hash", String(64), nullable=False),
    Column("created_at_us", BigInteger, nullable=False),
    Index("ix_registry_accounts_organization", "organization_id", "data_set"),
)

registry_projects = Table(
    "registry_projects",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("num", BigInteger, nullable=False, unique=True),
    Column("data_set", String(8), nullable=False),
    Column("external_key", Text, unique=True),
    Column("full_name", Text, nullable=False),
    Column("description", Text),
    Column("short_description", Text),
    Column("methodology", Text, nullable=False),
    Column("country_code", String(2), nullable=False),
    Column("city", Text),
    Column("project_type", String(16), nullable=False),
    Column("estimates", Text, nullable=False),  # JSON {"2024": kilograms, ...}
    Column("buffer_basis_points", Integer, nullable=False),
    Column("is_public", Boolean, nullable=False),
    Column("proponent_organization_id", String(36), ForeignKey("organizations.id")),
    Column("token_address", String(42), nullable=False, unique=True),
    Column("batch_count", Integer, nullable=False),
    Column("created_at_us", BigInteger, nullable=False),
    Column("updated_at_us", BigInteger, nullable=False),
    Index("ix_registry_projects_data_set_num", "data_set", "num"),
)

registry_batches = Table(
    "registry_batches",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("project_id", String(36), ForeignKey("registry_projects.id"), nullable=False),
    Column("data_set", String(8), nullable=False),
    Column("token_address", String(42), nullable=False),
    Column("token_id", Integer, nullable=False),
    Column("credit_type", String(8), nullable=False),
    Column("vintage", Integer, nullable=False),
    Column("serialization", String(80), nullable=False, unique=True),
    Column("supply_kg", BigInteger, nullable=False),
    Column("buffer_kg", BigInteger, nullable=False),
    Column("transaction_id", String(36), nullable=False),
    Column("monitoring_period_start", Text),
    Column("monitoring_period_end", Text),
    Column("provenance", Text, nullable=False),  # canonical JSON given by the issuer
    Column("created_at_us", BigInteger, nullable=False),
    UniqueConstraint("token_address", "token_id"),
    # credit_type too: an ex-post issuance sums only the vintage's ex-ante batches (few), not every batch.
    Index("ix_registry_batches_project_vintage_type", "project_id", "vintage", "credit_type"),
)

registry_holdings = Table(
    "registry_holdings",
    metadata,
    Column("account", String(42), ForeignKey("registry_accounts.address"), nullable=False),
    Column("batch_id", String(36), ForeignKey("registry_batches.id"), nullable=False),
    Column("amount_kg", BigInteger, nullable=False),
    Column("ranges", Text, nullable=False),  # "first-last,first-last", sorted, merged
    Column("updated_at_us", BigInteger, nullable=False),
    PrimaryKeyConstraint("account", "batch_id"),
    Index("ix_registry_holdings_batch_id", "batch_id"),
)

registry_journal = Table(
    "registry_journal",
    metadata,
    Column("account", String(42), ForeignKey("registry_accounts.address"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("transaction_id", String(36), nullable=False),
    Column("batch_id", String(36), nullable=False),
    Column("delta_kg", BigInteger, nullable=False),
    Column("ranges", Text, nullable=False),
    Column("body", Text, nullable=False),  # canonical JSON, the bytes that are hashed
    Column("hash", String(64), nullable=False),
    PrimaryKeyConstraint("account", "seq"),
    Index("ix_registry_journal_transaction_id", "transaction_id"),
)

registry_transactions = Table(
    "registry_transactions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("data_set", String(8), nullable=False),
    Column("action", String(16), nullable=False),
    Column("batch_id", String(36), nullable=False),
    Column("source_batch_id", String(36)),  # convert: the ex-ante batch exchanged
    Column("amount_kg", BigInteger, nullable=False),
    Column("ranges", Text, nullable=False),
    Column("from_account", String(42)),
    Column("to_account", String(42)),
    Column("from_organization_id", String(36)),
    Column("to_organization_id", String(36)),
    Column("retirement_id", String(36)),
    Column("reason", Text),
    Column("comment", Text),
    Column("beneficiary_name", Text),
    Column("client_id", String(64)),
    Column("tx_hash", String(66), nullable=False),
    Column("created_at_us", BigInteger, nullable=False),
    Index("ix_registry_transactions_from", "from_organization_id", "data_set", "created_at_us"),
    Index("ix_registry_transactions_to", "to_organization_id", "data_set", "created_at_us"),
)

registry_retirements = Table(
    "registry_retirements",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("transaction_id", String(36), nullable=False),
    Column("data_set", String(8), nullable=False),
    Column("organization_id", String(36), nullable=False),  # whose retired sink holds the units
    Column("acting_organization_id", String(36), nullable=False),  # who asked for it
    Column("batch_id", String(36), nullable=False),
    Column("amount_kg", BigInteger, nullable=False),
    Column("ranges", Text, nullable=False),
    Column("beneficiary_name", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("comment", Text),
    Column("verification_hash", String(64), nullable=False),
    Column("created_at_us", BigInteger, nullable=False),
    Index("ix_registry_retirements_owner", "organization_id", "data_set", "created_at_us"),
    Index("ix_registry_retirements_acting", "acting_organization_id", "data_set", "created_at_us"),
)

# Idempotency-Key of actions: one per (organization, data set, key); replay returns the transaction.
registry_idempotency = Table(
    "registry_idempotency",
    metadata,
    Column("organization_id", String(36), nullable=False),
    Column("data_set", String(8), nullable=False),
    Column("key", Text, nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("transaction_id", String(36), nullable=False),
    Column("created_at_us", BigInteger, nullable=False),
    PrimaryKeyConstraint("organization_id", "data_set", "key"),
)
