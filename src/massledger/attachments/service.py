"""Attachment commands and queries, each inside the one transaction it is given."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy import Connection

from massledger.attachments import store
from massledger.attachments.schemas import Attachment, UploadRequest, check_file_name
from massledger.auth.tokens import Principal
from massledger.errors import Conflict, Forbidden, NotFound, ValidationFailed
from massledger.ids import nanoid, now_us, us_to_iso
from massledger.traceability import permissions
from massledger.traceability import store as documents
from massledger.traceability.service import access_of


class AttachmentRef(Protocol):
    """What an event's ``attachments[i]`` entry carries (traceability's AttachmentIn)."""

    fileName: str
    label: str | None
    isPublic: bool | None


# The document checks of the documents API, in one place: attachments follow the document's permissions.
def _writable_document(conn: Connection, principal: Principal, document_id: str) -> Mapping[str, Any]:
    document = permissions.check_visible(
        documents.get_document(conn, document_id, lock=True), principal, document_id
    )
    if not access_of(conn, document, principal).can_write_some_event:
        raise Forbidden(f"Your organization may not add files to document {document_id}")
    return document


def _readable_document(conn: Connection, principal: Principal, document_id: str) -> Mapping[str, Any]:
    document = permissions.check_visible(documents.get_document(conn, document_id), principal, document_id)
    permissions.check_readable(document, access_of(conn, document, principal))
    return document


def request_upload(
    conn: Connection,
    principal: Principal,
    document_id: str,
    file_name: str,
    data: UploadRequest,
    max_bytes: int,
) -> dict[str, Any]:
    """Register (or re-register, while not yet uploaded) a file of a document; returns its row, whose
    fresh ``upload_nonce`` voids every upload URL issued before for it."""
    check_file_name(file_name)
    if data.contentLength > max_bytes:
        raise ValidationFailed(
            "contentLength", f"must be at most {max_bytes} bytes (MASSLEDGER_MAX_ATTACHMENT_BYTES)"
        )
    document = _writable_document(conn, principal, document_id)  # locks the document: one writer per name
    if document["status"] == "CANCELLED":
        raise Conflict(f"fileName: document {document_id} is CANCELLED and takes no more attachments")
    values = {
        "content_type": data.contentType,
        "content_length": data.contentLength,
        "upload_nonce": secrets.token_urlsafe(16),
        "client_id": principal.client_id,
        "created_at_us": now_us(),
    }
    existing = store.get_by_name(conn, document_id, file_name)
    if existing is None:
        row = {"id": nanoid(), "document_id": document_id, "file_name": file_name, **values}
        store.insert(conn, row)
        return row
    if existing["uploaded_at_us"] is not None:
        raise Conflict(
            f"fileName: {file_name} was already uploaded to document {document_id}; "
            "attachments never change, upload under another fileName"
        )
    store.reissue(conn, existing["id"], values)
    return {**existing, **values}


def upload_target(conn: Connection, attachment_id: str, nonce: str) -> dict[str, Any]:
    """The pending upload a signed URL points at; 409 once it was used (or superseded by a newer URL)."""
    row = store.get(conn, attachment_id)
    if row is None:
        raise NotFound(f"Attachment {attachment_id} was not found")
    if row["uploaded_at_us"] is not None:
        raise Conflict("This upload URL was already used: an attachment is uploaded once")
    if row["upload_nonce"] != nonce:
        raise Conflict("This upload URL was superseded by a newer one for the same fileName")
    return row


def complete_upload(conn: Connection, attachment_id: str, nonce: str, sha256: str) -> dict[str, Any]:
    if not store.complete(conn, attachment_id, nonce, sha256, now_us()):
        raise Conflict("This upload URL was already used: an attachment is uploaded once")
    row = store.get(conn, attachment_id)
    assert row is not None
    return row


def downloadable(conn: Connection, principal: Principal, document_id: str, file_name: str) -> dict[str, Any]:
    check_file_name(file_name)
    _readable_document(conn, principal, document_id)
    row = store.get_by_name(conn, document_id, file_name)
    if row is None or row["uploaded_at_us"] is None:
        raise NotFound(f"Document {document_id} has no uploaded attachment named {file_name}")
    return row


def uploaded(conn: Connection, attachment_id: str) -> dict[str, Any]:
    row = store.get(conn, attachment_id)
    if row is None or row["uploaded_at_us"] is None:
        raise NotFound(f"Attachment {attachment_id} was not found")
    return row


def render(row: Mapping[str, Any]) -> Attachment:
    return Attachment(
        attachmentId=row["id"],
        documentId=row["document_id"],
        fileName=row["file_name"],
        contentType=row["content_type"],
        contentLength=row["content_length"],
        sha256=row["sha256"],
        uploadedAt=us_to_iso(row["uploaded_at_us"]),
    )


def event_attachments(
    conn: Connection,
    document_id: str,
    items: Sequence[AttachmentRef] | None,
    event_is_public: bool,
    prefix: str = "",
) -> list[dict[str, Any]]:
    """The stored form of an event's ``attachments``: each entry names, by ``fileName``, a file whose
    upload to this document is complete, and is stored with its attachmentId, sha256 and size (what the
    methodology rules read). One query for an event with attachments, none without."""
    if not items:
        return []
    names = [item.fileName for item in items]
    found = store.get_by_names(conn, document_id, names)
    entries = []
    for index, item in enumerate(items):
        field = f"{prefix}attachments[{index}].fileName"
        if item.fileName in names[:index]:
            raise ValidationFailed(field, f"{item.fileName} is listed twice")
        row = found.get(item.fileName)
        if row is None:
            raise ValidationFailed(
                field,
                f"no attachment named {item.fileName} on document {document_id} "
                "(PUT /documents/{documentId}/attachments/{fileName} first, then upload the bytes)",
            )
        if row["uploaded_at_us"] is None:
            raise ValidationFailed(field, f"the upload of {item.fileName} has not been completed")
        entries.append(
            {
                "attachmentId": row["id"],
                "fileName": row["file_name"],
                "contentType": row["content_type"],
                "contentLength": row["content_length"],
                "sha256": row["sha256"],
                "label": item.label,
                "isPublic": event_is_public if item.isPublic is None else item.isPublic,
            }
        )
    return entries
