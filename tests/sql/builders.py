"""Builders for the session-side tests (tests/sql/test_sessions_*.py, test_analytics.py, test_error_statuses.py).

Scenarios are reached through the doors the app uses: createRequest is a PostgREST-like insert by the
student, claims and schedules are RPCs by the mentor. Only the passage of time is faked (see `shift_session`).
The request-side helpers (refusals, snapshots, event trails) come from part A's `requests_support`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg

from mini_mentorship.testing.api import Api, ApiError
from mini_mentorship.testing.database import Database
from tests.sql.requests_support import (
    create_request,
    event_names,
    events,
    refused,
    request_row,
    session_row,
    snapshot,
)

__all__ = [
    "Booking",
    "Sessions",
    "backdate_events",
    "db_now",
    "event_names",
    "events",
    "outbox_rows",
    "refused",
    "refused_unchanged",
    "request_row",
    "session_row",
    "shift_session",
    "snapshot",
    "state",
]

MakeUser = Callable[..., uuid.UUID]
AsUser = Callable[[uuid.UUID], Api]


def db_now(db: Database) -> dt.datetime:
    """The database clock (the RPCs compare against it, not against this machine's)."""
    now = db.scalar("select now()")
    assert isinstance(now, dt.datetime)
    return now


def outbox_rows(db: Database, kind: str | None = None) -> list[dict[str, Any]]:
    """The outbox's jobs in the order they were queued; only those of `kind` when given."""
    return db.query(
        "select * from private.outbox where %(kind)s::text is null or kind = %(kind)s order by created_at, id",
        {"kind": kind},
    )


def state(db: Database) -> dict[str, Any]:
    """Everything a session RPC could change: the lifecycle tables, their events and the outbox."""
    everything = snapshot(db)
    everything["outbox"] = outbox_rows(db)
    return everything


def refused_unchanged(
    db: Database, call: Callable[[], Any], *, code: str, hint: str | None, who: str, what: str,
    status: int | None = None,
) -> ApiError:
    """`call` must fail with code / hint (and HTTP status) and leave every table exactly as it was."""
    before = state(db)
    err = refused(call, code=code, hint=hint, who=who, what=what)
    if status is not None:
        assert err.http_status == status, f"{who} {what}: expected HTTP {status}, got {err.http_status}"
    assert err.http_status < 500, f"{who} {what}: an RPC refusal must never reach the app as HTTP 5xx"
    assert state(db) == before, f"{who} {what} was refused, so nothing may have changed"
    return err


def _without_triggers(db: Database, statement: str, params: Any) -> None:
    """Run one superuser statement with ordinary triggers off (session_replication_role = replica).

    Used ONLY to fake the passage of time: the guard triggers would (rightly) treat a moved start as a
    reschedule (bump the ICS sequence, write an event) and the audit trail is append-only. Constraints,
    including the no-overlap exclusion constraints, still apply.
    """
    with psycopg.connect(db.url) as conn, conn.transaction():
        conn.execute("set local session_replication_role = replica")
        conn.execute(statement, params)


def shift_session(db: Database, session_id: uuid.UUID, by: dt.timedelta) -> None:
    """Pretend time passed: move the session's start and end by `by` (negative = it started earlier).

    The participants' copy of the session's time (private.session_participants, kept by a trigger that is
    off here) moves with it, so the one-live-session-per-person constraint sees the same times.
    """
    _without_triggers(
        db,
        "with moved as (update public.mini_mentorship_sessions set scheduled_at = scheduled_at + %(by)s, "
        "ends_at = ends_at + %(by)s where id = %(id)s returning id) "
        "update private.session_participants as p "
        "set during = tstzrange(lower(p.during) + %(by)s, upper(p.during) + %(by)s, '[)') "
        "from moved where p.session_id = moved.id",
        {"by": by, "id": session_id},
    )


def backdate_events(db: Database, request_id: uuid.UUID, event: str, by: dt.timedelta) -> None:
    """Pretend an audit event happened `by` earlier (for the analytics timing figures)."""
    _without_triggers(
        db,
        "update public.mini_mentorship_events set at = at - %(by)s where request_id = %(id)s and event = %(event)s",
        {"by": by, "id": request_id, "event": event},
    )


@dataclass
class Booking:
    """A request and (once scheduled) its session, with both participants and their API callers."""

    student: uuid.UUID
    mentor: uuid.UUID
    request: dict[str, Any]
    session: dict[str, Any] | None
    as_student: Api
    as_mentor: Api

    @property
    def request_id(self) -> uuid.UUID:
        return uuid.UUID(str(self.request["id"]))

    @property
    def session_id(self) -> uuid.UUID:
        assert self.session is not None, "this booking has no session yet"
        return uuid.UUID(str(self.session["id"]))


class Sessions:
    """Builds requests and sessions for the session RPC tests."""

    def __init__(self, db: Database, make_user: MakeUser, as_user: AsUser) -> None:
        self.db = db
        self.make_user = make_user
        self.as_user = as_user

    def student(self, **kwargs: Any) -> uuid.UUID:
        return self.make_user("student", **kwargs)

    def mentor(self, **kwargs: Any) -> uuid.UUID:
        return self.make_user("mentor", **kwargs)

    def claimed(
        self,
        *,
        student: uuid.UUID | None = None,
        mentor: uuid.UUID | None = None,
        timezone: str = "UTC",
        date_start: dt.date | None = None,
        date_end: dt.date | None = None,
        slots: list[dict[str, Any]] | None = None,
        **fields: Any,
    ) -> Booking:
        """A request created by the student and claimed by the mentor.

        By default the student is free at any time from yesterday to 60 days ahead (UTC, no slots).
        """
        student = student or self.student()
        mentor = mentor or self.mentor()
        today = db_now(self.db).date()
        as_student, as_mentor = self.as_user(student), self.as_user(mentor)
        req = create_request(
            as_student,
            timezone=timezone,
            preferred_date_start=date_start or today - dt.timedelta(days=1),
            preferred_date_end=date_end or today + dt.timedelta(days=60),
            preferred_time_slots=slots if slots is not None else [],
            **fields,
        )
        claimed = as_mentor.rpc("claim_mini_request", request_id=req["id"])
        return Booking(student, mentor, claimed, None, as_student, as_mentor)

    def scheduled(
        self,
        *,
        starts_in: dt.timedelta = dt.timedelta(days=2),
        starts_at: dt.datetime | None = None,
        duration: int = 60,
        meeting_link: str | None = "https://meet.jit.si/mini-test",
        **kwargs: Any,
    ) -> Booking:
        """A claimed request scheduled by its mentor (by default two days ahead, with a link)."""
        options = {k: kwargs.pop(k) for k in ("meeting_type", "meeting_platform", "location") if k in kwargs}
        booking = self.claimed(**kwargs)
        when = starts_at or (db_now(self.db) + starts_in).replace(microsecond=0)
        booking.session = booking.as_mentor.rpc(
            "schedule_mini_session",
            request_id=booking.request_id,
            scheduled_at=when,
            duration_minutes=duration,
            meeting_link=meeting_link,
            **options,
        )
        booking.request = request_row(self.db, booking.request_id)
        return booking

    def started(self, *, ago: dt.timedelta = dt.timedelta(minutes=20), **kwargs: Any) -> Booking:
        """A scheduled session whose start was `ago` in the past (still `scheduled`: nobody joined)."""
        booking = self.scheduled(**kwargs)
        assert booking.session is not None
        shift_session(self.db, booking.session_id,
                      (db_now(self.db) - ago) - booking.session["scheduled_at"])
        booking.session = session_row(self.db, booking.session_id)
        return booking

    def in_progress(self, **kwargs: Any) -> Booking:
        """A session that started 20 minutes ago and that the student joined (in-progress)."""
        booking = self.started(**kwargs)
        booking.as_student.rpc("join_mini_session", session_id=booking.session_id)
        booking.session = session_row(self.db, booking.session_id)
        return booking

    def completed(self, *, follow_up: bool = False, **kwargs: Any) -> Booking:
        """A session the mentor completed."""
        booking = self.in_progress(**kwargs)
        booking.session = booking.as_mentor.rpc(
            "complete_mini_session",
            session_id=booking.session_id,
            mentor_notes="Walked through one design problem.",
            topics_covered=["system design"],
            action_items=["practise caching"],
            follow_up_needed=follow_up,
            actual_duration_minutes=50,
        )
        booking.request = request_row(self.db, booking.request_id)
        return booking

    def refresh(self, booking: Booking) -> Booking:
        booking.request = request_row(self.db, booking.request_id)
        if booking.session is not None:
            booking.session = session_row(self.db, booking.session_id)
        return booking
