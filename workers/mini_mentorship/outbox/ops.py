"""What an operator does with the outbox: look at it, re-arm or cancel jobs, prune finished ones.

The SQL lives in the module constants below; each function runs one of them on a connection the caller
owns (the database owner's: private.outbox is invisible to the API roles) and returns dataclasses. Re-arming
and cancelling go through the queue's own SQL API (private.retry_job, private.cancel_job), so the operator
commands and the worker agree on what those verbs mean.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import class_row, dict_row

STATUSES = ("pending", "running", "succeeded", "failed", "cancelled")
FINISHED_STATUSES = ("succeeded", "failed", "cancelled")
KINDS = ("email", "meeting_link")
MAX_LIST_LIMIT = 1000

_JOB_COLUMNS = """
    o.id, o.kind, o.template, o.status, o.attempts, o.max_attempts, o.run_at, o.locked_by, o.locked_until,
    o.last_error, o.provider_message_id, o.dedupe_key, o.payload, o.created_at, o.updated_at
"""

COUNTS_SQL = """
select o.status, o.kind, count(*)::integer as jobs
from private.outbox as o
group by o.status, o.kind
order by o.status, o.kind
"""

HEALTH_SQL = """
select
    now() as checked_at,
    (select min(o.run_at) from private.outbox as o where o.status = 'pending' and o.run_at <= now())
        as oldest_due_at,
    (select count(*)::integer from private.outbox as o where o.status = 'pending' and o.run_at <= now())
        as due,
    (select count(*)::integer from private.outbox as o
        where o.status = 'failed' and o.updated_at > now() - interval '1 hour') as failed_last_hour,
    (select count(*)::integer from private.outbox as o
        where o.status = 'pending' and o.last_error is not null) as retrying,
    (select count(*)::integer from private.outbox as o
        where o.status = 'running' and o.locked_until < now()) as expired_leases
"""

LIST_SQL = f"""
select {_JOB_COLUMNS}
from private.outbox as o
where
    (%(status)s::text is null or o.status = %(status)s)
    and (%(kind)s::text is null or o.kind = %(kind)s)
order by o.created_at desc, o.id
limit %(limit)s
"""

SHOW_SQL = f"select {_JOB_COLUMNS} from private.outbox as o where o.id = %(id)s"

RETRY_SQL = "select (private.retry_job(%(id)s)).id"

RETRY_FAILED_SQL = """
select count(private.retry_job(o.id))::integer as jobs
from private.outbox as o
where o.status = 'failed'
"""

CANCEL_SQL = "select (private.cancel_job(%(id)s, %(reason)s)).id"

PRUNE_SQL = """
delete from private.outbox as o
where o.status in ('succeeded', 'failed', 'cancelled') and o.updated_at < now() - %(older_than)s::interval
"""

_DURATION = re.compile(r"^\s*(\d{1,6})\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class OutboxError(ValueError):
    """A request an operator can fix: a bad id, an unknown status, a job in the wrong state."""


@dataclass(frozen=True)
class Job:
    id: uuid.UUID
    kind: str
    template: str | None
    status: str
    attempts: int
    max_attempts: int
    run_at: dt.datetime
    locked_by: str | None
    locked_until: dt.datetime | None
    last_error: str | None
    provider_message_id: str | None
    dedupe_key: str
    payload: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "kind": self.kind,
            "template": self.template,
            "status": self.status,
            "attempts": self.attempts,
            "max_attempts": self.max_attempts,
            "run_at": self.run_at.isoformat(),
            "locked_by": self.locked_by,
            "locked_until": self.locked_until.isoformat() if self.locked_until else None,
            "last_error": self.last_error,
            "provider_message_id": self.provider_message_id,
            "dedupe_key": self.dedupe_key,
            "payload": self.payload,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


@dataclass(frozen=True)
class Count:
    status: str
    kind: str
    jobs: int


@dataclass(frozen=True)
class Stats:
    counts: list[Count]
    checked_at: dt.datetime
    oldest_due_at: dt.datetime | None  # the pending job that has waited longest since it became due
    due: int  # pending jobs due now
    failed_last_hour: int  # jobs that gave up (status failed) in the last hour
    retrying: int  # pending jobs whose last attempt failed (they back off and run again)
    expired_leases: int  # running jobs whose worker's lease ran out (the worker died or hangs)

    @property
    def total(self) -> int:
        return sum(c.jobs for c in self.counts)

    @property
    def oldest_due_age(self) -> dt.timedelta | None:
        return None if self.oldest_due_at is None else self.checked_at - self.oldest_due_at

    def by_status(self) -> dict[str, dict[str, int]]:
        """{status: {kind: jobs}} for every known status and kind (zeros included)."""
        kinds = sorted({*KINDS, *(c.kind for c in self.counts)})
        table = {status: dict.fromkeys(kinds, 0) for status in STATUSES}
        for c in self.counts:
            table.setdefault(c.status, dict.fromkeys(kinds, 0))[c.kind] = c.jobs
        return table

    def as_json(self) -> dict[str, Any]:
        age = self.oldest_due_age
        return {
            "total": self.total,
            "by_status": self.by_status(),
            "due": self.due,
            "oldest_due_age_seconds": None if age is None else round(age.total_seconds(), 3),
            "failed_last_hour": self.failed_last_hour,
            "retrying": self.retrying,
            "expired_leases": self.expired_leases,
        }


def parse_job_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text.strip())
    except ValueError:
        raise OutboxError(f"not a job id: {text!r} (job ids are UUIDs, see `outbox list`)") from None


def check_status(status: str | None) -> str | None:
    if status is not None and status not in STATUSES:
        raise OutboxError(f"unknown status {status!r}: use one of {', '.join(STATUSES)}")
    return status


def check_kind(kind: str | None) -> str | None:
    if kind is not None and kind not in KINDS:
        raise OutboxError(f"unknown kind {kind!r}: use one of {', '.join(KINDS)}")
    return kind


def parse_duration(text: str) -> dt.timedelta:
    """'30d', '12h', '90m', '45s', '2w' -> timedelta (a whole number and one unit)."""
    match = _DURATION.match(text)
    if not match:
        raise OutboxError(f"bad duration {text!r}: use a whole number and a unit s, m, h, d or w, e.g. 30d or 12h")
    return dt.timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def stats(conn: psycopg.Connection[Any]) -> Stats:
    with conn.cursor(row_factory=class_row(Count)) as cur:
        counts = cur.execute(COUNTS_SQL).fetchall()
    with conn.cursor(row_factory=dict_row) as cur:
        health = cur.execute(HEALTH_SQL).fetchone()
    assert health is not None
    return Stats(counts=counts, **health)


def list_jobs(
    conn: psycopg.Connection[Any], *, status: str | None = None, kind: str | None = None, limit: int = 50
) -> list[Job]:
    """The newest jobs first, optionally of one status and kind."""
    if not 1 <= limit <= MAX_LIST_LIMIT:
        raise OutboxError(f"bad limit {limit}: list between 1 and {MAX_LIST_LIMIT} jobs")
    with conn.cursor(row_factory=class_row(Job)) as cur:
        params = {"status": check_status(status), "kind": check_kind(kind), "limit": limit}
        return cur.execute(LIST_SQL, params).fetchall()


def get_job(conn: psycopg.Connection[Any], job_id: uuid.UUID) -> Job:
    with conn.cursor(row_factory=class_row(Job)) as cur:
        job = cur.execute(SHOW_SQL, {"id": job_id}).fetchone()
    if job is None:
        raise OutboxError(f"no job with id {job_id}")
    return job


def retry_job(conn: psycopg.Connection[Any], job_id: uuid.UUID) -> Job:
    """Re-arm a failed or cancelled job (pending, due now, attempts 0). Other states are refused."""
    before = get_job(conn, job_id)
    if before.status not in ("failed", "cancelled"):
        raise OutboxError(f"job {job_id} is {before.status}: only failed or cancelled jobs can be retried")
    conn.execute(RETRY_SQL, {"id": job_id})
    after = get_job(conn, job_id)
    if after.status != "pending":  # a worker or another operator changed it in between
        raise OutboxError(f"job {job_id} changed meanwhile and is {after.status}: not re-armed")
    return after


def retry_failed(conn: psycopg.Connection[Any]) -> int:
    """Re-arm every failed job; returns how many."""
    row = conn.execute(RETRY_FAILED_SQL).fetchone()
    return int(row[0]) if row else 0


def cancel_job(conn: psycopg.Connection[Any], job_id: uuid.UUID, reason: str) -> Job:
    """Cancel a pending or running job with a reason (kept in last_error). Finished jobs are refused."""
    before = get_job(conn, job_id)
    if before.status not in ("pending", "running"):
        raise OutboxError(f"job {job_id} is already {before.status}: only pending or running jobs can be cancelled")
    if not reason.strip() or len(reason) > 2000:
        raise OutboxError("say why the job is cancelled (--reason, 1 to 2000 characters)")
    conn.execute(CANCEL_SQL, {"id": job_id, "reason": reason})
    after = get_job(conn, job_id)
    if after.status != "cancelled":  # it finished in between
        raise OutboxError(f"job {job_id} finished meanwhile and is {after.status}: not cancelled")
    return after


def prune(conn: psycopg.Connection[Any], older_than: dt.timedelta) -> int:
    """Delete finished jobs (succeeded, failed, cancelled) last changed more than `older_than` ago."""
    if older_than <= dt.timedelta(0):
        raise OutboxError("the age to prune must be positive, e.g. 30d")
    return conn.execute(PRUNE_SQL, {"older_than": older_than}).rowcount
