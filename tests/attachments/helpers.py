"""Shared steps of the attachment tests: declare, upload through the signed URL, count stored rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from massledger.attachments.tables import attachments
from massledger.db.engine import Database
from tests.conftest import Api


def declare(api: Api, document_id: str, file_name: str, length: int, content_type: str) -> httpx.Response:
    return api.http.put(
        f"/documents/{document_id}/attachments/{quote(file_name, safe='')}",
        json={"contentLength": length, "contentType": content_type},
        headers=api.headers,
    )


def local(url: str) -> str:
    """The path and query of a signed URL, for the in-process client (whose host is ``testserver``)."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def put_bytes(
    http: httpx.Client | TestClient, url: str, content: bytes, content_type: str, **headers: str
) -> httpx.Response:
    target = local(url) if isinstance(http, TestClient) else url
    return http.put(target, content=content, headers={"Content-Type": content_type, **headers})


def upload(api: Api, document_id: str, file_name: str, content: bytes, content_type: str) -> dict[str, Any]:
    grant = declare(api, document_id, file_name, len(content), content_type)
    assert grant.status_code == 200, grant.text
    done = put_bytes(api.http, grant.json()["uploadUrl"], content, content_type)
    assert done.status_code == 200, done.text
    return dict(done.json())


def count_attachments(db: Database, uploaded_only: bool = False) -> int:
    query = select(func.count()).select_from(attachments)
    if uploaded_only:
        query = query.where(attachments.c.uploaded_at_us.is_not(None))
    with db.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def stored_files(data_dir: Path) -> set[Path]:
    return {path for path in (data_dir / "attachments").rglob("*") if path.is_file()}
