"""A smoke pass of the benchmark harness (bench/) with tiny sizes: every code path runs against a real
server process and real databases, and the results must be well formed and consistent. Nothing here
asserts a timing: benchmarks are not tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench import report, runner
from bench.config import PROFILES
from bench.load import Plan
from bench.scenarios import ALL
from bench.scenarios.base import _matches
from bench.targets import evaluate
from tests.conftest import _worker

MEASURED = ("single_append", "batch_append", "get_document")


def test_smoke_run_writes_well_formed_consistent_results(tmp_path: Path, backend: str) -> None:
    # One run per backend (a run takes tens of seconds); each check below is one property of it.
    results = runner.main(
        PROFILES["smoke"],
        [backend],
        {scenario.key for scenario in ALL},
        tmp_path / "results.json",
        tmp_path / "README.md",
        tmp_path / "results.png",
        out=tmp_path / "scratch",
        db_prefix=f"massledger_bench_{_worker()}",
    )
    assert json.loads((tmp_path / "results.json").read_text()) == results
    scenarios = results["backends"][backend]["scenarios"]
    _check_meta(results)
    assert set(scenarios) == {scenario.key for scenario in ALL}
    for key in MEASURED:
        _check_measured(scenarios[key])
    _check_verify(results["backends"][backend]["verify"])
    _check_registry(scenarios["registry_actions"])
    _check_audits(scenarios["audits"])
    _check_growth(scenarios["growth"])
    _check_report(results, tmp_path, backend)
    assert not (tmp_path / "scratch" / f"run-{backend}").exists()  # scratch files are removed


def _check_meta(results: dict[str, Any]) -> None:
    meta = results["meta"]
    assert meta["machine"]["cores"] >= 1 and meta["machine"]["cpu"]
    for key in ("python", "sqlite", "massledger_commit", "eventsourcing"):
        assert meta["versions"][key]
    assert meta["preliminary"] is True and meta["commands"]["run"].startswith("python -m bench")


def _check_measured(result: dict[str, Any]) -> None:
    assert result["status"] == "ok", result
    assert result["throughput"] > 0 and 0 < result["p50_ms"] <= result["p99_ms"]
    assert result["http"]["measured"]["errors"]["status"] == 0
    for driver in ("raw", "massledger", "peer"):
        assert result["references"][driver]["ops"] > 0
    assert all(result["ratios"][name] > 0 for name in ("to_raw", "to_peer", "inprocess_to_peer"))
    # Acknowledged writes are stored, by the server and by each reference.
    assert all(check["ok"] for check in result["verification"].values()), result["verification"]
    assert result["targets"] and all(t["pass"] in (True, False) for t in result["targets"])


def _check_http(result: dict[str, Any]) -> None:
    assert result["status"] == "ok", result
    measured = result["http"]["measured"]
    assert result["throughput"] > 0 and 0 < result["p50_ms"] <= result["p99_ms"]
    assert measured["errors"]["status"] == 0 and result["http"]["warmup"]["errors"]["status"] == 0
    assert isinstance(measured["server_cpu_us_per_request"], int)  # CPU ticks are 10 ms: may be 0
    assert result["targets"] and all(t["pass"] in (True, False) for t in result["targets"])


def _check_registry(result: dict[str, Any]) -> None:
    _check_http(result)
    for driver in ("raw", "massledger"):
        assert result["references"][driver]["ops"] > 0
    assert result["ratios"]["to_raw"] > 0 and result["ratios"]["to_peer"] is None
    # Every acknowledged action is stored, each reference's too, and the ledger's invariants hold on all
    # of it (the bare driver's rows included): zero violations.
    assert all(check["ok"] for check in result["verification"].values() if "ok" in check), result
    verified = result["verification"]["registry_verify"]
    assert result["violations"] == verified["violations"] == 0, verified["problems"]
    assert verified["checked"]["retirements"] > 0 and verified["checked"]["transactions"] > 0
    assert {t["target"]: t["pass"] for t in result["targets"]}["zero invariant violations"] is True


def _check_audits(result: dict[str, Any]) -> None:
    _check_http(result)
    assert result["references"]["massledger"]["ops"] > 0
    # Each acknowledged audit is stored and passed: one certificate and one credit batch per audit.
    for check in result["verification"].values():
        assert check["ok"], result["verification"]
        assert check["audits"] > 0 and check["certificates"] == check["credit_batches"] == check["audits"]
    assert result["prepared_pairs"]["measured"] >= result["http"]["measured"]["requests"]


def _check_verify(checked: dict[str, Any]) -> None:
    # `massledger verify` covers the rows the bare-driver baseline wrote: they are what the server writes.
    assert checked["ok"], checked
    assert checked["checked"]["events"] > 0


def _check_growth(growth: dict[str, Any]) -> None:
    assert growth["status"] == "ok", growth
    assert growth["sizes"] == {"small": 200, "large": 600}
    for size in ("small", "large"):
        run = growth["runs"][size]
        assert run["load"]["events"] == growth["sizes"][size] and run["load"]["sample_verified"] >= 1
        assert run["append"]["measured"]["ok"] > 0 and run["get"]["measured"]["errors"]["status"] == 0
        assert run["verify"]["ok"], run["verify"]  # whole store, bulk-loaded rows included
    assert growth["append_p99_ratio"] > 0 and growth["get_p99_ratio"] > 0


def _check_report(results: dict[str, Any], out: Path, backend: str) -> None:
    readme = (out / "README.md").read_text()
    assert report.START in readme and report.END in readme
    for scenario in ALL:
        if scenario.key != "growth":
            assert f"| {scenario.title} | {backend} |" in readme
    assert f"| growth: 200 → 600 events stored | {backend} |" in readme
    assert "preliminary" in readme
    assert (out / "results.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    report.update_readme(results, out / "README.md")  # rewriting keeps one table
    assert (out / "README.md").read_text().count(report.START) == 1


def test_targets_pass_and_fail_on_their_bounds() -> None:
    ok = {"status": "ok", "throughput": 2000.0, "p99_ms": 50.0, "ratios": {"to_peer": 0.9}}
    checks = {c["target"]: c["pass"] for c in evaluate("single_append", "sqlite", ok)}
    assert checks == {"≥ 2,000 req/s": True, "p99 ≤ 50 ms": True, "≥ the peer": False}
    slow = {**ok, "throughput": 1999.9, "p99_ms": 50.1}
    assert [c["pass"] for c in evaluate("single_append", "sqlite", slow)][:2] == [False, False]
    assert all(c["pass"] is None for c in evaluate("batch_append", "postgresql", {"status": "failed"}))


def test_plan_rows_fill_every_template_as_the_lua_plan_does() -> None:
    plan = Plan(
        "POST",
        "/organizations/{id}/inventory/action/{2}",
        ['org-a\ttransfer\ttoken-a\t{"amount": 1}', "org-b\tretire\ttoken-b\t{}"],
        "",
        body="{4}",
        offset=5,
        headers={"Authorization": "Bearer {3}", "Idempotency-Key": "run-{seq}"},
    )
    assert plan.request(0) == (
        "POST",
        "/organizations/org-b/inventory/action/retire",
        "{}",
        {"Content-Type": "application/json", "Authorization": "Bearer token-b", "Idempotency-Key": "run-5"},
    )
    assert plan.request(1)[1:3] == ("/organizations/org-a/inventory/action/transfer", '{"amount": 1}')
    assert plan.request(1)[3]["Idempotency-Key"] == "run-6"  # unique per request, not per row
    # A plain plan: one value per row, the token as bearer, JSON braces left alone.
    single = Plan("POST", "/documents/{id}/events", ["d1"], "tok", body='{"documentId": "{id}"}')
    assert single.request(3) == (
        "POST",
        "/documents/d1/events",
        '{"documentId": "d1"}',
        {"Authorization": "Bearer tok", "Content-Type": "application/json"},
    )


def test_route_templates_match_whatever_their_parameters_are_named() -> None:
    assert _matches(
        "/organizations/{id}/inventory/action/{action}",
        "/organizations/{organizationId}/inventory/action/{a}",
    )
    assert not _matches("/methodologies/{slug}/audits", "/methodologies/{slug}")
    assert not _matches("/methodologies/{slug}/audits", "/documents/{id}/events")
