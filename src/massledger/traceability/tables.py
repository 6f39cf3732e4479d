"""Documents are event streams: ``events`` is append-only and hash-chained per document; ``documents``
is the projection of its stream, updated in the same transaction as every append."""

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
    text,
)

from massledger.db.metadata import metadata

participants = Table(
    "participants",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("data_set", String(8), nullable=False),
    Column("organization_id", String(36), ForeignKey("organizations.id")),
    Column("country_code", String(2)),
    Column("tax_id_type", Text),
    Column("tax_id", Text),
    Column("body", Text, nullable=False),  # canonical JSON of the participant object
    Column("created_at_us", BigInteger, nullable=False),
    UniqueConstraint("data_set", "country_code", "tax_id_type", "tax_id"),
    UniqueConstraint("data_set", "organization_id"),
)

addresses = Table(
    "addresses",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("data_set", String(8), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at_us", BigInteger, nullable=False),
    UniqueConstraint("data_set", "content_hash"),
)

documents = Table(
    "documents",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("data_set", String(8), nullable=False),
    Column("organization_id", String(36), ForeignKey("organizations.id"), nullable=False),
    Column("client_id", String(64), nullable=False),
    Column("category", Text, nullable=False),
    Column("type", Text, nullable=False),
    Column("subtype", Text),
    Column("status", String(16), nullable=False),
    Column("current_value", Text, nullable=False),  # decimal string: mass is never rounded
    Column("measurement_unit", Text, nullable=False),
    Column("is_public", Boolean, nullable=False),
    Column("is_publicly_searchable", Boolean, nullable=False),
    Column("external_id", Text),
    Column("external_created_at_us", BigInteger, nullable=False),
    Column("parent_document_id", String(36)),
    Column("participant_id", String(36), ForeignKey("participants.id"), nullable=False),
    Column("address_id", String(36), ForeignKey("addresses.id"), nullable=False),
    Column("event_count", Integer, nullable=False),
    Column("last_event_at_us", BigInteger),
    Column("head_hash", String(64), nullable=False),
    Column("body", Text, nullable=False),  # canonical JSON of the creation record (chain genesis)
    Column("created_at_us", BigInteger, nullable=False),
    Column("updated_at_us", BigInteger, nullable=False),
    Index("ix_documents_data_set_created", "data_set", "created_at_us", "id"),
    Index("ix_documents_data_set_external_id", "data_set", "external_id"),
    Index("ix_documents_parent_document_id", "parent_document_id"),
    # GET /documents: the caller's own documents in (createdAt, id) order.
    Index("ix_documents_data_set_organization_created", "data_set", "organization_id", "created_at_us", "id"),
    # GET /public/documents: publicly searchable documents in (createdAt, id) order.
    Index("ix_documents_public_search", "is_publicly_searchable", "is_public", "created_at_us", "id"),
    Index("ix_documents_data_set_participant", "data_set", "participant_id"),
    # The methodology engine's lookups: accreditations of given participants, a methodology's Definition.
    Index("ix_documents_data_set_category_type", "data_set", "category", "type", "participant_id"),
)

# Projection of ACTOR events: one row per participant named on a document (as the ACTOR's participant or
# in its permissions). ``permissions`` is the participant's latest statement list (canonical JSON), NULL
# while no ACTOR has set one; ``can_read`` is derived from it, and the document's ``created_at_us`` is
# copied here, so "documents granted to me, in page order" is one index range.
document_participants = Table(
    "document_participants",
    metadata,
    Column("document_id", String(36), ForeignKey("documents.id"), nullable=False),
    Column("participant_id", String(36), ForeignKey("participants.id"), nullable=False),
    Column("permissions", Text),
    Column("can_read", Boolean, nullable=False),
    Column("created_at_us", BigInteger, nullable=False),
    PrimaryKeyConstraint("document_id", "participant_id"),
    Index("ix_document_participants_readable", "participant_id", "can_read", "created_at_us", "document_id"),
)

# A document's tags (set at creation), for the `tag` filter of the listings.
document_tags = Table(
    "document_tags",
    metadata,
    Column("document_id", String(36), ForeignKey("documents.id"), nullable=False),
    Column("tag", Text, nullable=False),
    PrimaryKeyConstraint("document_id", "tag"),
    Index("ix_document_tags_tag", "tag", "document_id"),
)

events = Table(
    "events",
    metadata,
    Column("document_id", String(36), ForeignKey("documents.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("id", String(21), nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("external_created_at_us", BigInteger, nullable=False),
    Column("created_at_us", BigInteger, nullable=False),
    Column("body", Text, nullable=False),  # canonical JSON, the bytes that are hashed
    Column("hash", String(64), nullable=False),
    PrimaryKeyConstraint("document_id", "seq"),
    # The duplicate check of a MassID audit: MassIDs with a Pick-up at the same instant. Partial, so other
    # events (the bulk of the appends) do not maintain it.
    Index(
        "ix_events_pick_up_at",
        "external_created_at_us",
        postgresql_where=text("name = 'Pick-up'"),
        sqlite_where=text("name = 'Pick-up'"),
    ),
)

# Idempotency records, per client: the original response is replayed for the same request.
deduplications = Table(
    "deduplications",
    metadata,
    Column("client_id", String(64), nullable=False),
    Column("deduplication_id", Text, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("response", Text, nullable=False),
    Column("created_at_us", BigInteger, nullable=False),
    PrimaryKeyConstraint("client_id", "deduplication_id"),
)
