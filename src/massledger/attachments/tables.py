"""One row per (document, fileName): the declared upload, then the sha256 of the bytes received.

A row is written when an upload URL is issued (``sha256`` and ``uploaded_at_us`` empty) and completed
once, when the URL receives the bytes. Completed rows never change: events reference them."""

from sqlalchemy import BigInteger, Column, ForeignKey, String, Table, Text, UniqueConstraint

from massledger.db.metadata import metadata

attachments = Table(
    "attachments",
    metadata,
    Column("id", String(21), primary_key=True),  # attachmentId
    Column("document_id", String(36), ForeignKey("documents.id"), nullable=False),
    Column("file_name", Text, nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("content_length", BigInteger, nullable=False),
    # Rotated each time an upload URL is issued, so only the latest URL of a pending upload works.
    Column("upload_nonce", String(32), nullable=False),
    Column("client_id", String(64), nullable=False),
    Column("created_at_us", BigInteger, nullable=False),
    Column("sha256", String(64)),
    Column("uploaded_at_us", BigInteger),
    UniqueConstraint("document_id", "file_name"),
)
