"""API models of attachments, the allowed content types and the file-name rule."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from massledger.errors import ValidationFailed

# What an attachment may be: documents (PDF), photos and scans, and the data files integrators export.
# Nothing a browser would execute or render as a page (no HTML, SVG, JavaScript), no opaque binaries.
ContentType = Literal[
    "application/pdf",
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/heic",
    "image/tiff",
    "text/csv",
    "text/plain",
    "application/json",
    "application/xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
]
ALLOWED_CONTENT_TYPES: tuple[str, ...] = get_args(ContentType)

MAX_FILE_NAME_BYTES = 255
# Bidirectional overrides make "evil\u202egpj.exe" display as "evilexe.jpg".
_BIDI_CONTROLS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_REFUSED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})  # controls (NUL, CR, LF, DEL...), surrogates


def check_file_name(name: str, field: str = "fileName") -> str:
    """A file name is a name, never a path: storage paths come from the content hash, and the name only
    travels in JSON and in a Content-Disposition header, so anything that could escape either is refused."""
    if not name:
        raise ValidationFailed(field, "must not be empty")
    if len(name.encode("utf-8", "surrogatepass")) > MAX_FILE_NAME_BYTES:
        raise ValidationFailed(field, f"must be at most {MAX_FILE_NAME_BYTES} bytes in UTF-8")
    if name in (".", ".."):
        raise ValidationFailed(field, "must be a file name, not . or ..")
    if "/" in name or "\\" in name:
        raise ValidationFailed(field, "must be a file name without / or \\ (not a path)")
    if any(unicodedata.category(ch) in _REFUSED_CATEGORIES or ch in _BIDI_CONTROLS for ch in name):
        raise ValidationFailed(field, "must not contain control characters (NUL, CR, LF, ...)")
    if name != name.strip():
        raise ValidationFailed(field, "must not start or end with whitespace")
    return name


class UploadRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    contentLength: Annotated[StrictInt, Field(ge=1, le=2**53, description="Exact size of the file in bytes.")]
    contentType: ContentType


class UploadGrant(BaseModel):
    """Where to PUT the bytes (no bearer token on that request) and until when."""

    attachmentId: str
    fileName: str
    uploadUrl: str
    expiresAt: str


class Attachment(BaseModel):
    attachmentId: str
    documentId: str
    fileName: str
    contentType: str
    contentLength: int
    sha256: str
    uploadedAt: str


class DownloadGrant(Attachment):
    downloadUrl: str
    expiresAt: str
