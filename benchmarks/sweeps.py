"""Item 4: the request sweeps and the reminder scan at two table sizes with the same number of due rows.

Each sweep runs in a transaction that is rolled back, alternately on the small and the big database, so both
always see the generated state (`due` rows of each kind). Goal: big / small p50 <= 1.5 (the cost follows the
due work, not the table), and the plans (auto_explain, nested statements) scan the tables by index.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg

from .harness import Measure, PlanCatcher, distinct_plans, ratio_measure, side_by_side

GOAL = 1.5
SWEEPS = {
    "expire_requests": "select private.expire_requests(now())",
    "release_stale_claims": "select private.release_stale_claims(interval '72 hours', now())",
    "release_departed_claims": "select private.release_departed_claims()",
    "queue_reminders": "select private.queue_reminders(now())",
    "tick": "select private.tick(now())",
}
SCANNED = ("mini_mentorship_requests", "mini_mentorship_sessions", "outbox")


def _drop_time(found: Any) -> Any:
    return {k: v for k, v in found.items() if k != "as_of"} if isinstance(found, dict) else found


def _run(conn: psycopg.Connection[Any], query: str) -> Any:
    with conn.transaction(force_rollback=True):
        row = conn.execute(query).fetchone()
    return None if row is None else row[0]


def _runner(conn: psycopg.Connection[Any], query: str) -> Callable[[int], object]:
    return lambda _i: _run(conn, query)


def measure(small_url: str, big_url: str, *, small_rows: int, big_rows: int, due: int, n: int,
            warmup: int) -> tuple[list[Measure], dict[str, str]]:
    measures: list[Measure] = []
    plans: dict[str, str] = {}
    with psycopg.connect(small_url, autocommit=True) as small, psycopg.connect(big_url, autocommit=True) as big:
        for name, query in SWEEPS.items():
            found = tuple(_drop_time(_run(conn, query)) for conn in (small, big))
            sa, sb = side_by_side(_runner(big, query), _runner(small, query), n=n, warmup=warmup)
            catcher = PlanCatcher(big)
            with catcher.catch() as caught:
                _run(big, query)
            plans[f"sweep_{name}"] = distinct_plans(caught)
            seq = sorted({t for t in SCANNED for p in caught if f"Seq Scan on {t}" in p})
            m = ratio_measure(f"sweep_{name}", 4, f"{name} at {big_rows:,} vs {small_rows:,} requests ({due} due)",
                              sa, sb, GOAL, ours_name=f"{big_rows:,} rows", base_name=f"{small_rows:,} rows")
            m.sides["found_small_big"] = found
            m.sides["seq_scans"] = seq
            if seq:
                m.passed = False
                m.notes.append(f"sequential scan of {', '.join(seq)} in the plan")
            if name != "tick" and found[0] != found[1]:
                m.notes.append(f"the two sizes found different work: {found}")
            measures.append(m)
    return measures, plans
