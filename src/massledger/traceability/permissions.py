"""Who may read and write a document (carrot.md §1.9).

- A document is visible only inside its data set (404 elsewhere).
- The creating organization always reads and writes; nothing can take that away.
- Another organization acts through its participant. ACTOR events carrying ``permissions`` (sent by the
  creating organization only) set, per participant, a list of statements
  ``{effect: ALLOW|DENY, actions: [READ, WRITE], condition?: {$in: {eventNames: [...]}}}``. The latest
  ACTOR carrying permissions for a participant replaces the previous list; an empty list removes access.
- Within one list DENY wins over ALLOW. A condition limits WRITE to the named events; READ is always of
  the whole document, so a READ listed under a condition grants (ALLOW) or denies (DENY) reading it.
  WRITE does not imply READ.
- A :class:`SystemPrincipal` (a trusted in-process caller such as the methodology engine) reads and writes
  every document of its data set. It is never issued as a token.
- Documents of category ``Methodology`` (accreditations, definitions, audits, certificates) decide what
  the methodology engine certifies, so only callers with the ``methodology:run`` scope (or the system)
  create them or append to them; their creation record carries ``methodologyAuthority: true``.

The rules are pure functions; ``document_participants`` is their projection (one row per participant
named on the document), updated in the append transaction and recomputed by ``massledger verify``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from massledger.auth.scopes import METHODOLOGY_RUN
from massledger.auth.tokens import Principal
from massledger.errors import Forbidden, NotFound

READ, WRITE = "READ", "WRITE"
METHODOLOGY = "Methodology"  # the category of accreditations, definitions, audits and certificates


@dataclass(frozen=True)
class SystemPrincipal(Principal):
    """A trusted internal caller: reads and appends to any document of ``data_set``. Its documents and
    events are authored by ``organization_id``/``participant_id`` like any other caller's."""


def system_principal(
    organization_id: str, participant_id: str, data_set: str, client_id: str = "system"
) -> SystemPrincipal:
    return SystemPrincipal(
        client_id=client_id,
        organization_id=organization_id,
        participant_id=participant_id,
        data_set=data_set,
        scopes=frozenset(),
    )


@dataclass(frozen=True)
class Access:
    """A participant's row of the projection: ``statements`` is None until an ACTOR sets permissions."""

    statements: tuple[dict[str, Any], ...] | None

    @property
    def can_read(self) -> bool:
        return allows(self.statements or (), READ)

    def can_write(self, event_name: str) -> bool:
        return allows(self.statements or (), WRITE, event_name)

    @property
    def can_write_some_event(self) -> bool:
        """Some event may be written (attachments serve the events the participant may write)."""
        statements = self.statements or ()
        granted = any(s["effect"] == "ALLOW" and WRITE in s["actions"] for s in statements)
        denied = any(
            s["effect"] == "DENY" and WRITE in s["actions"] and s.get("condition") is None for s in statements
        )
        return granted and not denied


NO_ACCESS = Access(None)
# The creating organization and the system principal: everything, without a query.
FULL_ACCESS = Access(({"effect": "ALLOW", "actions": [READ, WRITE]},))


def _applies(statement: Mapping[str, Any], action: str, event_name: str | None) -> bool:
    if action not in statement["actions"]:
        return False
    condition = statement.get("condition")
    if action == READ or condition is None:
        return True
    return bool(event_name in condition["$in"]["eventNames"])


def allows(statements: Iterable[Mapping[str, Any]], action: str, event_name: str | None = None) -> bool:
    """DENY wins over ALLOW; nothing that applies means no."""
    effects = {s["effect"] for s in statements if _applies(s, action, event_name)}
    return "ALLOW" in effects and "DENY" not in effects


def is_owner(document: Mapping[str, Any], principal: Principal) -> bool:
    return bool(document["organization_id"] == principal.organization_id)


def is_trusted(document: Mapping[str, Any], principal: Principal) -> bool:
    """Owner or system: every action allowed without looking at the projection."""
    return isinstance(principal, SystemPrincipal) or is_owner(document, principal)


def has_methodology_authority(principal: Principal) -> bool:
    """May write Methodology documents: the system, or a token carrying methodology:run."""
    return isinstance(principal, SystemPrincipal) or METHODOLOGY_RUN in principal.scopes


def check_methodology_writer(category: str | None, principal: Principal, field: str) -> None:
    """Writing a Methodology document (creating it, or appending to it) needs the methodology:run scope:
    an integrator must not accredit itself nor forge an audit or a certificate."""
    if category == METHODOLOGY and not has_methodology_authority(principal):
        raise Forbidden(
            f"{field}: documents of category {METHODOLOGY} (accreditations, definitions, audits,"
            f" certificates) are written only with the {METHODOLOGY_RUN} scope"
        )


def check_visible(
    document: Mapping[str, Any] | None, principal: Principal, document_id: str
) -> Mapping[str, Any]:
    if document is None or document["data_set"] != principal.data_set:
        raise NotFound(f"Document {document_id} was not found")
    return document


def check_readable(document: Mapping[str, Any], access: Access) -> None:
    if not access.can_read:
        raise Forbidden(f"Your organization may not read document {document['id']}")


def check_writable(document: Mapping[str, Any], access: Access, event_name: str) -> None:
    if not access.can_write(event_name):
        raise Forbidden(f"Your organization may not add {event_name} events to document {document['id']}")


# -- the projection, as a fold over event bodies -------------------------------------------------------------


def actor_changes(body: Mapping[str, Any]) -> tuple[list[str], dict[str, list[dict[str, Any]]]]:
    """What one stored event changes: participants it names as actors, and permission lists it sets."""
    if body.get("name") != "ACTOR":
        return [], {}
    named = [body["participantId"]] if body.get("participantId") else []
    permissions = body.get("permissions")
    if not isinstance(permissions, dict):
        return named, {}
    return named + [p for p in permissions if p not in named], dict(permissions)


def derive_access(bodies: Iterable[Mapping[str, Any]]) -> dict[str, Access]:
    """participant id → access, from a document's events in order (what the projection must hold)."""
    result: dict[str, Access] = {}
    for body in bodies:
        named, permissions = actor_changes(body)
        for participant_id in named:
            result.setdefault(participant_id, NO_ACCESS)
        for participant_id, statements in permissions.items():
            result[participant_id] = Access(tuple(statements))
    return result
