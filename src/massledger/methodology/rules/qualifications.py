"""5. MassID Qualifications: category MassID, type Organic, an organic subtype, unit kg, value > 0."""

from __future__ import annotations

from massledger.methodology import constants as c
from massledger.methodology.engine import Rule, Verdict, failed, passed
from massledger.methodology.graph import DocumentGraph
from massledger.methodology.rules._common import num, shown

SLUG = "mass-id-qualifications"
NAME = "MassID Qualifications"


def _check(graph: DocumentGraph) -> Verdict:
    document = graph.mass_id
    problems = []
    if document.category != c.MASS_ID:
        problems.append(f'the category must be "{c.MASS_ID}", got {shown(document.category)}')
    if document.type != c.ORGANIC:
        problems.append(f'the type must be "{c.ORGANIC}", got {shown(document.type)}')
    if document.subtype not in c.ORGANIC_SUBTYPES:
        problems.append(
            f"the subtype must be one of {', '.join(c.ORGANIC_SUBTYPES)}; got {shown(document.subtype)}"
        )
    if document.measurement_unit != c.KG:
        problems.append(f'the measurement unit must be "{c.KG}", got {shown(document.measurement_unit)}')
    value = document.current_value
    if value is None or value <= 0:
        got = shown(document.raw_current_value) if value is None else num(value)
        problems.append(f"the current value must be a number greater than 0, got {got}")
    if problems:
        message = "; ".join(problems)
        return failed(message[0].upper() + message[1:] + ".")
    return passed(
        f'The MassID is an "{c.ORGANIC}" MassID of subtype "{document.subtype}" with '
        f"{num(value or 0)} {c.KG}."
    )


RULE = Rule(SLUG, NAME, _check)
