"""Shared shape of rules 13 and 14: exactly one ACTOR of a role."""

from __future__ import annotations

from massledger.methodology.engine import Rule, Verdict, failed, passed
from massledger.methodology.graph import DocumentGraph


def exactly_one_actor_rule(slug: str, name: str, role: str) -> Rule:
    def check(graph: DocumentGraph) -> Verdict:
        actors = graph.mass_id.actors(role)
        if len(actors) == 1:
            return passed(
                f"The MassID names exactly one {role} ACTOR.", participantId=actors[0].participant_id
            )
        if not actors:
            return failed(f"The MassID has no {role} ACTOR; exactly one is required.")
        return failed(f"The MassID has {len(actors)} {role} ACTORs; exactly one is required.")

    return Rule(slug, name, check)
