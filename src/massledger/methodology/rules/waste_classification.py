"""6. Local Waste Classification (regional-waste-classification): the Pick-up's Ibama code exists, maps to
the subtype's CDM waste type, and its description matches the Ibama description (Dice ≥ 0.85)."""

from __future__ import annotations

from massledger.methodology import constants as c
from massledger.methodology.engine import Rule, Verdict, failed, passed
from massledger.methodology.graph import DocumentGraph
from massledger.methodology.reference import compact_code, subtype_cdm_codes, waste_codes
from massledger.methodology.text import ratio, text_similarity

SLUG = "regional-waste-classification"
NAME = "Local Waste Classification"
THRESHOLD = c.DESCRIPTION_SIMILARITY_THRESHOLD
CODE = "Local Waste Classification ID"
DESCRIPTION = "Local Waste Classification Description"


def _check(graph: DocumentGraph) -> Verdict:
    document = graph.mass_id
    recycler = document.actor(c.RECYCLER)
    if recycler is None:
        return failed("The MassID has no Recycler ACTOR, so the classification country is unknown.")
    country = recycler.address.country_code if recycler.address else None
    if country != "BR":
        return failed(
            "The local waste classification is only validated for recyclers in Brazil; the Recycler "
            f"ACTOR address country is {country or 'missing'}."
        )
    pick_up = document.first(c.PICK_UP)
    if pick_up is None:
        return failed('The MassID has no "Pick-up" event.')
    code = pick_up.text(CODE)
    if code is None:
        return failed(f'The "Pick-up" event has no "{CODE}".')
    entry = waste_codes().get(compact_code(code))
    if entry is None:
        return failed(f'"{code}" is not a code of the Brazilian solid waste list (Ibama).', code=code)
    subtype_cdm = subtype_cdm_codes().get(document.subtype or "")
    if subtype_cdm is None:
        return failed(f'The subtype "{document.subtype}" has no CDM waste-type code.', code=entry.code)
    if entry.cdm_code != subtype_cdm:
        return failed(
            f"The code {entry.code} is CDM waste type {entry.cdm_code}, but the subtype "
            f'"{document.subtype}" is {subtype_cdm}.',
            code=entry.code,
            cdmCode=entry.cdm_code,
            subtypeCdmCode=subtype_cdm,
        )
    description = pick_up.text(DESCRIPTION)
    if description is None:
        return failed(f'The "Pick-up" event has no "{DESCRIPTION}".', code=entry.code)
    similarity = text_similarity(description, entry.description)
    details = {"code": entry.code, "cdmCode": entry.cdm_code, "similarity": ratio(similarity)}
    if similarity < THRESHOLD:
        return failed(
            f'The description "{description}" does not match the Ibama description of {entry.code} '
            f'"{entry.description}": similarity {ratio(similarity)} is below {THRESHOLD}.',
            **details,
        )
    return passed(
        f'The code {entry.code} ("{entry.description}") matches the subtype (CDM {entry.cdm_code}) and '
        f"the description (similarity {ratio(similarity)} ≥ {THRESHOLD}).",
        **details,
    )


RULE = Rule(SLUG, NAME, _check)
