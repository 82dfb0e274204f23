"""`mini-mentorship tick`: the cron entry point."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import psycopg
import typer

from .. import db as dbmod
from ..settings import Settings
from ..tick import run_tick
from .common import fail, target
from .worker import drain as drain_outbox


def _parse_time(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise fail(f"--now {value!r} is not an ISO 8601 time (e.g. 2027-03-14T09:00:00Z)") from None
    if moment.tzinfo is None:
        raise fail(f"--now {value!r} needs a UTC offset or Z (e.g. 2027-03-14T09:00:00Z)")
    return moment


def tick(
    db_url: Annotated[str | None, typer.Option(
        "--db-url", envvar=["MM_DATABASE_URL", "DATABASE_URL"], show_default=False,
        help="PostgreSQL URL with the database owner's rights. Default: DATABASE_URL, else the running "
        "embedded server.",
    )] = None,
    now: Annotated[str | None, typer.Option(
        "--now", show_default=False,
        help="Run as of this time (ISO 8601 with offset, e.g. 2027-03-14T09:00:00Z) instead of the database's "
        "now(): for tests, demos and backfills.",
    )] = None,
    drain: Annotated[bool, typer.Option(
        "--drain", help="Then run the worker once (`worker run --once`) to send what is due.",
    )] = False,
) -> None:
    """Run the cron tick: expire old requests, release stale and departed claims, queue due reminders.

    Idempotent and safe to run twice at once (the second waits for the first, then finds nothing to do).
    Reminders are queued once per session and start time. Cron line: `* * * * * mini-mentorship tick --drain`.
    """
    as_of = _parse_time(now)
    url = target(db_url, Settings(), start=False)
    try:
        with dbmod.connect(url) as conn:
            result = run_tick(conn, as_of)
    except psycopg.Error as exc:
        raise fail(f"database error: {' '.join(str(exc).split())}") from None
    typer.echo(result.summary())
    if drain:
        raise typer.Exit(drain_outbox(url, {}, once=True))
