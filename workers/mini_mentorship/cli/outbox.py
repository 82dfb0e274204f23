"""`mini-mentorship outbox ...`: the operator's view of the job queue (stats, list, show, retry, cancel, prune).

Thin commands over mini_mentorship.outbox.ops; a mistake an operator can fix (bad id, unknown status or kind,
bad duration, a job in the wrong state) is one line on stderr and exit status 1.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import psycopg
import typer
from rich.console import Console
from rich.table import Table

from .. import db as dbmod
from ..outbox import ops
from .common import AsJson, DbUrl, ProjectDir, fail, settings_for, target

A = TypeVar("A")
R = TypeVar("R")

outbox_app = typer.Typer(
    help="Look after the outbox (private.outbox): counts and health, list and show jobs, re-arm failed ones, "
    "cancel one, prune finished ones. Connects as the database owner.",
    no_args_is_help=True,
)

console = Console(soft_wrap=True)  # one event, one line: never wrapped at the terminal's width

JobId = Annotated[str, typer.Argument(help="The job's id (a UUID, as `outbox list` shows it).", show_default=False)]


@contextmanager
def _connection(db_url: str | None, project_dir: Path | None) -> Iterator[psycopg.Connection[Any]]:
    """The database connection, with every error an operator can act on turned into one line and exit 1."""
    try:
        with dbmod.connect(target(db_url, settings_for(project_dir))) as conn:
            yield conn
    except ops.OutboxError as exc:
        raise fail(str(exc)) from None
    except psycopg.Error as exc:
        raise fail(f"database error: {' '.join(str(exc).split())}") from None


def _checked(check: Callable[[A], R], value: A) -> R:
    """Validate an argument before connecting, so a typo never waits on the database."""
    try:
        return check(value)
    except ops.OutboxError as exc:
        raise fail(str(exc)) from None


def _age(delta: dt.timedelta | None) -> str:
    if delta is None:
        return "-"
    seconds = max(int(delta.total_seconds()), 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{days}d"] * bool(days) + [f"{hours}h"] * bool(hours) + [f"{minutes}m"] * bool(minutes)
    return " ".join([*parts, f"{seconds}s"] if not days else parts) or "0s"


def _when(at: dt.datetime | None) -> str:
    return "-" if at is None else at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _what(job: ops.Job) -> str:
    return job.template or job.kind


@outbox_app.command("stats")
def stats_command(db_url: DbUrl = None, as_json: AsJson = False, project_dir: ProjectDir = None) -> None:
    """Jobs by status and kind, the oldest due job's wait, failures in the last hour, expired leases."""
    with _connection(db_url, project_dir) as conn:
        found = ops.stats(conn)
    if as_json:
        typer.echo(json.dumps(found.as_json()))
        return
    table = found.by_status()
    kinds = sorted({kind for row in table.values() for kind in row})
    grid = Table("status", *kinds, "total", title=f"outbox: {found.total} jobs")
    for status, row in table.items():
        grid.add_row(status, *(str(row[k]) for k in kinds), str(sum(row.values())))
    console.print(grid)
    console.print(f"due now: {found.due}; oldest due job waiting: {_age(found.oldest_due_age)}", highlight=False)
    console.print(f"failed in the last hour: {found.failed_last_hour}; retrying after an error: {found.retrying}; "
                  f"expired leases: {found.expired_leases}", highlight=False)


@outbox_app.command("list")
def list_command(
    status: Annotated[str | None, typer.Option(help=f"Only this status: {', '.join(ops.STATUSES)}.")] = None,
    kind: Annotated[str | None, typer.Option(help=f"Only this kind: {', '.join(ops.KINDS)}.")] = None,
    limit: Annotated[int, typer.Option(help=f"At most this many jobs (1-{ops.MAX_LIST_LIMIT}).")] = 50,
    db_url: DbUrl = None,
    as_json: AsJson = False,
    project_dir: ProjectDir = None,
) -> None:
    """The newest jobs first, optionally of one status and kind."""
    _checked(ops.check_status, status)
    _checked(ops.check_kind, kind)
    with _connection(db_url, project_dir) as conn:
        jobs = ops.list_jobs(conn, status=status, kind=kind, limit=limit)
    if as_json:
        typer.echo(json.dumps([job.as_json() for job in jobs]))
        return
    table = Table(title=f"{len(jobs)} jobs")
    table.add_column("id", no_wrap=True, min_width=36)  # whole, so it can be copied into `outbox show`
    for column in ("what", "status", "attempts", "run at"):
        table.add_column(column, no_wrap=True)
    table.add_column("last error", no_wrap=True, overflow="ellipsis")
    for job in jobs:
        error = (job.last_error or "")[:60]
        table.add_row(str(job.id), _what(job), job.status, f"{job.attempts}/{job.max_attempts}",
                      _when(job.run_at), error)
    console.print(table)


@outbox_app.command("show")
def show_command(job_id: JobId, db_url: DbUrl = None, as_json: AsJson = False, project_dir: ProjectDir = None) -> None:
    """Everything about one job: payload (ids), dedupe key, attempts, lease, last error, provider message id."""
    wanted = _checked(ops.parse_job_id, job_id)
    with _connection(db_url, project_dir) as conn:
        job = ops.get_job(conn, wanted)
    if as_json:
        typer.echo(json.dumps(job.as_json()))
        return
    for name, value in job.as_json().items():
        shown = json.dumps(value) if isinstance(value, dict) else ("-" if value is None else value)
        typer.echo(f"{name + ':':<21}{shown}")


@outbox_app.command("retry")
def retry_command(
    job_id: Annotated[str | None, typer.Argument(help="The failed or cancelled job to re-arm.",
                                                 show_default=False)] = None,
    failed: Annotated[bool, typer.Option("--failed", help="Re-arm every failed job instead.")] = False,
    db_url: DbUrl = None,
    project_dir: ProjectDir = None,
) -> None:
    """Re-arm a failed or cancelled job (pending, due now, attempts reset), or every failed job with --failed."""
    if (job_id is None) == (not failed):
        raise fail("say which job to retry: a job id, or --failed for every failed job (not both)")
    if failed:
        with _connection(db_url, project_dir) as conn:
            count = ops.retry_failed(conn)
        console.print(f"re-armed {count} failed job{'s' * (count != 1)}", highlight=False)
        return
    wanted = _checked(ops.parse_job_id, job_id or "")
    with _connection(db_url, project_dir) as conn:
        job = ops.retry_job(conn, wanted)
    console.print(f"re-armed job {job.id} ({_what(job)}): {job.status}, due now", highlight=False)


@outbox_app.command("cancel")
def cancel_command(
    job_id: JobId,
    reason: Annotated[str, typer.Option(help="Why (kept in the job's last_error).")] = "cancelled by an operator",
    db_url: DbUrl = None,
    project_dir: ProjectDir = None,
) -> None:
    """Cancel a pending or running job; it is never delivered. The reason is kept in last_error."""
    wanted = _checked(ops.parse_job_id, job_id)
    with _connection(db_url, project_dir) as conn:
        job = ops.cancel_job(conn, wanted, reason)
    console.print(f"cancelled job {job.id} ({_what(job)}): {job.last_error}", highlight=False)


@outbox_app.command("prune")
def prune_command(
    older_than: Annotated[str, typer.Option("--older-than", help="Age of the last change, e.g. 30d, 12h, 2w.")],
    db_url: DbUrl = None,
    project_dir: ProjectDir = None,
) -> None:
    """Delete finished jobs (succeeded, failed, cancelled) last changed longer ago than --older-than.

    Pending and running jobs are never pruned. The transitions that caused the jobs stay in
    mini_mentorship_events (each job's payload names its event_id), which is append-only.
    """
    age = _checked(ops.parse_duration, older_than)
    with _connection(db_url, project_dir) as conn:
        count = ops.prune(conn, age)
    console.print(f"pruned {count} finished job{'s' * (count != 1)} older than {older_than.strip()}",
                  highlight=False)
