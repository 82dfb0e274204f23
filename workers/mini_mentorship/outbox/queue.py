"""The outbox's SQL API (private.claim_jobs, complete_job(s), fail_job, extend_lease, release_jobs, cancel_job)
seen from Python: one function per verb, the SQL as module constants, rows as `Job`.

Every verb that records a result takes the worker id and acts only while that worker still holds the job's
lease; each returns whether it did, so the caller can log a lost lease instead of pretending it won.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row, tuple_row

NOTIFY_CHANNEL = "mini_mentorship_outbox"

CLAIM_SQL = "select * from private.claim_jobs(%(worker_id)s, %(batch_size)s, %(lease_seconds)s)"
COMPLETE_SQL = "select * from private.complete_job(%(job_id)s, %(worker_id)s, %(provider_message_id)s)"
COMPLETE_MANY_SQL = (
    "select * from private.complete_jobs(%(job_ids)s::uuid[], %(worker_id)s, %(provider_message_ids)s::text[])"
)
MAX_COMPLETE_BATCH = 1000  # private.complete_jobs takes at most this many jobs per call
FAIL_SQL = "select * from private.fail_job(%(job_id)s, %(worker_id)s, %(error)s, %(permanent)s)"
EXTEND_SQL = "select * from private.extend_lease(%(job_ids)s::uuid[], %(worker_id)s, %(lease_seconds)s)"
RELEASE_SQL = "select * from private.release_jobs(%(job_ids)s::uuid[], %(worker_id)s)"
# cancel_job does not know leases; lock the row and check the holder in the same transaction first.
HOLDS_LEASE_SQL = (
    "select 1 from private.outbox where id = %(job_id)s and status = 'running' and locked_by = %(worker_id)s "
    "for update"
)
CANCEL_SQL = "select (private.cancel_job(%(job_id)s, %(reason)s)).*"
LISTEN_SQL = f"listen {NOTIFY_CHANNEL}"
PROBE_SQL = "select pg_catalog.pg_notify(%(channel)s, %(payload)s)"


@dataclass(frozen=True)
class Job:
    """One row of private.outbox as the worker claimed it (attempts already counts this attempt)."""

    id: uuid.UUID
    kind: str
    template: str | None
    payload: dict[str, Any]
    dedupe_key: str
    run_at: datetime
    status: str
    attempts: int
    max_attempts: int
    locked_by: str | None
    locked_until: datetime | None
    last_error: str | None
    provider_message_id: str | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Job:
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})

    @property
    def subject(self) -> str:
        """What the log line names besides the kind: the template, else the provider, else '-'."""
        return self.template or str(self.payload.get("provider") or "-")


Conn = psycopg.Connection[Any]


def _rows(conn: Conn, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(query, params)
        return cur.fetchall()


def claim(conn: Conn, worker_id: str, batch_size: int, lease_seconds: int) -> list[Job]:
    """Lease up to `batch_size` due jobs (pending and due, or running with an expired lease)."""
    params = {"worker_id": worker_id, "batch_size": batch_size, "lease_seconds": lease_seconds}
    return [Job.from_row(row) for row in _rows(conn, CLAIM_SQL, params)]


def complete(conn: Conn, job_id: uuid.UUID, worker_id: str, provider_message_id: str) -> bool:
    """Mark the job succeeded; False when the worker no longer held it (nothing changed)."""
    params = {"job_id": job_id, "worker_id": worker_id, "provider_message_id": provider_message_id}
    return bool(_rows(conn, COMPLETE_SQL, params))


def complete_many(conn: Conn, worker_id: str, delivered: Sequence[tuple[uuid.UUID, str]]) -> set[uuid.UUID]:
    """Mark delivered jobs succeeded, each with its provider message id, in one statement (at most
    MAX_COMPLETE_BATCH); the ids completed. A job left out was no longer held by the worker (nothing changed)."""
    params = {"job_ids": [job_id for job_id, _ in delivered], "worker_id": worker_id,
              "provider_message_ids": [message_id for _, message_id in delivered]}
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(COMPLETE_MANY_SQL, params)
        return {row[0] for row in cur.fetchall()}


def fail(conn: Conn, job_id: uuid.UUID, worker_id: str, error: str, *, permanent: bool = False) -> Job | None:
    """Record a failed attempt (retry with backoff, or failed); the job after it, None when the lease was lost."""
    params = {"job_id": job_id, "worker_id": worker_id, "error": error, "permanent": permanent}
    rows = _rows(conn, FAIL_SQL, params)
    return Job.from_row(rows[0]) if rows else None


def cancel(conn: Conn, job_id: uuid.UUID, worker_id: str, reason: str) -> bool:
    """Cancel a held job with a reason (private.cancel_job); False when the worker no longer held it."""
    with conn.transaction():
        if not _rows(conn, HOLDS_LEASE_SQL, {"job_id": job_id, "worker_id": worker_id}):
            return False
        _rows(conn, CANCEL_SQL, {"job_id": job_id, "reason": reason})
    return True


def extend(conn: Conn, job_ids: Iterable[uuid.UUID], worker_id: str, lease_seconds: int) -> set[uuid.UUID]:
    """Heartbeat: push the leases the worker holds; the ids still held."""
    params = {"job_ids": list(job_ids), "worker_id": worker_id, "lease_seconds": lease_seconds}
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(EXTEND_SQL, params)
        return {row[0] for row in cur.fetchall()}


def release(conn: Conn, job_ids: Iterable[uuid.UUID], worker_id: str) -> set[uuid.UUID]:
    """Hand held jobs back to pending without counting the attempt; the ids released."""
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(RELEASE_SQL, {"job_ids": list(job_ids), "worker_id": worker_id})
        return {row[0] for row in cur.fetchall()}
