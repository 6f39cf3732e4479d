"""Results → the table in bench/README.md (between markers) and a PNG chart."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

START, END = "<!-- results:start -->", "<!-- results:end -->"
REFERENCES = (
    ("raw", "bare driver"),
    ("massledger", "massledger in-process"),
    ("peer", "eventsourcing (peer, in-process)"),
)


def _number(value: Any, digits: int = 0) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and digits:
        return f"{value:,.{digits}f}"
    return f"{value:,.0f}" if isinstance(value, int | float) else str(value)


def _ratio(value: Any) -> str:
    """A ratio cell; "–" where the scenario has no such reference (e.g. no peer for the registry)."""
    return "–" if value is None else str(value)


def _rate(result: dict[str, Any], name: str) -> float | None:
    reference = result.get("references", {}).get(name)
    if not reference:
        return None
    key = "units_per_s" if result.get("unit") == "events/s" else "ops_per_s"
    value = reference.get(key)
    return float(value) if value is not None else None


def one_line(result: dict[str, Any]) -> str:
    if result.get("status") != "ok":
        return f"{result.get('status')}: {result.get('reason')}"
    if "append_p99_ratio" in result:
        return f"p99 ratio append {result['append_p99_ratio']}, GET {result['get_p99_ratio']}"
    ratios = result.get("ratios", {})
    return (
        f"{result['throughput']:,.0f} {result['unit']}, p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms,"
        f" ×raw {ratios.get('to_raw')}, ×peer {ratios.get('to_peer')}"
    )


def _targets(result: dict[str, Any]) -> str:
    parts = []
    for check in result.get("targets", []):
        mark = {True: "✅", False: "❌", None: "–"}[check["pass"]]
        parts.append(f"{mark} {check['target']}")
    return "<br>".join(parts) or "–"


def table(results: dict[str, Any]) -> str:
    meta = results["meta"]
    machine, versions, settings = meta["machine"], meta["versions"], meta["settings"]
    lines = [
        f"Run: **{meta['profile']}** profile, {meta['date']}"
        + (" — **preliminary** (short runs on a shared, busy machine)" if meta.get("preliminary") else ""),
        "",
        f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB, kernel"
        f" {machine['kernel']}, load average at start {machine['load_average']}.",
        f"Versions: massledger {versions['massledger']} (commit {versions['massledger_commit']}), Python"
        f" {versions['python']}, SQLite {versions['sqlite']}, PostgreSQL {versions['postgresql']}, psycopg"
        f" {versions['psycopg']}, FastAPI {versions['fastapi']}, uvicorn {versions['uvicorn']}, eventsourcing"
        f" {versions['eventsourcing']}, {versions['wrk']}.",
        f"Settings: warm-up {settings['warmup_s']} s, measured {settings['duration_s']} s"
        f" (in-process references {settings['inproc_duration_s']} s), {settings['connections']}"
        f" connections; growth sizes {settings['growth_sizes']}.",
        "",
        "| scenario | backend | massledger HTTP | p50 / p99 ms | bare driver | massledger in-process"
        " | eventsourcing (peer) | × raw | × peer (HTTP / in-process) | targets |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for backend, data in results["backends"].items():
        for key, result in data["scenarios"].items():
            title = result.get("title", key)
            if result.get("status") != "ok":
                lines.append(
                    f"| {title} | {backend} | {result.get('status')}: {result.get('reason')} |"
                    f" | | | | | | {_targets(result)} |"
                )
                continue
            if key == "growth":
                sizes = result["sizes"]
                runs = result["runs"]
                cells = []
                for part in ("append", "get"):
                    small = runs["small"][part]["measured"]
                    large = runs["large"][part]["measured"]
                    growth = result[f"{part}_p99_ratio"]
                    cells.append(
                        f"{part}: {small['throughput']:,.0f} → {large['throughput']:,.0f} req/s,"
                        f" p99 {small['p99_ms']:.1f} → {large['p99_ms']:.1f} ms (×{growth})"
                    )
                lines.append(
                    f"| growth: {sizes['small']:,} → {sizes['large']:,} events stored | {backend} |"
                    f" {'<br>'.join(cells)} | | raw p99 ×{result['raw_append_p99_ratio']} (append),"
                    f" ×{result['raw_get_p99_ratio']} (GET) | | not measured | | | {_targets(result)} |"
                )
                continue
            unit = result["unit"]
            ratios = result["ratios"]
            lines.append(
                f"| {title} | {backend} | **{_number(result['throughput'])}** {unit} |"
                f" {result['p50_ms']:.1f} / {result['p99_ms']:.1f} | {_number(_rate(result, 'raw'))} |"
                f" {_number(_rate(result, 'massledger'))} | {_number(_rate(result, 'peer'))} |"
                f" {_ratio(ratios.get('to_raw'))} | {_ratio(ratios.get('to_peer'))} /"
                f" {_ratio(ratios.get('inprocess_to_peer'))} |"
                f" {_targets(result)} |"
            )
    lines.append("")
    for backend, data in results["backends"].items():
        ceiling = data["load_generator_ceiling"]
        verify = data.get("verify")
        verdict = (
            "not run"
            if verify is None
            else ("passed" if verify["ok"] else "FAILED") + f" {verify['checked']}"
        )
        lines.append(
            f"- {backend}: load generator alone on `GET /health`: {ceiling['throughput']:,.0f} req/s"
            f" (p99 {ceiling['p99_ms']:.1f} ms); `massledger verify` after the write scenarios: {verdict}."
        )
    return "\n".join(lines)


def update_readme(results: dict[str, Any], path: Path) -> None:
    text = path.read_text() if path.exists() else f"# Benchmarks\n\n{START}\n{END}\n"
    if START not in text:
        text += f"\n{START}\n{END}\n"
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    path.write_text(pattern.sub(lambda _m: f"{START}\n{table(results)}\n{END}", text))


def chart(results: dict[str, Any], path: Path) -> None:
    """Throughput and p99 per scenario and backend: massledger over HTTP beside the references."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels: list[str] = []
    names = ["massledger HTTP", *(name for _, name in REFERENCES)]
    series: dict[str, list[float]] = {name: [] for name in names}
    p99: dict[str, list[float]] = {name: [] for name in names}
    for backend, data in results["backends"].items():
        for key, result in data["scenarios"].items():
            if result.get("status") != "ok" or key == "growth":
                continue
            labels.append(f"{key}\n{backend}\n({result['unit']})")
            series["massledger HTTP"].append(float(result["throughput"]))
            p99["massledger HTTP"].append(float(result["p99_ms"]))
            for ref, name in REFERENCES:
                series[name].append(_rate(result, ref) or 0.0)
                reference = result.get("references", {}).get(ref) or {}
                p99[name].append(float(reference.get("p99_ms") or 0.0))
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(max(8, 1.8 * len(labels) + 2), 9))
    width = 0.8 / len(series)
    positions = range(len(labels))
    for index, name in enumerate(series):
        offsets = [p + (index - (len(series) - 1) / 2) * width for p in positions]
        top.bar(offsets, series[name], width, label=name)
        bottom.bar(offsets, p99[name], width, label=name)
    top.set_ylabel("throughput (per second, log)")
    top.set_yscale("log")
    bottom.set_ylabel("p99 latency, ms (log)")
    bottom.set_yscale("log")
    for axis in (top, bottom):
        axis.set_xticks(list(positions), labels, fontsize=8)
        axis.grid(axis="y", alpha=0.3)
    top.legend(fontsize=8)
    meta = results["meta"]
    title = f"massledger benchmarks ({meta['profile']}, {meta['date']})"
    if meta.get("preliminary"):
        title += " — preliminary"
    top.set_title(title)
    bottom.set_title(
        "p99: HTTP under 32 connections; references one at a time (SQLite) or 8 threads (PostgreSQL)",
        fontsize=9,
    )
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
