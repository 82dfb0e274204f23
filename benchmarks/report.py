"""results.json (everything) and results.md (the table, the command, the machine, the plans)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .harness import Measure

ITEMS = {
    1: "Reads under RLS (PostgREST path vs superuser plain query)",
    2: "Claim",
    3: "Outbox throughput and latency",
    4: "Sweeps and tick (cost follows due rows, not table size)",
    5: "Provider pacing",
}


def _verdict(m: Measure) -> str:
    return {True: "pass", False: "**MISS**", None: "reported"}[m.passed]


def _goal(m: Measure) -> str:
    return m.goal_text


def _figures(m: Measure) -> str:
    s = m.sides
    parts = []
    for name, value in s.items():
        if isinstance(value, dict) and "p50" in value:
            parts.append(f"{name}: p50 {value['p50']:.2f} ms, p95 {value['p95']:.2f} ms")
    if "p95_ratio" in s and s["p95_ratio"] is not None:
        parts.append(f"p95 ratio {s['p95_ratio']:.2f}")
    for key in ("ours_jobs_per_s", "bare_per_job_jobs_per_s", "bare_batch_completion_jobs_per_s",
                "procrastinate_jobs_per_s"):
        if key in s:
            parts.append(f"{key.replace('_jobs_per_s', '').replace('_', ' ')} (jobs/s): "
                         + ", ".join(f"{k}: {v}" for k, v in s[key].items()))
    for key in ("pgbouncer_jobs_per_s", "direct_jobs_per_s", "rounds_with_one_winner", "loser_answers",
                "peak_per_1s_window", "min_gap_s", "refusals_429", "retry_after_honoured", "lost", "seq_scans",
                "found_small_big", "no_seq_scan", "same_rows", "rows"):
        if key in s:
            parts.append(f"{key}: {s[key]}")
    return "; ".join(parts + m.notes)


def write(out: Path, results: dict[str, Any], measures: list[Measure], plans: dict[str, str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    doc = {**results, "measures": [m.as_dict() for m in measures], "plans": plans}
    (out / "results.json").write_text(json.dumps(doc, indent=2, default=str) + "\n")
    lines = [
        "# Benchmarks (issue 15)",
        "",
        f"Command: `{results['command']}` — {results['started_at']}, {results['seconds']:.0f} s, "
        f"revision {results['revision']}{' (quick smoke size)' if results['quick'] else ''}.",
        "",
        "Stages (s): " + ", ".join(f"{k} {v:g}" for k, v in results["stages"].items()) + ".",
        "",
        "Machine: " + ", ".join(f"{k} {v}" for k, v in results["machine"].items() if k != "postgres_full") + ".",
        "",
        f"Data: {results['data']}.",
        "",
        "Every ratio is measured side by side in this one run (the two sides interleaved, order flipped every "
        "round, after a warm-up), so it holds on a noisy shared machine where absolute times do not. Latency "
        "ratios are p50 / p50 (the p95 ratio is shown beside); throughput ratios are jobs/s / jobs/s.",
        "",
        "| # | measure | ratio | goal | result | figures |",
        "|---|---|---|---|---|---|",
    ]
    for m in measures:
        ratio = "—" if m.ratio is None else f"{m.ratio:.3g}"
        lines.append(f"| {m.item} | {m.title} | {ratio} | {_goal(m)} | {_verdict(m)} | {_figures(m)} |")
    lines += ["", "## Plans", "",
              "EXPLAIN ANALYZE of the user's side (auto_explain, nested statements: the query inside the "
              "function shows), captured after 9 calls on the same connection (plpgsql's plan cache settled).", ""]
    for name, plan in plans.items():
        lines += [f"<details><summary>{name}</summary>", "", "```", plan.strip() or "(no plan captured)", "```",
                  "", "</details>", ""]
    (out / "results.md").write_text("\n".join(lines))
