"""Stateful fuzzing: schemathesis follows the OpenAPI links the app declares (create → append → read;
friendbot or issuance → inventory → action → transaction) with generated data, as one organization holding
every scope (registry:admin included). No 5xx, every response matches its documented schema, the links are
really followed (chains of successful calls happen), and documents and ledgers still verify afterwards.

The per-operation fuzz (test_schemathesis.py, tests/registry/test_fuzz.py) explores bad input; this run is
about sequences, so generated values that can only ever be refused (another organization's id, a timestamp in
the future, an action body that contradicts its action) are set right before the call, as the registry fuzz
does for the organization id. Bounded for CI by MASSLEDGER_FUZZ_EXAMPLES (scenarios, default 15); `make fuzz`
runs many more."""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import FlakyStrategyDefinition
from hypothesis.stateful import Bundle, initialize
from schemathesis import Case, GenerationMode
from schemathesis.core.transport import Response
from schemathesis.generation.stateful.state_machine import StepInput, StepOutput

from massledger.app import create_app
from massledger.auth.scopes import ALL_SCOPES
from massledger.openapi import LINKS
from massledger.registry.service import RETIRING, TARGETED
from massledger.settings import Settings
from massledger.traceability.verify import verify_documents
from tests.conftest import Factory, fetch_token
from tests.registry.helpers import Member, assert_invariants
from tests.reliability.test_schemathesis import NOT_APPLICABLE
from tests.traceability.helpers import ADDRESS, PARTICIPANT

EXAMPLES = int(os.environ.get("MASSLEDGER_FUZZ_EXAMPLES", "15"))
SETTLED = "2025-01-01T00:00:00Z"


def _link(source: str, name: str) -> str:
    """The transition id schemathesis gives a declared link."""
    link = next(link for link in LINKS if link.source == source and link.name == name)
    return f"{link.source} -> [{link.status}] {link.name} -> {link.target}"


def test_stateful_fuzz_follows_the_links(settings: Settings, factory: Factory) -> None:
    organization = factory.organization("Stateful")
    receiver = factory.organization("Receiver")
    creds = factory.client(organization, "TEST", list(ALL_SCOPES))
    app = create_app(settings)
    with TestClient(app) as client:
        headers = {"Authorization": f"Bearer {fetch_token(client, creds)}"}
        # A project to issue from: generated project ids name nothing.
        member = Member(client, factory, organization)
        member.friendbot()
        project_ids = {member.inventory()["credits"][0]["project"]["id"]}
    documents: list[str] = []  # created by the run
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    # Only the links the app declares: they are the contract, and inferred links would dilute the budget.
    schema.config.phases.stateful.inference.algorithms = []
    followed: Counter[str] = Counter()  # transition id -> successful calls made by following it
    chain: dict[str, int] = {}  # case id -> length of the chain of successful calls ending with it
    calls: Counter[str] = Counter()  # "operation status" -> calls (shown when an assertion fails)
    failures: list[str] = []  # every failed check, even if Hypothesis cannot replay it afterwards

    def entry(path: str, method: str, prepare: Any = None, **fixed: Any) -> Any:
        """A first call of every scenario, so that every scenario has answers to follow links from."""
        strategy = schema[path][method].as_strategy(**fixed)
        if prepare is not None:
            strategy = strategy.map(prepare)

        @initialize(target=Bundle("catch_all"), input=strategy.map(StepInput.initial))
        def start(self: Any, input: StepInput) -> StepOutput:
            self.recorder.record_case(case=input.case)
            self.control.record_step(input, self.recorder)
            return self.step(input)  # type: ignore[no-any-return]

        return start

    class Workflows(schema.as_state_machine()):  # type: ignore[misc]
        create_document = entry("/documents", "POST", _inline_references)
        friendbot = entry("/organizations/{id}/friendbot", "GET", path_parameters={"id": organization})
        issue = entry("/registry/issuances", "POST")
        # The organization holds credits from the start (friendbot above): every scenario can act on them.
        inventory = entry(
            "/organizations/{id}/inventory", "GET", _no_query, path_parameters={"id": organization}
        )

        def before_call(self, case: Case) -> None:
            if case.meta is not None and case.meta.generation.mode is GenerationMode.NEGATIVE:
                return  # schema-violating input goes out as generated: it must be refused
            if case.path.startswith("/documents"):
                _settled(case.body, documents)
            # A link into a body is applied most of the time only, and schemathesis then counts the 404 for a
            # generated documentId as "a created resource was not found": the batch names a created document.
            body = case.body
            batch = case.operation.label == "POST /documents/events" and isinstance(body, dict)
            if batch and documents and body.get("documentId") not in documents:
                body["documentId"] = documents[-1]
            # Registry paths name the caller's organization (as tests/registry/test_fuzz.py does), so calls
            # reach the ledger instead of stopping at the 403 for somebody else's organization.
            if case.path.startswith("/organizations/") and case.path_parameters:
                case.path_parameters["id"] = organization
            if isinstance(case.body, dict) and case.operation.label == "POST /registry/issuances":
                case.body["toOrganizationId"] = organization
                _small_amount(case.body)
                if case.body.get("projectId") not in project_ids:
                    case.body["projectId"] = next(iter(project_ids))
            if isinstance(case.body, dict) and case.path_parameters and "action" in case.path_parameters:
                _coherent_action(case.path_parameters["action"], case.body, receiver)

        def get_call_kwargs(self, case: Case) -> dict[str, Any]:
            return {"headers": headers}

        def step(self, input: StepInput) -> StepOutput:
            output: StepOutput = super().step(input)
            case = input.case
            calls[f"{case.operation.label} {output.response.status_code}"] += 1
            if output.response.status_code < 300:
                if case.operation.label == "POST /registry/projects":
                    project_ids.add(output.response.json()["id"])
                if case.operation.label == "POST /documents":
                    documents.append(output.response.json()["id"])
                parent = input.transition.parent_id if input.transition and input.is_applied else None
                chain[case.id] = chain.get(parent, 0) + 1 if parent else 1
                if input.transition is not None and parent in chain:
                    followed[input.transition.id] += 1
            return output

        def validate_response(self, response: Response, case: Case, **kwargs: Any) -> None:
            # No 5xx, documented status codes, content types, headers and schemas (a 400 for schema-valid
            # input that breaks a business rule is correct, see NOT_APPLICABLE).
            try:
                case.validate_response(
                    response,
                    excluded_checks=NOT_APPLICABLE,
                    transport_kwargs=kwargs or None,
                    recorder=self.recorder,
                )
            except Exception as exc:
                failures.append(f"{case.operation.label}: {exc}")
                raise

    # The server's state moves under Hypothesis (a body that created a document once is a 409 duplicate later,
    # so a rule's bundle stays empty and a known prefix draws differently): schemathesis' own engine ends its
    # stateful phase there too. The checks that ran before are in `failures`.
    with contextlib.suppress(FlakyStrategyDefinition):
        Workflows.run(
            settings=hypothesis_settings(
                max_examples=EXAMPLES,
                stateful_step_count=10,
                phases=[Phase.generate],  # as schemathesis runs it: replays meet a server that moved on
                deadline=None,
                derandomize=True,  # the same scenarios on every run: CI is reproducible
                database=None,
                suppress_health_check=list(HealthCheck),
            )
        )
    assert failures == [], failures

    # The links were followed: values from one answer made the next call succeed, several steps deep.
    summary = f"followed: {followed}\ncalls: {calls}"
    assert sum(n for link, n in followed.items() if link.startswith("POST /documents")) > 0, summary
    assert followed[_link("GET /organizations/{id}/inventory", "Act")] > 0, summary
    assert max(chain.values()) >= 3, summary  # e.g. friendbot → inventory → action → transaction
    checked, problems = factory.database.run_read(verify_documents)
    assert problems == [] and checked["documents"] > 0, problems
    assert_invariants(factory.database)


def _settled(body: Any, documents: list[str]) -> None:
    """Every `externalCreatedAt` set to one moment in the past (generated ones are mostly in the future,
    before 1970 or before the document's last event); generated participantId / addressId references dropped
    (they name nothing; inline participants and addresses stay); relations point at documents of the run."""
    if isinstance(body, dict):
        for reference in ("participantId", "addressId"):
            body.pop(reference, None)
        related = body.get("relatedDocument")
        if isinstance(related, dict) and documents and related.get("documentId") not in documents:
            related["documentId"] = documents[len(documents) // 2]
        for key, value in body.items():
            if key == "externalCreatedAt" and isinstance(value, str):
                body[key] = SETTLED
            else:
                _settled(value, documents)
    elif isinstance(body, list):
        for item in body:
            _settled(item, documents)


def _inline_references(case: Case) -> Case:
    """A generated document names its participant and address inline (generated ids name nothing)."""
    if isinstance(case.body, dict):
        for inline, value in (("participant", PARTICIPANT), ("address", ADDRESS)):
            case.body.pop(f"{inline}Id", None)
            if not isinstance(case.body.get(inline), dict):
                case.body[inline] = dict(value)
    return case


def _no_query(case: Case) -> Case:
    case.query = {}
    return case


def _small_amount(body: dict[str, Any]) -> None:
    """Tonnes the ledger can move: more than 0, at most 3 decimals, no more than the holdings."""
    amount = body.get("amount")
    if not isinstance(amount, (int, float)) or not 0 < amount <= 10 or round(amount, 3) != amount:
        body["amount"] = 1


def _coherent_action(action: str, body: dict[str, Any], receiver: str) -> None:
    """The body an action can accept: a small amount, a receiver only for transfers, retirement data only
    for retirements (each refusal has its own test in tests/registry/test_actions.py)."""
    _small_amount(body)
    body.pop("toAddress", None)
    body.pop("fromAddress", None)
    if action in TARGETED:
        body["toOrganizationId"] = receiver
    else:
        body.pop("toOrganizationId", None)
    if action in RETIRING:
        data = body.get("retirementData")
        data = data if isinstance(data, dict) else {}
        body["retirementData"] = {**data, "beneficiaryName": "Maria Souza", "reason": "Scope 3 offset"}
    else:
        body.pop("retirementData", None)
