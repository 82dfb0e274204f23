"""`python -m benchmarks [--quick] [--out DIR]` (what scripts/bench runs): every measure of issue 15."""

from __future__ import annotations

import argparse
import shlex
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import claims, outbox, pacing, reads, report, sweeps
from .datagen import Shape, generate
from .harness import PROJECT_DIR, Measure, bench_server, console, git_revision, machine_facts


@dataclass(frozen=True)
class Size:
    big: Shape
    small: Shape
    n: int  # timed rounds per side
    warmup: int
    racers: int
    rounds: int
    outbox: outbox.OutboxPlan
    emails: int


def shape(rows: int, students: int) -> Shape:
    return Shape(rows=rows, students=students, mentors=200, fresh_mentors=51, departed_mentors=10, due=100)


FULL = Size(
    big=shape(1_000_000, 10_000), small=shape(10_000, 10_000), n=100, warmup=10, racers=50, rounds=100,
    outbox=outbox.OutboxPlan(jobs=20_000, grid=[(32, 32), (64, 64), (128, 64)], bare=[(4, 50), (8, 50)],
                             procrastinate=[40, 100], latency_samples=20, poll_interval=1.0, bouncer_jobs=10_000),
    emails=200,
)
QUICK = Size(
    big=shape(10_000, 1_000), small=shape(2_000, 1_000), n=20, warmup=3, racers=10, rounds=5,
    outbox=outbox.OutboxPlan(jobs=2_000, grid=[(16, 16)], bare=[(4, 50)], procrastinate=[10], latency_samples=4,
                             poll_interval=0.3, bouncer_jobs=500),
    emails=8,
)


STAGES: dict[str, float] = {}


@contextmanager
def stage(name: str) -> Iterator[None]:
    """A section of the run, timed (results.json `stages`)."""
    console.rule(name)
    started = time.monotonic()
    yield
    STAGES[name] = round(time.monotonic() - started, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smoke size (about a minute), for the test suite")
    parser.add_argument("--out", type=Path, default=None,
                        help="where results.md/json go (default benchmarks/, or a temp dir with --quick)")
    args = parser.parse_args(argv)
    size = QUICK if args.quick else FULL
    default_out = Path(tempfile.mkdtemp(prefix="mm-bench-out-")) if args.quick else PROJECT_DIR / "benchmarks"
    out: Path = args.out or default_out
    command = " ".join(["scripts/bench", *(["--quick"] if args.quick else []),
                        *(["--out", shlex.quote(str(args.out))] if args.out else [])])
    started = time.monotonic()
    started_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    workdir = Path(tempfile.mkdtemp(prefix="mm-bench-"))
    measures: list[Measure] = []
    plans: dict[str, str] = {}
    try:
        with bench_server(workdir / "data") as bs:
            facts = machine_facts(bs.url)
            with stage(f"data: {size.big.rows:,} and {size.small.rows:,} requests"):
                big = bs.database("bench_big")
                generate(big, size.big, f"{size.big.rows:,}")
                small = bs.database("bench_small")
                generate(small, size.small, f"{size.small.rows:,}")
            with stage("1. reads under RLS"):
                found, caught = reads.measure(big, n=size.n, warmup=size.warmup)
                measures += found
                plans.update(caught)
            with stage("2. claim"):
                measures.append(claims.uncontended(big, n=size.n, warmup=size.warmup))
                measures.append(claims.contention(big, racers=size.racers, rounds=size.rounds))
            with stage("4. sweeps"):
                found, caught = sweeps.measure(small, big, small_rows=size.small.rows, big_rows=size.big.rows,
                                               due=size.big.due, n=max(5, size.n // 4), warmup=2)
                measures += found
                plans.update(caught)
            with stage("3. outbox"):
                jobs = bs.database("bench_outbox")
                measures += outbox.measure(jobs, bs.database("bench_procrastinate", migrated=False), size.outbox)
            with stage("5. pacing"):
                measures.append(pacing.measure(jobs, emails=size.emails, rate=2.0))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    measures.sort(key=lambda m: m.item)
    results: dict[str, Any] = {
        "command": command, "quick": args.quick, "started_at": started_at, "revision": git_revision(),
        "seconds": round(time.monotonic() - started, 1), "stages": dict(STAGES), "machine": facts,
        "data": f"{size.big.rows:,} requests ({size.big.students:,} students, {size.big.mentors} pool mentors; "
                f"1 % open) and {size.small.rows:,} for the sweeps' small side; {size.big.due} due rows of each "
                f"sweep at both sizes; {size.outbox.jobs:,} outbox jobs",
    }
    report.write(out, results, measures, plans)
    for m in measures:
        console.print(f"{m.item} {m.key:<26} ratio {m.ratio!s:<8} {m.goal_text:<60} "
                      f"{ {True: 'pass', False: 'MISS', None: '-'}[m.passed]}")
    console.print(f"results: {out / 'results.md'} ({results['seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
