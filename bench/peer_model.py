"""The peer's domain model: a MassID document as an eventsourcing aggregate. Each event carries the same
body massledger stores; the aggregate keeps the same projection (event count, current value)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event


class MassDocument(Aggregate):
    @event("Created")
    def __init__(self, body: dict[str, Any]) -> None:
        self.event_count = 0
        self.current_value: str | None = None

    @event("Appended")
    def append(self, body: dict[str, Any]) -> None:
        self.event_count += 1
        self.current_value = body.get("value", self.current_value)


class PeerLedger(Application[UUID]):
    name = "BenchPeer"
