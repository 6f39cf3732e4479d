"""HTTP routes of attachments.

- ``PUT /documents/{documentId}/attachments/{fileName}`` (documents:write) declares a file and answers a
  signed upload URL; ``GET`` on the same path (documents:read) answers a signed download URL.
- The signed URLs (``/attachments/uploads/{id}``, ``/attachments/downloads/{id}``) need no bearer token:
  the signature is the credential, as with presigned S3 URLs. An upload URL accepts the bytes once."""

from __future__ import annotations

import logging
from urllib.parse import quote, urlencode

import anyio
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import FileResponse
from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import ClientDisconnect

from massledger.attachments import service
from massledger.attachments.schemas import (
    ALLOWED_CONTENT_TYPES,
    Attachment,
    DownloadGrant,
    UploadGrant,
    UploadRequest,
)
from massledger.attachments.signing import DOWNLOAD, UPLOAD
from massledger.auth import scopes
from massledger.auth.deps import require
from massledger.auth.tokens import Principal
from massledger.errors import InternalError, ValidationFailed
from massledger.http import JsonRoute
from massledger.ids import us_to_iso

log = logging.getLogger("massledger.attachments")

UPLOADS = "/attachments/uploads"
DOWNLOADS = "/attachments/downloads"
_BINARY = {"schema": {"type": "string", "format": "binary"}}


class _FileNameConvertor(Convertor[str]):
    """Everything after ``attachments/``, slashes and line breaks included, so that a bad name gets a 400
    naming ``fileName`` (see ``check_file_name``) rather than a 404 for a route that did not match."""

    regex = r"[\s\S]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("filename", _FileNameConvertor())

router = APIRouter(route_class=JsonRoute, tags=["attachments"])
signed_router = APIRouter(tags=["attachments"])

_read = require(scopes.DOCUMENTS_READ)
_write = require(scopes.DOCUMENTS_WRITE)


def _base_url(request: Request) -> str:
    """MASSLEDGER_PUBLIC_URL when configured, else the URL this request came in on (so a server on
    another host or port hands out URLs that reach it)."""
    settings = request.app.state.settings
    if "public_url" in settings.model_fields_set:
        return str(settings.public_url).rstrip("/")
    return str(request.base_url).rstrip("/")


def content_disposition(file_name: str) -> str:
    """``attachment`` (never rendered inline), an ASCII fallback name and the exact name RFC 5987-encoded:
    quotes, semicolons, CR/LF and non-ASCII characters cannot break out of the header."""
    fallback = "".join(
        ch if ch.isascii() and ch.isprintable() and ch not in '"\\%;' else "_" for ch in file_name
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name, safe='')}"


@router.put(
    "/documents/{documentId}/attachments/{fileName:filename}",
    summary="Declare an attachment and get a signed upload URL",
    description="The URL accepts the bytes once (HTTP PUT, no bearer token), with the declared "
    "Content-Type and exactly contentLength bytes, until expiresAt.",
)
async def request_upload(
    documentId: str,
    fileName: str,
    body: UploadRequest,
    request: Request,
    principal: Principal = Depends(_write),
) -> UploadGrant:
    state = request.app.state
    row = await state.database.write(
        service.request_upload, principal, documentId, fileName, body, state.settings.max_attachment_bytes
    )
    expires, signature = state.url_signer.sign(UPLOAD, row["id"], row["upload_nonce"])
    query = urlencode({"nonce": row["upload_nonce"], "expires": expires, "signature": signature})
    return UploadGrant(
        attachmentId=row["id"],
        fileName=row["file_name"],
        uploadUrl=f"{_base_url(request)}{UPLOADS}/{row['id']}?{query}",
        expiresAt=us_to_iso(expires * 1_000_000),
    )


@router.get(
    "/documents/{documentId}/attachments/{fileName:filename}",
    summary="Get a signed download URL of an uploaded attachment",
)
async def request_download(
    documentId: str, fileName: str, request: Request, principal: Principal = Depends(_read)
) -> DownloadGrant:
    state = request.app.state
    row = await state.database.read(service.downloadable, principal, documentId, fileName)
    expires, signature = state.url_signer.sign(DOWNLOAD, row["id"])
    query = urlencode({"expires": expires, "signature": signature})
    return DownloadGrant(
        **service.render(row).model_dump(),
        downloadUrl=f"{_base_url(request)}{DOWNLOADS}/{row['id']}?{query}",
        expiresAt=us_to_iso(expires * 1_000_000),
    )


def _media_type(header: str) -> str:
    return header.split(";", 1)[0].strip().lower()


@signed_router.put(
    f"{UPLOADS}/{{attachmentId}}",
    summary="Upload the bytes of an attachment (signed URL, no bearer token, once)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The file, with the Content-Type and the length declared for it.",
            "content": {content_type: _BINARY for content_type in ALLOWED_CONTENT_TYPES},
        }
    },
)
async def upload(
    attachmentId: str,
    request: Request,
    nonce: str = Query(max_length=64),
    expires: str = Query(max_length=20),
    signature: str = Query(max_length=128),
) -> Attachment:
    state = request.app.state
    state.url_signer.check(UPLOAD, attachmentId, nonce, expires, signature)
    row = await state.database.read(service.upload_target, attachmentId, nonce)
    declared = row["content_length"]
    if _media_type(request.headers.get("content-type", "")) != row["content_type"]:
        raise ValidationFailed("Content-Type", f"must be {row['content_type']}, as declared for this upload")
    length = request.headers.get("content-length")
    if length is not None and length != str(declared):
        raise ValidationFailed("Content-Length", f"must be {declared}, the declared contentLength")
    incoming = state.attachment_storage.incoming()
    try:
        try:
            async for chunk in request.stream():
                if incoming.size + len(chunk) > declared:
                    raise ValidationFailed("body", f"is longer than the declared contentLength ({declared})")
                incoming.write(chunk)
        except ClientDisconnect as exc:
            raise ValidationFailed("body", "the upload was interrupted") from exc
        if incoming.size != declared:
            raise ValidationFailed(
                "body", f"has {incoming.size} bytes, not the declared contentLength ({declared})"
            )
        sha256 = await anyio.to_thread.run_sync(incoming.commit)
    except BaseException:
        incoming.discard()
        raise
    completed = await state.database.write(service.complete_upload, attachmentId, nonce, sha256)
    return service.render(completed)


@signed_router.get(
    f"{DOWNLOADS}/{{attachmentId}}",
    summary="Download an attachment (signed URL, no bearer token)",
    response_class=Response,
    responses={200: {"description": "The file", "content": dict.fromkeys(ALLOWED_CONTENT_TYPES, _BINARY)}},
)
async def download(
    attachmentId: str,
    request: Request,
    expires: str = Query(max_length=20),
    signature: str = Query(max_length=128),
) -> Response:
    state = request.app.state
    state.url_signer.check(DOWNLOAD, attachmentId, "", expires, signature)
    row = await state.database.read(service.uploaded, attachmentId)
    path = state.attachment_storage.path_of(row["sha256"])
    if not path.is_file():
        log.error("attachment %s: file %s is missing from storage", attachmentId, path)
        raise InternalError("The file of this attachment is missing from storage")
    return FileResponse(
        path,
        media_type=row["content_type"],
        headers={
            "Content-Disposition": content_disposition(row["file_name"]),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=0",
        },
    )
