"""4. Participant Accreditations: every Integrator, Processor and Recycler ACTOR has exactly one valid
accreditation for its role at audit time (Processor and Recycler need an approved, dated Accreditation
Result; an Integrator accreditation without one counts as valid)."""

from __future__ import annotations

from massledger.methodology import constants as c
from massledger.methodology.accreditation import validity_problem
from massledger.methodology.engine import Rule, Verdict, failed, passed
from massledger.methodology.graph import DocumentGraph

SLUG = "participant-accreditations-and-verifications-requirements"
NAME = "Participant Accreditations"
ROLES = (c.INTEGRATOR, c.PROCESSOR, c.RECYCLER)


def _check(graph: DocumentGraph) -> Verdict:
    unaccredited: list[str] = []
    problems: list[str] = []
    accepted: dict[str, str] = {}
    for role in ROLES:
        for actor in graph.mass_id.actors(role):
            participant = actor.participant_id
            if participant is None:
                problems.append(f"the {role} ACTOR has no participant")
                continue
            if not graph.any_accreditation_of(participant):
                unaccredited.append(f"{role} {participant}")
                continue
            documents = graph.accreditations_of(participant, role)
            if not documents:
                problems.append(f"{role} {participant} has no {role} accreditation")
                continue
            reasons = [(doc.id, validity_problem(doc, role, graph.now)) for doc in documents]
            valid = [doc_id for doc_id, reason in reasons if reason is None]
            if not valid:
                why = "; ".join(f"accreditation {doc_id} {reason}" for doc_id, reason in reasons)
                problems.append(f"{role} {participant} has no valid {role} accreditation ({why})")
            elif len(valid) > 1:
                problems.append(
                    f"{role} {participant} has multiple valid {role} accreditations "
                    f"({', '.join(map(str, valid))})"
                )
            else:
                accepted[role] = str(valid[0])
    if unaccredited:
        problems.insert(0, "no accreditation found for these participants: " + ", ".join(unaccredited))
    if problems:
        message = "; ".join(problems)
        return failed(message[0].upper() + message[1:] + ".", accreditations=accepted)
    return passed(
        "Every Integrator, Processor and Recycler ACTOR has exactly one valid accreditation.",
        accreditations=accepted,
    )


RULE = Rule(SLUG, NAME, _check)
