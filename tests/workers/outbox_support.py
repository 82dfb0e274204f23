"""Helpers for the outbox tests: queueing jobs, reading them back, handlers and registries for workers.

Registries named here (`module:function`) are what subprocess workers load with `--registry`; they read their
knobs from environment variables the test sets for that process (no global state in the worker itself).
"""

from __future__ import annotations

import io
import json
import logging
import os
import sys
import time
import uuid
from http.client import HTTPConnection
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mini_mentorship.email.backends.console import ConsoleSender
from mini_mentorship.email.handler import EmailHandler
from mini_mentorship.email.settings import EmailSettings
from mini_mentorship.outbox import logs
from mini_mentorship.outbox.queue import Job
from mini_mentorship.outbox.registry import ConnectionFactory, Delivered, Outcome, Registry, Skip
from mini_mentorship.outbox.worker import Worker
from mini_mentorship.settings import WorkerSettings
from mini_mentorship.testing.database import Database

PROJECT_DIR = Path(__file__).resolve().parents[2]


def enqueue(db: Database, n: int = 1, *, kind: str = "email", template: str | None = "request_created",
            payload: dict[str, Any] | None = None, prefix: str | None = None,
            run_at: str | None = None) -> list[uuid.UUID]:
    """Queue n jobs with private.enqueue (distinct dedupe keys); their ids in order."""
    prefix = prefix or uuid.uuid4().hex[:8]
    ids = []
    for i in range(n):
        job_id = db.scalar(
            "select private.enqueue(%s, %s, %s, %s, %s::timestamptz)",
            (kind, template if kind == "email" else None, json.dumps({"n": i, **(payload or {})}),
             f"test:{prefix}:{i}", run_at),
        )
        ids.append(job_id)
    return ids


def job(db: Database, job_id: uuid.UUID) -> dict[str, Any]:
    rows = db.query("select * from private.outbox where id = %s", (job_id,))
    assert rows, f"job {job_id} must exist"
    return rows[0]


def statuses(db: Database) -> dict[str, int]:
    rows = db.query("select status, count(*) as n from private.outbox group by status")
    return {r["status"]: r["n"] for r in rows}


def console_email(stream: io.StringIO | None = None) -> EmailHandler:
    """The real email handler with the console sender: prints each rendered email to `stream`."""
    return EmailHandler(ConsoleSender(stream or io.StringIO()),
                        EmailSettings(backend="console", app_base_url="https://app.example.test"))


def worker_env(**extra: str) -> dict[str, str]:
    """Environment of a subprocess worker: this worktree's package and tests importable, no stray MM_*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MM_") and k != "DATABASE_URL"}
    env["PYTHONPATH"] = f"{PROJECT_DIR / 'workers'}{os.pathsep}{PROJECT_DIR}"
    env.update(extra)
    return env


def worker_command(*args: str) -> list[str]:
    """`mini-mentorship worker run ARGS` as a subprocess command line (this interpreter, this worktree)."""
    return [sys.executable, "-c", "from mini_mentorship.cli import app; app()", "worker", "run", *args]


def run_once(db: Database, registry: Registry, **overrides: Any) -> tuple[Worker, str]:
    """A real worker with --once semantics, run in this thread on a logger of its own; the worker and its log."""
    out = io.StringIO()
    logger = logging.getLogger(f"test.worker.{uuid.uuid4().hex}")
    handler = logging.StreamHandler(out)
    handler.setFormatter(logs.TextFormatter())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    settings = WorkerSettings(**{"poll_interval": 0.2, "lease_seconds": 30, "job_timeout": 10.0, **overrides})
    worker = Worker(db.url, registry, settings, once=True, logger=logger)
    assert worker.run() == 0
    return worker, out.getvalue()


# --- handlers --------------------------------------------------------------------------------------------


def sleepy(job: Job, connect: ConnectionFactory) -> Outcome:
    """Sleeps payload["sleep"] seconds (default 0), then delivers."""
    time.sleep(float(job.payload.get("sleep", 0)))
    return Delivered(f"sleepy-{job.id}")


def sleepy_registry(settings: WorkerSettings) -> Registry:
    return Registry({"email": sleepy})


class HttpSender:
    """Posts each job to a recording HTTP server with the job id as Idempotency-Key (as Resend is called)."""

    def __init__(self, url: str, delay: float) -> None:
        self.url = url
        self.delay = delay

    def __call__(self, job: Job, connect: ConnectionFactory) -> Outcome:
        time.sleep(self.delay)
        parts = urlsplit(self.url)
        http = HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=5)
        try:
            http.request("POST", parts.path, body=json.dumps({"job_id": str(job.id)}),
                         headers={"Content-Type": "application/json", "Idempotency-Key": str(job.id)})
            answer = http.getresponse()
            if answer.status != 200:
                raise RuntimeError(f"sender answered {answer.status}")
            return Delivered(json.loads(answer.read())["id"])
        finally:
            http.close()


def http_registry(settings: WorkerSettings) -> Registry:
    url = os.environ["MM_TEST_SENDER_URL"]
    assert url.startswith("http://127.0.0.1:"), "the recording sender must be local"
    return Registry({"email": HttpSender(url, float(os.environ.get("MM_TEST_SENDER_DELAY", "0")))})


def skip_stale(job: Job, connect: ConnectionFactory) -> Outcome:
    """Reads the current state like a real handler would: a payload naming a stale subject is skipped."""
    with connect() as conn:
        conn.execute("select 1")
    if job.payload.get("stale"):
        return Skip("the session was cancelled")
    return Delivered(f"fresh-{job.id}")
