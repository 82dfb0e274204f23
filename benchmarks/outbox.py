"""Item 3: outbox throughput (our worker, a bare SQL loop, procrastinate), wake-up latency, PgBouncer.

Every contender drains the same number of no-op jobs on the same server, one after the other in this run:
* our worker: `mini_mentorship.outbox.worker.Worker` (what `mini-mentorship worker run --once` runs) with a
  registry whose email handler does nothing, over a small grid of concurrency / batch settings;
* a bare SQL loop: asyncio workers, each claiming a batch (`for update skip locked`) and completing every
  job with its own UPDATE (as a worker recording each provider id must), plus batch completion for reference;
* procrastinate 3.x (optional extra `bench`) in its own database on the same server, an async no-op task,
  over a few concurrency settings.
Latency: one job at a time, enqueue -> handler start, with LISTEN and with polling alone. PgBouncer: our
worker through pool_mode = transaction (skipped with a note when pgbouncer is not installed).
"""

from __future__ import annotations

import asyncio
import io
import logging
import random
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

import psycopg

from mini_mentorship.outbox import logs
from mini_mentorship.outbox.queue import Job
from mini_mentorship.outbox.registry import ConnectionFactory, Delivered, Outcome, Registry
from mini_mentorship.outbox.worker import Worker
from mini_mentorship.settings import WorkerSettings
from mini_mentorship.testing.pgbouncer import pgbouncer_binary, transaction_pooler

from .harness import Measure, Stats, console

FILL_SQL = """
insert into private.outbox (kind, template, payload, dedupe_key)
select 'email', 'request_created', jsonb_build_object('n', g), %(prefix)s || g
from generate_series(1, %(n)s::integer) as g
"""


def fill(url: str, n: int) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("truncate private.outbox")
        conn.execute(FILL_SQL, {"prefix": f"bench:{uuid.uuid4().hex[:8]}:", "n": n})
        conn.execute("vacuum (analyze) private.outbox")


def succeeded(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("select count(*) filter (where status = 'succeeded'), count(*) from private.outbox"
                           ).fetchone()
    assert row is not None
    return int(row[0]) if row[0] == row[1] else -int(row[1] - row[0])


def noop(job: Job, connect: ConnectionFactory) -> Outcome:
    return Delivered(f"noop-{job.id}")


def quiet_logger() -> logging.Logger:
    """A logger that formats every job line as the CLI does, into a buffer nobody reads."""
    logger = logging.getLogger(f"bench.worker.{uuid.uuid4().hex}")
    handler = logging.StreamHandler(io.StringIO())
    handler.setFormatter(logs.TextFormatter())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger


def run_our_worker(url: str, n: int, concurrency: int, batch: int, *, pool_mode: str = "auto") -> float:
    """Jobs per second of one `worker run --once` draining n jobs."""
    fill(url, n)
    settings = WorkerSettings(concurrency=concurrency, batch_size=batch, poll_interval=0.2, lease_seconds=300,
                              job_timeout=60.0, pool_mode=pool_mode)
    worker = Worker(url, Registry({"email": noop}), settings, once=True, logger=quiet_logger())
    start = time.perf_counter()
    worker.run()
    seconds = time.perf_counter() - start
    done = succeeded(url)
    assert done == n, f"our worker left jobs behind ({done} of {n} succeeded)"
    return n / seconds


# --- the bare SQL loop -------------------------------------------------------------------------------------

BARE_CLAIM = """
update private.outbox as o
set status = 'running', attempts = o.attempts + 1, locked_by = %(w)s, locked_until = now() + interval '5 min'
where o.id in (
    select x.id from private.outbox as x
    where x.status = 'pending' and x.run_at <= now()
    order by x.run_at, x.id
    limit %(batch)s
    for update skip locked
)
returning o.id
"""
BARE_COMPLETE_ONE = (
    "update private.outbox set status = 'succeeded', provider_message_id = %(p)s, locked_by = null, "
    "locked_until = null where id = %(id)s and status = 'running' and locked_by = %(w)s"
)
BARE_COMPLETE_ALL = (
    "update private.outbox set status = 'succeeded', provider_message_id = 'noop-' || id, locked_by = null, "
    "locked_until = null where id = any(%(ids)s) and status = 'running' and locked_by = %(w)s"
)


async def _bare_worker(url: str, batch: int, per_job: bool) -> None:
    w = f"bare-{uuid.uuid4().hex[:8]}"
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        while True:
            cur = await conn.execute(BARE_CLAIM, {"w": w, "batch": batch})
            ids = [r[0] for r in await cur.fetchall()]
            if not ids:
                return
            if per_job:
                for job_id in ids:
                    await conn.execute(BARE_COMPLETE_ONE, {"p": f"noop-{job_id}", "id": job_id, "w": w})
            else:
                await conn.execute(BARE_COMPLETE_ALL, {"ids": ids, "w": w})


def run_bare(url: str, n: int, workers: int, batch: int, *, per_job: bool) -> float:
    fill(url, n)

    async def main() -> None:
        await asyncio.gather(*(_bare_worker(url, batch, per_job) for _ in range(workers)))

    start = time.perf_counter()
    asyncio.run(main())
    seconds = time.perf_counter() - start
    assert succeeded(url) == n, "the bare loop left jobs behind"
    return n / seconds


# --- procrastinate -----------------------------------------------------------------------------------------


def run_procrastinate(url: str, n: int, concurrency: int) -> float | None:
    """Jobs per second of procrastinate draining n no-op jobs; None when it is not installed."""
    try:
        import procrastinate
    except ImportError:
        return None

    async def main() -> float:
        app = procrastinate.App(connector=procrastinate.PsycopgConnector(
            conninfo=url, min_size=1, max_size=concurrency + 4))

        @app.task(name="noop", queue="bench")
        async def noop_task(**kwargs: Any) -> None:
            return None

        async with app.open_async():
            async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
                await conn.execute("truncate procrastinate_jobs cascade")
            for lo in range(0, n, 2000):
                batch: list[dict[str, Any]] = [{"n": i} for i in range(lo, min(n, lo + 2000))]
                await noop_task.batch_defer_async(*batch)
            start = time.perf_counter()
            await app.run_worker_async(queues=["bench"], concurrency=concurrency, wait=False,
                                       install_signal_handlers=False, listen_notify=False,
                                       fetch_job_polling_interval=0.1)
            seconds = time.perf_counter() - start
            async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
                cur = await conn.execute("select count(*) from procrastinate_jobs where status = 'succeeded'")
                row = await cur.fetchone()
            assert row is not None and row[0] == n, f"procrastinate left jobs behind ({row})"
            return n / seconds

    logging.getLogger("procrastinate").setLevel(logging.WARNING)
    return asyncio.run(main())


def prepare_procrastinate(url: str) -> bool:
    try:
        import procrastinate
    except ImportError:
        return False

    async def main() -> None:
        app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=url))
        async with app.open_async():
            await app.schema_manager.apply_schema_async()

    asyncio.run(main())
    return True


# --- latency -----------------------------------------------------------------------------------------------


@dataclass
class LatencyProbe:
    """A handler that records how long each job waited between its enqueue (payload t) and its start."""

    seen: list[float]
    arrived: threading.Event

    def __call__(self, job: Job, connect: ConnectionFactory) -> Outcome:
        self.seen.append(time.time() - float(job.payload["t"]))
        self.arrived.set()
        return Delivered("latency")


def latency(url: str, samples: int, *, listen: bool, poll: float) -> Stats:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("truncate private.outbox")
    probe = LatencyProbe([], threading.Event())
    settings = WorkerSettings(concurrency=4, batch_size=10, poll_interval=poll, listen=listen)
    worker = Worker(url, Registry({"email": probe}), settings, logger=quiet_logger())
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    rng = random.Random(15)  # noqa: S311 (spacing of test jobs, not secrets)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            time.sleep(0.5)  # the worker is listening
            for i in range(samples):
                probe.arrived.clear()
                time.sleep(rng.uniform(0.05, poll))  # enqueue at a random point of the poll cycle
                conn.execute("select private.enqueue('email', 'request_created', %s::jsonb, %s)",
                             (f'{{"t": {time.time()!r}}}', f"latency:{uuid.uuid4().hex}:{i}"))
                assert probe.arrived.wait(poll * 3 + 5), "the worker never started the job"
    finally:
        worker.stop()
        worker.stop()
        thread.join(timeout=15)
    return Stats.of(probe.seen)


# --- the whole item ----------------------------------------------------------------------------------------


@dataclass
class OutboxPlan:
    jobs: int
    grid: list[tuple[int, int]]  # our worker: (concurrency, batch)
    bare: list[tuple[int, int]]  # bare loop: (workers, batch)
    procrastinate: list[int]  # concurrency
    latency_samples: int
    poll_interval: float
    bouncer_jobs: int


def measure(url: str, procrastinate_url: str, plan: OutboxPlan) -> list[Measure]:
    ours: dict[str, float] = {}
    for concurrency, batch in plan.grid:
        rate = run_our_worker(url, plan.jobs, concurrency, batch)
        ours[f"concurrency {concurrency}, batch {batch}"] = round(rate)
        console.log(f"outbox: our worker concurrency={concurrency} batch={batch}: {rate:.0f} jobs/s")
    bare_per_job: dict[str, float] = {}
    bare_batch: dict[str, float] = {}
    for workers, batch in plan.bare:
        key = f"{workers} workers, batch {batch}"
        bare_per_job[key] = round(run_bare(url, plan.jobs, workers, batch, per_job=True))
        bare_batch[key] = round(run_bare(url, plan.jobs, workers, batch, per_job=False))
        console.log(f"outbox: bare loop {key}: per-job completion {bare_per_job[key]} jobs/s, "
                    f"batch completion {bare_batch[key]} jobs/s")
    pro: dict[str, float] = {}
    have_procrastinate = prepare_procrastinate(procrastinate_url)
    if have_procrastinate:
        for concurrency in plan.procrastinate:
            pro_rate = run_procrastinate(procrastinate_url, plan.jobs, concurrency)
            assert pro_rate is not None
            pro[f"concurrency {concurrency}"] = round(pro_rate)
            console.log(f"outbox: procrastinate concurrency={concurrency}: {pro_rate:.0f} jobs/s")
    best_ours_key = max(ours, key=lambda k: ours[k])
    best_ours = ours[best_ours_key]
    best_bare = max(bare_per_job.values())
    measures = [
        Measure("outbox_vs_bare_loop", 3, f"our worker vs a bare SQL loop (per-job completion), {plan.jobs} jobs",
                round(best_ours / best_bare, 3), None, "our jobs/s >= 0.5 x the bare loop's",
                best_ours / best_bare >= 0.5,
                sides={"ours_jobs_per_s": ours, "best": best_ours_key, "bare_per_job_jobs_per_s": bare_per_job,
                       "bare_batch_completion_jobs_per_s": bare_batch}),
    ]
    if pro:
        best_pro = max(pro.values())
        measures.append(Measure(
            "outbox_vs_procrastinate", 3, f"our worker vs procrastinate 3.x, {plan.jobs} no-op jobs",
            round(best_ours / best_pro, 3), None, "our jobs/s >= 5 x procrastinate's best", best_ours / best_pro >= 5,
            sides={"ours_best_jobs_per_s": best_ours, "procrastinate_jobs_per_s": pro}))
    else:
        measures.append(Measure("outbox_vs_procrastinate", 3, "our worker vs procrastinate 3.x", None, None,
                                "our jobs/s >= 5 x procrastinate's best", None,
                                notes=["procrastinate is not installed (pip install -e '.[bench]')"]))
    listen = latency(url, plan.latency_samples, listen=True, poll=plan.poll_interval)
    poll = latency(url, plan.latency_samples, listen=False, poll=plan.poll_interval)
    measures.append(Measure(
        "outbox_latency", 3, f"enqueue -> start, LISTEN vs polling every {plan.poll_interval:g} s",
        round(listen.p50 / poll.p50, 4) if poll.p50 else None, None,
        "reported (LISTEN p50 / poll-only p50)", None,
        sides={"listen_ms": listen.__dict__, "poll_only_ms": poll.__dict__}))
    measures.append(bouncer(url, plan, best_ours_key, best_ours))
    return measures


def bouncer(url: str, plan: OutboxPlan, best_key: str, best: float) -> Measure:
    title = "our worker through PgBouncer (pool_mode = transaction) vs direct"
    if pgbouncer_binary() is None:
        return Measure("outbox_pgbouncer", 3, title, None, None, "reported", None,
                       notes=["pgbouncer is not installed: skipped (Debian package pgbouncer)"])
    concurrency, batch = (int(part.split()[-1]) for part in best_key.split(", "))
    with transaction_pooler(url) as pooled:
        direct = run_our_worker(url, plan.bouncer_jobs, concurrency, batch)
        rate = run_our_worker(pooled, plan.bouncer_jobs, concurrency, batch, pool_mode="transaction")
    console.log(f"outbox: through pgbouncer {rate:.0f} jobs/s (direct {direct:.0f})")
    return Measure("outbox_pgbouncer", 3, title, round(rate / direct, 3), None, "reported", None,
                   sides={"pgbouncer_jobs_per_s": round(rate), "direct_jobs_per_s": round(direct),
                          "settings": best_key, "jobs": plan.bouncer_jobs})
