"""The shared machinery: timing two sides interleaved, statistics, measures, and the benchmark's own server."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from rich.console import Console

from mini_mentorship import db as dbmod
from mini_mentorship.pgserver import LocalServer, available_bindirs
from mini_mentorship.settings import Settings
from mini_mentorship.testing.api import Api

PROJECT_DIR = Path(__file__).resolve().parent.parent
console = Console(stderr=True)


@dataclass(frozen=True)
class Stats:
    """Latency samples of one side, in milliseconds."""

    n: int
    p50: float
    p95: float
    mean: float

    @classmethod
    def of(cls, seconds: list[float]) -> Stats:
        ms = sorted(s * 1000 for s in seconds)
        p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
        return cls(len(ms), round(statistics.median(ms), 3), round(p95, 3), round(statistics.fmean(ms), 3))


@dataclass
class Measure:
    """One line of the results table: a ratio, its goal and whether it was met.

    `goal` is the largest ratio that passes (None: reported only, the goal is a fact in `goal_text`);
    `passed` is None when there is nothing to pass (a figure reported for reference).
    """

    key: str
    item: int
    title: str
    ratio: float | None
    goal: float | None
    goal_text: str
    passed: bool | None
    sides: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def ratio_measure(key: str, item: int, title: str, ours: Stats, base: Stats, goal: float, *,
                  ours_name: str, base_name: str, notes: list[str] | None = None) -> Measure:
    """ours.p50 / base.p50 against `goal` (p95 ratio reported beside it)."""
    ratio = round(ours.p50 / base.p50, 3) if base.p50 > 0 else None
    p95 = round(ours.p95 / base.p95, 3) if base.p95 > 0 else None
    return Measure(
        key, item, title, ratio, goal, f"p50 ratio <= {goal:g}", None if ratio is None else ratio <= goal,
        sides={ours_name: asdict(ours), base_name: asdict(base), "p95_ratio": p95}, notes=notes or [],
    )


def side_by_side(a: Callable[[int], object], b: Callable[[int], object], *, n: int,
                 warmup: int) -> tuple[Stats, Stats]:
    """Time `a(i)` and `b(i)` alternately (the order flips every round) after `warmup` untimed rounds each."""
    for i in range(warmup):
        a(i)
        b(i)
    ta: list[float] = []
    tb: list[float] = []
    for i in range(n):
        pair = ((a, ta), (b, tb)) if i % 2 == 0 else ((b, tb), (a, ta))
        for fn, out in pair:
            start = time.perf_counter()
            fn(warmup + i)
            out.append(time.perf_counter() - start)
    return Stats.of(ta), Stats.of(tb)


def machine_facts(server_url: str) -> dict[str, Any]:
    with psycopg.connect(server_url) as conn:
        row = conn.execute("select version(), current_setting('shared_buffers'), "
                           "current_setting('server_version')").fetchone()
    assert row is not None
    mem_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kb = int(line.split()[1])
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    try:
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "?"
    return {
        "cores": os.cpu_count(), "cpu": cpu, "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "postgres": row[2], "postgres_full": row[0], "shared_buffers": row[1],
        "python": platform.python_version(), "platform": platform.platform(), "load_at_start": load,
    }


# --- the benchmark's own server ----------------------------------------------------------------------------


@dataclass
class BenchServer:
    """An embedded PostgreSQL 18 on its own data dir, with a migrated template to copy databases from."""

    server: LocalServer
    url: str  # superuser, maintenance database
    template: str = "bench_template"

    def database(self, name: str, *, migrated: bool = True) -> str:
        dbmod.drop_database(self.url, name)
        url = dbmod.create_database(self.url, name, template=self.template if migrated else None)
        if migrated:
            with dbmod.connect(url) as conn:
                conn.execute(f"alter database {name} set pgrst.db_schemas = 'public'")
        return url


# Generous memory for 1M rows on a 2-core box; fsync off (a throw-away server); plans as client notices.
SERVER_SETTINGS = {
    "shared_buffers": "1GB",
    "work_mem": "16MB",
    "maintenance_work_mem": "512MB",
    "max_wal_size": "4GB",
    "checkpoint_timeout": "30min",
    "session_preload_libraries": "auto_explain",
    "jit": "off",
}


@contextmanager
def bench_server(datadir: Path) -> Iterator[BenchServer]:
    server = LocalServer(datadir, available_bindirs()["pg18"], "bench", fast=True)
    url = server.start()
    try:
        with dbmod.connect(url) as conn:
            for name, value in SERVER_SETTINGS.items():
                conn.execute(f"alter system set {name} = '{value}'")
        server.stop()
        url = server.start()
        dbmod.drop_database(url, "bench_template")
        template_url = dbmod.create_database(url, "bench_template")
        dbmod.migrate_database(template_url, Settings(project_dir=PROJECT_DIR, database_url=None))
        yield BenchServer(server, url)
    finally:
        server.stop()


def authenticator_url(url: str) -> str:
    return dbmod.with_user(url, "authenticator")


def superuser_api(url: str) -> Api:
    """The baseline caller: the same request shape as PostgREST's (one transaction, `set local role`, claims,
    statement timeout), as the superuser, so both sides pay the same round trips."""
    return Api(url, "postgres", {"role": "postgres"})


def git_revision() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_DIR, capture_output=True,
                             text=True, check=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", ".", ":!benchmarks/results.*"],
                               cwd=PROJECT_DIR, capture_output=True, text=True, check=True, timeout=10).stdout.strip()
        return out + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


class PlanCatcher:
    """EXPLAIN ANALYZE of every statement (nested ones too) a block runs, via auto_explain as client notices.

    The connection must be a superuser's (auto_explain's settings are superuser-only); a request can still
    switch to `authenticated` inside the block (`set local role`), as PostgREST does.
    """

    NOISE = ("Query Text: set local ", "Query Text: select set_config(")  # the request's own set-up

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn
        self.plans: list[str] = []
        conn.add_notice_handler(self._notice)
        self._on = False

    def _notice(self, diag: psycopg.errors.Diagnostic) -> None:
        text = diag.message_primary or ""
        if self._on and "plan:" in text and not any(noise in text for noise in self.NOISE):
            self.plans.append(text.split("plan:", 1)[1].strip("\n"))

    @contextmanager
    def catch(self) -> Iterator[list[str]]:
        self.plans = []
        for setting, value in (("log_min_duration", "0"), ("log_analyze", "on"), ("log_buffers", "on"),
                               ("log_nested_statements", "on"), ("log_level", "notice"),
                               ("log_timing", "on")):
            self.conn.execute(f"set auto_explain.{setting} = {value}")
        self._on = True
        try:
            yield self.plans
        finally:
            self._on = False
            self.conn.execute("set auto_explain.log_min_duration = -1")


def distinct_plans(plans: list[str], *, limit: int = 12) -> str:
    """The plans of distinct statements (a sweep runs its triggers' statements once per row), at most `limit`."""
    seen: dict[str, str] = {}
    for plan in plans:
        query = plan.split("\n", 1)[0]
        seen.setdefault(query, plan)
    kept = list(seen.values())
    more = f"\n\n({len(kept) - limit} more distinct statements left out)" if len(kept) > limit else ""
    return "\n\n".join(kept[:limit]) + more


def seq_scans(plans: list[str], table: str) -> bool:
    return any(f"Seq Scan on {table}" in p for p in plans)
