"""The graph loader: every document an audit of one MassID reads, in a handful of batched queries.

It fills :class:`DocumentGraph` as docs/methodology.md ("The graph loader") says:

1. the MassID's events (the caller locked its row first);
2. one UNION ALL of the related documents, each tagged with its role: the Participant Accreditations of
   the participants its ACTOR events name, the methodology Definitions, its MassID Audits (children), the
   certificates of those audits (grandchildren) or named by its RELATED/LINK events, and the duplicate
   candidates (same data set, category, type, subtype and currentValue, with a Pick-up at the instant of
   its first Pick-up: the partial index ``ix_events_pick_up_at``);
3. the events of the documents kept, in one query; participants and addresses (cached) in two more.

Trust: a document of category ``Methodology`` counts only when its creation record carries
``methodologyAuthority`` (written with the ``methodology:run`` scope or by the system), and only the events
its creating organization appended to it are read (another participant granted WRITE cannot add an
``Accreditation Result``). Documents of other categories (MassIDs) are read as they are."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Select, literal, literal_column, select, union_all

from massledger.methodology import constants as c
from massledger.methodology.graph import DocumentGraph
from massledger.methodology.methodologies import Methodology
from massledger.traceability import store
from massledger.traceability.schemas import RELATION_EVENT_NAMES
from massledger.traceability.service import render_views
from massledger.traceability.tables import documents, events

CERTIFICATE_TYPES = (c.RECYCLED_ID, c.GAS_ID)
ACCREDITATION, DEFINITION, AUDIT, CERTIFICATE, DUPLICATE = (
    "accreditation",
    "definition",
    "audit",
    "certificate",
    "duplicate",
)
AUTHORITY = "methodologyAuthority"


@dataclass(frozen=True)
class LoadedGraph:
    graph: DocumentGraph
    mass_view: dict[str, Any]
    definition_id: str | None


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


def _first_pick_up_us(rows: Sequence[Mapping[str, Any]], bodies: Sequence[Mapping[str, Any]]) -> int | None:
    instants = [row["external_created_at_us"] for row, body in zip(rows, bodies, strict=True)]
    picked = [at for at, body in zip(instants, bodies, strict=True) if body["name"] == c.PICK_UP]
    return min(picked) if picked else None


def _related_ids(bodies: Sequence[Mapping[str, Any]]) -> list[str]:
    found = {
        body["relatedDocument"]["documentId"]: None
        for body in bodies
        if body["name"] in RELATION_EVENT_NAMES and body.get("relatedDocument")
    }
    return list(found)


def _candidates(
    mass: Mapping[str, Any], actor_ids: list[str], related_ids: list[str], pick_up_us: int | None
) -> Select[Any]:
    """The UNION ALL of every document the audit may read besides the MassID, tagged with its role."""
    d = documents.c
    columns = [documents.c[name] for name in store.DOCUMENT_COLUMNS]
    data_set = d.data_set == mass["data_set"]
    methodology = d.category == c.METHODOLOGY

    def tagged(role: str, *where: Any) -> Select[Any]:
        return select(*columns, literal(role).label("role")).where(*where)

    audit_ids = select(d.id).where(d.parent_document_id == mass["id"], methodology, d.type == c.MASS_ID_AUDIT)
    parts = [
        tagged(DEFINITION, data_set, methodology, d.type == c.DEFINITION),
        tagged(AUDIT, d.parent_document_id == mass["id"], methodology, d.type == c.MASS_ID_AUDIT),
        tagged(CERTIFICATE, d.parent_document_id.in_(audit_ids), methodology, d.type.in_(CERTIFICATE_TYPES)),
    ]
    if actor_ids:
        parts.append(
            tagged(
                ACCREDITATION,
                data_set,
                methodology,
                d.type == c.PARTICIPANT_ACCREDITATION,
                d.participant_id.in_(actor_ids),
            )
        )
    if related_ids:
        parts.append(
            tagged(CERTIFICATE, data_set, d.id.in_(related_ids), methodology, d.type.in_(CERTIFICATE_TYPES))
        )
    if pick_up_us is not None:
        # The literal (not a bound parameter) lets both databases use the partial index.
        at_pick_up = select(events.c.document_id).where(
            events.c.name == literal_column(f"'{c.PICK_UP}'"),
            events.c.external_created_at_us == pick_up_us,
        )
        same_subtype = d.subtype.is_(None) if mass["subtype"] is None else d.subtype == mass["subtype"]
        parts.append(
            tagged(
                DUPLICATE,
                d.id.in_(at_pick_up),
                data_set,
                d.category == mass["category"],
                d.type == mass["type"],
                same_subtype,
                d.current_value == mass["current_value"],
                d.id != mass["id"],
            )
        )
    return union_all(*parts)  # type: ignore[return-value]


def load_graph(
    conn: Connection, mass: Mapping[str, Any], methodology: Methodology, now: datetime
) -> LoadedGraph:
    """The graph of an audit of ``mass`` (its documents row) at ``now``."""
    mass_rows = store.get_events_of(conn, [mass["id"]])[mass["id"]]
    mass_bodies = [orjson.loads(row["body"]) for row in mass_rows]
    actor_ids = sorted(
        {
            body["participantId"]
            for body in mass_bodies
            if body["name"] == c.ACTOR and body.get("participantId")
        }
    )
    query = _candidates(mass, actor_ids, _related_ids(mass_bodies), _first_pick_up_us(mass_rows, mass_bodies))
    roles: dict[str, set[str]] = {}
    rows: dict[str, dict[str, Any]] = {}
    for row in conn.execute(query):
        document = store.document_from_row(tuple(row)[:-1])
        creation = orjson.loads(document["body"])
        if not trusted(creation):
            continue
        if row.role == DEFINITION and creation.get("title") != methodology.slug:
            continue
        rows[document["id"]] = document
        roles.setdefault(row.role, set()).add(document["id"])
    definition_id = _pick_definition([rows[i] for i in roles.get(DEFINITION, ())])
    keep = {i for role, ids in roles.items() if role != DEFINITION for i in ids}
    if definition_id is not None:
        keep.add(definition_id)
    kept = [rows[i] for i in sorted(keep)]
    bodies = {
        document_id: [orjson.loads(row["body"]) for row in found]
        for document_id, found in store.get_events_of(conn, [d["id"] for d in kept]).items()
    }
    bodies = {d["id"]: trusted_events(d, bodies[d["id"]]) for d in kept}
    bodies[mass["id"]] = mass_bodies
    views = render_views(conn, [mass, *kept], bodies)

    def of(role: str) -> list[dict[str, Any]]:
        return [views[i] for i in sorted(roles.get(role, ()))]

    graph = DocumentGraph.from_views(
        views[mass["id"]],
        now,
        accreditations=of(ACCREDITATION),
        definition=views[definition_id] if definition_id else None,
        audits=of(AUDIT),
        certificates=of(CERTIFICATE),
        duplicate_candidates=of(DUPLICATE),
    )
    return LoadedGraph(graph, views[mass["id"]], definition_id)


def _pick_definition(candidates: list[dict[str, Any]]) -> str | None:
    """The newest live Definition titled with the methodology's slug."""
    live = [d for d in candidates if d["status"] != c.CANCELLED]
    if not live:
        return None
    return str(max(live, key=lambda d: (d["created_at_us"], d["id"]))["id"])
