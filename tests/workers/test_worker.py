"""`mini-mentorship worker run`: outcomes of handlers, --once, LISTEN wake-up, heartbeats and SIGTERM."""

from __future__ import annotations

import io
import json
import logging
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mini_mentorship.cli import app
from mini_mentorship.outbox import logs
from mini_mentorship.outbox.queue import Job
from mini_mentorship.outbox.registry import ConnectionFactory, Delivered, Outcome, PermanentError, Registry
from mini_mentorship.outbox.worker import Worker
from mini_mentorship.settings import WorkerSettings
from mini_mentorship.testing.database import Database
from tests.workers.outbox_support import console_email, enqueue, job, skip_stale, statuses, worker_command, worker_env

MakeUser = Callable[..., uuid.UUID]
FAST = {"poll_interval": 0.2, "lease_seconds": 30, "job_timeout": 5.0, "shutdown_grace": 5.0}


def quick_settings(**overrides: Any) -> WorkerSettings:
    return WorkerSettings(**{**FAST, **overrides})


def own_logger() -> tuple[logging.Logger, io.StringIO]:
    """A logger of this test's own (never the CLI's, which another test may have pointed at a closed stream)."""
    out = io.StringIO()
    logger = logging.getLogger(f"test.worker.{uuid.uuid4().hex}")
    handler = logging.StreamHandler(out)
    handler.setFormatter(logs.TextFormatter())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger, out


def drain(db: Database, registry: Registry, **overrides: Any) -> tuple[Worker, str]:
    """Run a worker with --once semantics in this thread; the worker and its log text."""
    logger, out = own_logger()
    worker = Worker(db.url, registry, quick_settings(**overrides), once=True, logger=logger)
    assert worker.run() == 0
    return worker, out.getvalue()


@contextmanager
def background(db: Database, registry: Registry, **overrides: Any) -> Iterator[Worker]:
    """A long-running worker in a thread, stopped (gracefully) at the end of the block."""
    worker = Worker(db.url, registry, quick_settings(**overrides), logger=own_logger()[0])
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        yield worker
    finally:
        worker.stop("test over")
        thread.join(timeout=10)
        assert not thread.is_alive(), "the worker stops when asked"


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> float:
    """Seconds until condition() held; fails after timeout."""
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < timeout, "condition not reached in time"
        time.sleep(0.01)
    return time.monotonic() - start


def test_once_drains_due_jobs_rescues_dead_leases_and_exits(db: Database, make_user: MakeUser) -> None:
    someone = {"recipient_id": str(make_user())}  # the console handler sends only to someone who exists
    ids = enqueue(db, 5, payload=someone)
    later = enqueue(db, 1, run_at="2999-01-01", payload=someone)
    [dead] = enqueue(db, 1, payload=someone)
    db.query("update private.outbox set status = 'running', attempts = 1, locked_by = 'ghost', "
             "locked_until = now() - interval '1 second' where id = %s", (dead,))
    printed = io.StringIO()
    worker, log = drain(db, Registry({"email": console_email(printed)}), batch_size=2, concurrency=3)
    for job_id in [*ids, dead]:
        row = job(db, job_id)
        assert (row["status"], row["provider_message_id"]) == ("succeeded", f"console-{job_id}")
    assert job(db, dead)["attempts"] == 2, "the dead worker's job was rescued as a second attempt"
    assert job(db, later[0])["status"] == "pending", "--once leaves jobs that are not due yet"
    assert worker.tally.succeeded == 6
    assert printed.getvalue().count("Subject: Your Mini Mentorship Request Has Been Posted") == 6
    assert f"email request_created job={ids[0]} attempt=1/5 succeeded in" in log, "one readable line per job"


def test_once_also_drains_what_its_jobs_queue(db: Database) -> None:
    """A job whose handler queues the next one (as a meeting link queues its session_scheduled emails): --once
    runs the whole chain, however the next claim and the job's completion interleave, and exits when it ends."""
    chain = 25
    done: list[int] = []

    def next_link(job: Job, connect: ConnectionFactory) -> Outcome:
        step = int(job.payload["step"])
        if step + 1 < chain:
            with connect() as conn:
                conn.execute(
                    "select private.enqueue('email', 'request_created', %s, %s)",
                    (json.dumps({"step": step + 1}), f"chain:{step + 1}"),
                )
        done.append(step)
        return Delivered(f"step-{step}")

    db.scalar("select private.enqueue('email', 'request_created', %s, 'chain:0')", (json.dumps({"step": 0}),))
    drain(db, Registry({"email": next_link}), poll_interval=5.0)
    assert sorted(done) == list(range(chain)), "every job the chain queued ran in the same --once run"
    assert statuses(db) == {"succeeded": chain}


def test_a_handler_that_skips_cancels_the_job_with_its_reason(db: Database) -> None:
    [stale] = enqueue(db, payload={"stale": True})
    [fresh] = enqueue(db)
    _, log = drain(db, Registry({"email": skip_stale}))
    row = job(db, stale)
    assert (row["status"], row["last_error"], row["provider_message_id"]) == (
        "cancelled", "the session was cancelled", None), "a stale job is cancelled, never delivered"
    assert job(db, fresh)["status"] == "succeeded"
    assert f"job={stale} attempt=1/5 cancelled in" in log and "the session was cancelled" in log


def test_raising_hanging_and_unhandled_jobs_are_failed_attempts(db: Database) -> None:
    def boom(job: Job, connect: ConnectionFactory) -> Outcome:
        raise ValueError("provider answered 500")

    def hang(job: Job, connect: ConnectionFactory) -> Outcome:
        time.sleep(5)
        return Delivered("too late")

    def refuse(job: Job, connect: ConnectionFactory) -> Outcome:
        raise PermanentError("address rejected")

    [raising] = enqueue(db, template="request_created")
    [hanging] = enqueue(db, template="request_claimed")
    [permanent] = enqueue(db, template="session_scheduled")
    [unhandled] = enqueue(db, kind="meeting_link", payload={"provider": "zoom"})

    def by_template(job: Job, connect: ConnectionFactory) -> Outcome:
        return {"request_created": boom, "request_claimed": hang, "session_scheduled": refuse}[
            str(job.template)](job, connect)

    started = time.monotonic()
    worker, log = drain(db, Registry({"email": by_template}), job_timeout=0.5)
    assert time.monotonic() - started < 4, "the hanging handler was cut off by the job timeout"
    row = job(db, raising)
    assert (row["status"], row["attempts"], row["last_error"]) == ("pending", 1, "ValueError: provider answered 500")
    assert db.scalar("select run_at > now() + interval '9 seconds' from private.outbox where id = %s", (raising,))
    row = job(db, hanging)
    assert (row["status"], row["last_error"]) == ("pending", "TimeoutError: handler timed out after 0.5 s")
    row = job(db, permanent)
    assert (row["status"], row["attempts"], row["last_error"]) == ("failed", 1, "PermanentError: address rejected")
    row = job(db, unhandled)
    assert row["status"] == "pending" and row["attempts"] == 1, "a kind without handler is kept, not dropped"
    assert row["last_error"] == "RuntimeError: no handler registered for job kind 'meeting_link' (registered: email)"
    assert f"meeting_link zoom job={unhandled} attempt=1/5 retried in" in log
    assert worker.tally.retried == 3 and worker.tally.failed == 1


def test_heartbeats_keep_a_long_job_from_being_taken_over(db: Database) -> None:
    [job_id] = enqueue(db, payload={"sleep": 2.6})
    from tests.workers.outbox_support import sleepy

    with background(db, Registry({"email": sleepy}), lease_seconds=2):
        wait_for(lambda: job(db, job_id)["status"] == "running")
        first = job(db, job_id)["locked_until"]
        time.sleep(2.1)  # past the first lease: only heartbeats keep it
        assert db.query("select * from private.claim_jobs('intruder', 10, 30)") == []
        assert job(db, job_id)["locked_until"] > first, "the heartbeat extended the lease"
        wait_for(lambda: job(db, job_id)["status"] == "succeeded")
    assert job(db, job_id)["attempts"] == 1


def test_listen_wakes_the_worker_long_before_the_poll_interval(db: Database, make_user: MakeUser) -> None:
    someone = {"recipient_id": str(make_user())}
    with background(db, Registry({"email": console_email()}), poll_interval=30) as worker:
        wait_for(lambda: worker.listening)
        time.sleep(0.2)  # the worker is now waiting on its (30 s) poll
        [job_id] = enqueue(db, payload=someone)
        took = wait_for(lambda: job(db, job_id)["status"] == "succeeded", timeout=5)
    assert took < 2, f"a NOTIFY should wake the worker at once, took {took:.2f} s with a 30 s poll"


def test_worker_run_once_from_the_cli_with_json_logs(db: Database, tmp_path: Path) -> None:
    ids = enqueue(db, 3)
    result = CliRunner().invoke(app, [
        "worker", "run", "--once", "--json", "--db-url", db.url, "--poll-interval", "0.2",
        "--registry", "tests.workers.outbox_support:sleepy_registry",
    ])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    jobs = [line for line in lines if line.get("event") == "job"]
    assert {line["job_id"] for line in jobs} == {str(i) for i in ids}
    assert all(line["outcome"] == "succeeded" and line["kind"] == "email" and "duration_ms" in line for line in jobs)
    started = next(line for line in lines if line.get("event") == "started")
    assert started["mode"] == "direct" and started["listen"] is True
    assert statuses(db) == {"succeeded": 3}


def test_worker_run_refuses_bad_settings_in_one_line(db: Database) -> None:
    result = CliRunner().invoke(app, ["worker", "run", "--once", "--db-url", db.url, "--concurrency", "0"])
    assert result.exit_code == 1
    assert "bad worker setting: concurrency: Input should be greater than or equal to 1" in result.output
    result = CliRunner().invoke(app, ["worker", "run", "--once", "--db-url", db.url, "--registry", "nope"])
    assert result.exit_code == 1 and "must be written module:function" in result.output


def test_sigterm_mid_batch_finishes_or_releases_every_job_and_exits_0(db: Database, tmp_path: Path) -> None:
    quick = enqueue(db, 4, payload={"sleep": 0.3})
    slow = enqueue(db, 4, payload={"sleep": 30})
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            worker_command("--db-url", db.url, "--concurrency", "8", "--shutdown-grace", "1.5",
                           "--registry", "tests.workers.outbox_support:sleepy_registry"),
            env=worker_env(), cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT,
        )
        try:
            wait_for(lambda: statuses(db).get("running", 0) == 8, timeout=20)
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=15) == 0, log.read_text()
        finally:
            if proc.poll() is None:
                proc.kill()
    for job_id in quick:
        assert job(db, job_id)["status"] == "succeeded", "running jobs may finish within the grace period"
    for job_id in slow:
        row = job(db, job_id)
        assert (row["status"], row["attempts"], row["locked_by"]) == ("pending", 0, None), (
            "a job that could not finish is released, its attempt not counted")
    text = log.read_text()
    assert "stopping (SIGTERM)" in text and text.count(" released in ") == 4, text


def test_worker_run_help_explains_the_options() -> None:
    result = CliRunner().invoke(app, ["worker", "run", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for option in ("--once", "--concurrency", "--batch-size", "--poll-interval", "--lease-seconds", "--job-timeout",
                   "--shutdown-grace", "--pool-mode", "--listen", "--registry", "--json", "--db-url"):
        assert option in result.output, f"--help documents {option}"
    assert "MM_WORKER_CONCURRENCY, default 4" in result.output


def test_the_registry_maps_kinds_to_handlers_and_refuses_silent_replacement() -> None:
    registry = Registry().register("email", console_email())
    assert list(registry) == ["email"] and "meeting_link" not in registry
    with pytest.raises(ValueError, match="already registered"):
        registry.register("email", console_email())


def test_a_handler_that_returns_after_its_timeout_changes_nothing(db: Database) -> None:
    returned = threading.Event()

    def slow(job: Job, connect: ConnectionFactory) -> Outcome:
        time.sleep(0.8)
        returned.set()
        return Delivered("too-late")

    [slow_job] = enqueue(db)
    fast_jobs = enqueue(db, 20, template="request_claimed")

    def by_template(job: Job, connect: ConnectionFactory) -> Outcome:
        return slow(job, connect) if job.id == slow_job else Delivered(f"ok-{job.id}")

    _, log = drain(db, Registry({"email": by_template}), job_timeout=0.3, concurrency=4, batch_size=4)
    assert returned.wait(5), "the abandoned handler ran to its end"
    time.sleep(0.3)  # its thread had time to try recording what it returned
    row = job(db, slow_job)
    assert (row["status"], row["attempts"], row["last_error"], row["provider_message_id"]) == (
        "pending", 1, "TimeoutError: handler timed out after 0.3 s", None), "the late delivery was ignored"
    assert all(job(db, j)["status"] == "succeeded" for j in fast_jobs), "the other jobs ran meanwhile"
    assert log.count("timed out") == 1
