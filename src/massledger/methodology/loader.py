"""The graph loader: every document an audit of one MassID reads, in a handful of batched queries.

It fills :class:`DocumentGraph` as docs/methodology.md ("The graph loader") says:

1. the MassID's events (the caller locked its row first);
2. one UNION ALL of the related documents, each tagged with its role: the Participant Accreditations of
   the participants its ACTOR events name, the methodology Definitions, its MassID Audits (children), the
   certificates of those audits (grandchildren) or named by its RELATED/LINK events, and the duplicate
   candidates (same data set, category, type, subtype and currentValue, with a Pick-up at the instant of
   its first Pick-up: the partial index ``ix_events_pick_up_at``);
3. the events of the documents not parsed already, in one query; participants and addresses (cached).

Parsed Methodology documents are cached by (id, head hash): accreditations and definitions change rarely,
and any append changes the head hash, so a cached parse is never stale.

Trust: a document of category ``Methodology`` counts only when its creation record carries
``methodologyAuthority`` (written with the ``methodology:run`` scope or by the system), and only the events
its creating organization appended to it are read (another participant granted WRITE cannot add an
``Accreditation Result``). Documents of other categories (MassIDs) are read as they are."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import orjson
from sqlalchemy import Connection

from massledger.db import raw
from massledger.methodology import constants as c
from massledger.methodology.graph import Document, DocumentGraph
from massledger.methodology.methodologies import Methodology
from massledger.registry import accounts, queries
from massledger.registry.serials import parse_credit_id
from massledger.traceability import store
from massledger.traceability.schemas import RELATION_EVENT_NAMES
from massledger.traceability.service import render_views

ACCREDITATION, DEFINITION, AUDIT, CERTIFICATE, DUPLICATE = (
    "accreditation",
    "definition",
    "audit",
    "certificate",
    "duplicate",
)
AUTHORITY = "methodologyAuthority"
CACHE_LIMIT = 4096


@dataclass(frozen=True)
class LoadedGraph:
    graph: DocumentGraph
    mass_view: dict[str, Any]
    definition_id: str | None
    # The Definition's documents row as read here: the audit's events refer to it (read once, not again).
    definition_row: dict[str, Any] | None = None


def trusted(creation: Mapping[str, Any]) -> bool:
    """A Methodology document written with the authority to decide eligibility (see module docstring)."""
    return creation.get("category") != c.METHODOLOGY or creation.get(AUTHORITY) is True


def trusted_events(document: Mapping[str, Any], bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events the engine reads: all of a MassID's; of a Methodology document only those appended by
    the organization that created it (the system writes as that organization)."""
    if document["category"] != c.METHODOLOGY:
        return bodies
    owner = document["organization_id"]
    return [body for body in bodies if (body.get("author") or {}).get("organizationId") == owner]


class _ParsedCache:
    """(document id, head hash) → parsed Document, least recently used out first."""

    def __init__(self) -> None:
        self._items: OrderedDict[tuple[str, str], Document] = OrderedDict()

    def get(self, document: Mapping[str, Any]) -> Document | None:
        key = (document["id"], document["head_hash"])
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
        return found

    def put(self, document: Mapping[str, Any], parsed: Document) -> None:
        self._items[(document["id"], document["head_hash"])] = parsed
        if len(self._items) > CACHE_LIMIT:
            self._items.popitem(last=False)


_parsed = _ParsedCache()

# -- SQL ---------------------------------------------------------------------------------------------------

_COLUMNS = ", ".join(store.DOCUMENT_COLUMNS)
_METHODOLOGY = f"category = '{c.METHODOLOGY}'"
_CERTIFICATE_TYPES = f"type IN ('{c.RECYCLED_ID}', '{c.GAS_ID}')"


def _in(prefix: str, count: int) -> str:
    return ", ".join(f":{prefix}{i}" for i in range(count))


@cache
def _candidates_sql(actors: int, related: int, pick_up: bool, subtype: bool) -> raw.Sql:
    """The UNION ALL of every document the audit may read besides the MassID, tagged with its role; one
    statement per shape (list lengths), written once."""

    def part(role: str, where: str) -> str:
        return f"SELECT {_COLUMNS}, '{role}' AS role FROM documents WHERE {where}"

    audits = f"parent_document_id = :mass_id AND {_METHODOLOGY} AND type = '{c.MASS_ID_AUDIT}'"
    parts = [
        part(DEFINITION, f"data_set = :data_set AND {_METHODOLOGY} AND type = '{c.DEFINITION}'"),
        part(AUDIT, audits),
        part(
            CERTIFICATE,
            f"parent_document_id IN (SELECT id FROM documents WHERE {audits})"
            f" AND {_METHODOLOGY} AND {_CERTIFICATE_TYPES}",
        ),
    ]
    if actors:
        parts.append(
            part(
                ACCREDITATION,
                f"data_set = :data_set AND {_METHODOLOGY} AND type = '{c.PARTICIPANT_ACCREDITATION}'"
                f" AND participant_id IN ({_in('actor', actors)})",
            )
        )
    if related:
        parts.append(
            part(
                CERTIFICATE,
                f"data_set = :data_set AND id IN ({_in('related', related)})"
                f" AND {_METHODOLOGY} AND {_CERTIFICATE_TYPES}",
            )
        )
    if pick_up:
        # Driven from the Pick-up events at that instant (the partial index; 'Pick-up' is a literal, not a
        # parameter, so both databases use it), then each document by its key. Written as ``id IN
        # (subquery)`` SQLite searched ix_documents_data_set_category_type instead and read every MassID
        # of the type per audit; CROSS JOIN fixes SQLite's join order (PostgreSQL plans it freely). A
        # document with two Pick-ups at that instant comes twice: load_graph keeps one per id.
        same_subtype = "d.subtype = :subtype" if subtype else "d.subtype IS NULL"
        columns = ", ".join(f"d.{column}" for column in store.DOCUMENT_COLUMNS)
        parts.append(
            f"SELECT {columns}, '{DUPLICATE}' AS role FROM events e CROSS JOIN documents d"
            f" WHERE e.name = '{c.PICK_UP}' AND e.external_created_at_us = :pick_up_us"
            " AND d.id = e.document_id AND d.data_set = :data_set AND d.category = :category"
            f" AND d.type = :type AND {same_subtype} AND d.current_value = :current_value"
            " AND d.id <> :mass_id"
        )
    return raw.Sql(" UNION ALL ".join(parts))


@cache
def _events_sql(count: int) -> raw.Sql:
    return raw.Sql(
        "SELECT document_id, seq, external_created_at_us, body FROM events"
        f" WHERE document_id IN ({_in('d', count)}) ORDER BY document_id, seq"
    )


def _events_of(conn: Connection, document_ids: Sequence[str]) -> dict[str, list[tuple[int, str]]]:
    """document id → [(external_created_at_us, body)] in order, for several documents in one query."""
    found: dict[str, list[tuple[int, str]]] = {document_id: [] for document_id in document_ids}
    if found:
        params = {f"d{i}": document_id for i, document_id in enumerate(found)}
        for document_id, _seq, at_us, body in raw.fetch_all(conn, _events_sql(len(found)), params):
            found[document_id].append((at_us, body))
    return found


# -- loading ---------------------------------------------------------------------------------------------


def _first_pick_up_us(events: Sequence[tuple[int, dict[str, Any]]]) -> int | None:
    instants = [at_us for at_us, body in events if body["name"] == c.PICK_UP]
    return min(instants) if instants else None


def _candidates(
    conn: Connection, mass: Mapping[str, Any], bodies: Sequence[dict[str, Any]], pick_up_us: int | None
) -> list[tuple[str, dict[str, Any]]]:
    """(role, documents row) of every candidate document, in the order the database returns them."""
    actors = sorted({b["participantId"] for b in bodies if b["name"] == c.ACTOR and b.get("participantId")})
    related = list(
        {
            b["relatedDocument"]["documentId"]: None
            for b in bodies
            if b["name"] in RELATION_EVENT_NAMES and b.get("relatedDocument")
        }
    )
    params: dict[str, Any] = {"mass_id": mass["id"], "data_set": mass["data_set"]}
    params.update({f"actor{i}": actor for i, actor in enumerate(actors)})
    params.update({f"related{i}": document_id for i, document_id in enumerate(related)})
    if pick_up_us is not None:
        params.update(
            pick_up_us=pick_up_us,
            category=mass["category"],
            type=mass["type"],
            current_value=mass["current_value"],
        )
        if mass["subtype"] is not None:
            params["subtype"] = mass["subtype"]
    sql = _candidates_sql(len(actors), len(related), pick_up_us is not None, mass["subtype"] is not None)
    return [(row[-1], store.document_from_row(row[:-1])) for row in raw.fetch_all(conn, sql, params)]


def _pick_definition(candidates: list[dict[str, Any]]) -> str | None:
    """The newest live Definition titled with the methodology's slug."""
    live = [d for d in candidates if d["status"] != c.CANCELLED]
    if not live:
        return None
    return str(max(live, key=lambda d: (d["created_at_us"], d["id"]))["id"])


def _outstanding_credits(conn: Connection, certificates: Sequence[Document]) -> dict[str, int]:
    """Kilograms not cancelled of the credits minted from each cancelled certificate (usually none: the
    query runs only when a certificate was cancelled)."""
    outstanding: dict[str, int] = {}
    for certificate in certificates:
        if not certificate.is_cancelled or certificate.id is None:
            continue
        kg = 0
        for event in certificate.events_named(c.CREDITS_ISSUED):
            token = parse_credit_id(str(event.value_of(c.CREDIT_ID) or ""))
            batch = None if token is None else queries.get_batch(conn, token[2], token[1])
            if batch is None:
                continue
            held = queries.batch_holdings_by_kind(conn, str(batch["id"]))
            kg += sum(amount for kind, amount in held.items() if kind != accounts.CANCELLED)
        outstanding[certificate.id] = kg
    return outstanding


def load_graph(
    conn: Connection, mass: Mapping[str, Any], methodology: Methodology, now: datetime
) -> LoadedGraph:
    """The graph of an audit of ``mass`` (its documents row) at ``now``."""
    mass_events = [(at_us, orjson.loads(body)) for at_us, body in _events_of(conn, [mass["id"]])[mass["id"]]]
    mass_bodies = [body for _, body in mass_events]
    roles: dict[str, dict[str, dict[str, Any]]] = {}
    for role, document in _candidates(conn, mass, mass_bodies, _first_pick_up_us(mass_events)):
        if document["category"] == c.METHODOLOGY and not trusted(orjson.loads(document["body"])):
            continue
        if role == DEFINITION and orjson.loads(document["body"]).get("title") != methodology.slug:
            continue
        roles.setdefault(role, {})[document["id"]] = document
    definitions = roles.pop(DEFINITION, {})
    definition_id = _pick_definition(list(definitions.values()))
    rows = {document_id: document for found in roles.values() for document_id, document in found.items()}
    if definition_id is not None:
        rows[definition_id] = definitions[definition_id]
    parsed: dict[str, Document] = {}
    for document_id, document in rows.items():
        hit = _parsed.get(document) if document["category"] == c.METHODOLOGY else None
        if hit is not None:
            parsed[document_id] = hit
    missing = [document for document_id, document in sorted(rows.items()) if document_id not in parsed]
    stored = _events_of(conn, [document["id"] for document in missing])
    bodies = {
        d["id"]: trusted_events(d, [orjson.loads(body) for _, body in stored[d["id"]]]) for d in missing
    }
    bodies[mass["id"]] = mass_bodies
    views = render_views(conn, [mass, *missing], bodies)
    for document in missing:
        parsed[document["id"]] = Document.from_view(views[document["id"]])
        if document["category"] == c.METHODOLOGY:
            _parsed.put(document, parsed[document["id"]])

    def of(role: str) -> list[Document]:
        return [parsed[document_id] for document_id in sorted(roles.get(role, {}))]

    graph = DocumentGraph.from_views(
        views[mass["id"]],
        now,
        accreditations=of(ACCREDITATION),
        definition=parsed[definition_id] if definition_id else None,
        audits=of(AUDIT),
        certificates=of(CERTIFICATE),
        duplicate_candidates=of(DUPLICATE),
        outstanding_credits=_outstanding_credits(conn, of(CERTIFICATE)),
    )
    definition_row = definitions[definition_id] if definition_id is not None else None
    return LoadedGraph(graph, views[mass["id"]], definition_id, definition_row)
