from datetime import UTC, datetime

from pydantic import TypeAdapter

from massledger.methodology.audit import audit_event_bodies, audit_methodology, audit_result
from massledger.methodology.graph import Document
from massledger.methodology.methodologies import evaluate
from massledger.traceability.schemas import EventIn
from tests.methodology import builders as b


def test_audit_events_are_valid_api_bodies_and_read_back() -> None:
    evaluation = evaluate("bold-carbon", b.graph())
    bodies = audit_event_bodies(evaluation, datetime(2025, 7, 1, 12, tzinfo=UTC))
    for body in bodies:
        TypeAdapter(EventIn).validate_python(body)
    assert len(bodies) == 22  # methodology, 20 rules, verdict
    rule_event = bodies[-2]["metadata"]["attributes"]
    assert {a["name"]: a["value"] for a in rule_event}["Rule Result Details"][
        "preventedCo2e"
    ] == "2778.166464"
    audit = b.DocumentRequest(
        b.doc_id("audit"),
        {
            "category": "Methodology",
            "type": "MassID Audit",
            "subtype": "Process",
            "externalCreatedAt": "2025-07-01T12:00:00Z",
            "isPublic": True,
            "isPubliclySearchable": True,
            "participant": b.NETWORK,
            "address": b.INTEGRATOR_SITE,
        },
        bodies,
    )
    document = Document.from_view(audit.view())
    assert (audit_methodology(document), audit_result(document)) == ("bold-carbon", "PASSED")


def test_evaluation_as_json() -> None:
    data = evaluate("bold-recycling", b.graph()).to_dict()
    assert data["result"] == "PASSED"
    assert data["certificateType"] == "RecycledID"
    assert [set(rule) for rule in data["rules"]] == [{"slug", "name", "result", "message", "details"}] * 19
