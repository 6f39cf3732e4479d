"""Who may read and write a document. A document is visible only inside its data set (404 elsewhere);
inside it, the creating organization reads and writes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from massledger.auth.tokens import Principal
from massledger.errors import Forbidden, NotFound


def check_visible(
    document: Mapping[str, Any] | None, principal: Principal, document_id: str
) -> Mapping[str, Any]:
    if document is None or document["data_set"] != principal.data_set:
        raise NotFound(f"Document {document_id} was not found")
    return document


def check_readable(document: Mapping[str, Any], principal: Principal) -> None:
    if document["organization_id"] != principal.organization_id:
        raise Forbidden(f"Your organization may not read document {document['id']}")


def check_writable(document: Mapping[str, Any], principal: Principal) -> None:
    if document["organization_id"] != principal.organization_id:
        raise Forbidden(f"Your organization may not add events to document {document['id']}")
