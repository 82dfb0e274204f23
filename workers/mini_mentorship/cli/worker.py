"""`mini-mentorship worker run`: drain the outbox."""

from __future__ import annotations

from typing import Annotated, Any

import psycopg
import typer
from pydantic import ValidationError

from ..outbox import logs
from ..outbox.worker import Worker, WorkerError, load_registry
from ..settings import Settings, WorkerSettings
from .common import fail, target

worker_app = typer.Typer(
    help="Outbox workers: deliver what the database queued (emails, meeting links).",
    no_args_is_help=True,
)
@worker_app.command("run")
def run(
    db_url: Annotated[str | None, typer.Option(
        "--db-url", envvar=["MM_DATABASE_URL", "DATABASE_URL"], show_default=False,
        help="PostgreSQL URL with the database owner's rights (the outbox is owner-only). Direct (5432) or "
        "Supavisor session mode; transaction mode (6543) works by polling. Default: DATABASE_URL, else the "
        "running embedded server.",
    )] = None,
    once: Annotated[bool, typer.Option(
        "--once", help="Drain what is due now, then exit (for cron and CI). Jobs retried later are left.",
    )] = False,
    concurrency: Annotated[int | None, typer.Option(
        help="Jobs run at the same time. (env MM_WORKER_CONCURRENCY, default 4)", show_default=False,
    )] = None,
    batch_size: Annotated[int | None, typer.Option(
        help="Most jobs claimed per query. (env MM_WORKER_BATCH_SIZE, default 10)", show_default=False,
    )] = None,
    poll_interval: Annotated[float | None, typer.Option(
        help="Seconds between polls; LISTEN wakes the worker sooner. (env MM_WORKER_POLL_INTERVAL, default 5)",
        show_default=False,
    )] = None,
    lease_seconds: Annotated[int | None, typer.Option(
        help="Lease of a claimed job, renewed while it runs; a dead worker's jobs are taken over after it. "
        "(env MM_WORKER_LEASE_SECONDS, default 60)", show_default=False,
    )] = None,
    job_timeout: Annotated[float | None, typer.Option(
        help="Seconds a handler may run before the attempt counts as failed. (env MM_WORKER_JOB_TIMEOUT, "
        "default 30)", show_default=False,
    )] = None,
    shutdown_grace: Annotated[float | None, typer.Option(
        help="On SIGTERM/SIGINT, seconds running jobs may finish before they are released to pending. "
        "(env MM_WORKER_SHUTDOWN_GRACE, default 10)", show_default=False,
    )] = None,
    pool_mode: Annotated[str | None, typer.Option(
        help="auto | direct | session | transaction. transaction = Supavisor port 6543 or PgBouncer "
        "pool_mode=transaction: polling only, no prepared statements. auto picks transaction on port 6543. "
        "(env MM_WORKER_POOL_MODE, default auto)", show_default=False,
    )] = None,
    listen: Annotated[bool | None, typer.Option(
        "--listen/--no-listen", show_default=False,
        help="Insist on LISTEN/NOTIFY wake-ups (exit 1 if the connection cannot deliver them) or turn them "
        "off. Default: used whenever the connection allows. (env MM_WORKER_LISTEN)",
    )] = None,
    registry: Annotated[str | None, typer.Option(
        help="module:function returning the handler Registry. (env MM_WORKER_REGISTRY, default "
        "mini_mentorship.outbox.handlers:default_registry)", show_default=False,
    )] = None,
    json_logs: Annotated[bool, typer.Option("--json", help="Log one JSON object per line (for aggregators).")] = False,
) -> None:
    """Drain private.outbox: claim due jobs with a lease, run the handler of each job's kind, record the result.

    One log line per job (kind, template or provider, job id, attempt, outcome, duration) on stderr. A failed
    attempt is retried with exponential backoff until the job's max_attempts, then left `failed`. SIGTERM or
    SIGINT stops claiming, lets running jobs finish (--shutdown-grace) and releases the rest; exit status 0.
    Options override MM_WORKER_* environment variables, which override the defaults.
    """
    overrides: dict[str, Any] = {
        name: value for name, value in {
            "concurrency": concurrency, "batch_size": batch_size, "poll_interval": poll_interval,
            "lease_seconds": lease_seconds, "job_timeout": job_timeout, "shutdown_grace": shutdown_grace,
            "pool_mode": pool_mode, "listen": listen, "registry": registry,
        }.items() if value is not None
    }
    url = target(db_url, Settings(), start=False)  # never starts the embedded server
    raise typer.Exit(drain(url, overrides, once=once, json_logs=json_logs))


def drain(url: str, overrides: dict[str, Any], *, once: bool, json_logs: bool = False) -> int:
    """Run a worker on `url` (settings: MM_WORKER_* with `overrides` on top); its exit status. Every error an
    operator can fix (a bad setting, a registry that does not load, no database) is one line and exit 1."""
    try:
        settings = WorkerSettings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise fail(f"bad worker setting: {problems}") from None
    logger = logs.configure(json_lines=json_logs)
    try:
        worker = Worker(url, load_registry(settings.registry, settings), settings, once=once, logger=logger)
        return worker.run()
    except WorkerError as exc:
        raise fail(str(exc)) from None
    except psycopg.Error as exc:
        raise fail(f"database error: {' '.join(str(exc).split())}") from None
