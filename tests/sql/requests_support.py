"""Shared helpers for the request-lifecycle tests (tests/sql/test_requests_*.py).

They build requests and sessions through the same doors the app uses (a PostgREST-like insert for
createRequest, RPCs for the rest) or, to reach a given state quickly, through superuser updates that still
pass every trigger.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from psycopg.types.json import Jsonb

from mini_mentorship.testing.api import Api, ApiError
from mini_mentorship.testing.database import Database

REQUEST_STATES = ["open", "claimed", "scheduled", "completed", "cancelled", "expired"]
SESSION_STATES = ["scheduled", "in-progress", "completed", "cancelled", "no-show"]

ALLOWED_REQUEST_TRANSITIONS = {
    ("open", "claimed"),
    ("claimed", "scheduled"),
    ("scheduled", "completed"),
    ("open", "cancelled"),
    ("claimed", "cancelled"),
    ("open", "expired"),
    ("claimed", "open"),
    ("scheduled", "open"),
}
ALLOWED_SESSION_TRANSITIONS = {
    ("scheduled", "in-progress"),
    ("in-progress", "completed"),
    ("scheduled", "cancelled"),
    ("in-progress", "cancelled"),
    ("scheduled", "no-show"),
    ("in-progress", "no-show"),
}


def valid_request(**overrides: Any) -> dict[str, Any]:
    """What a request form would send for createRequest."""
    fields: dict[str, Any] = {
        "title": "Interview prep for a backend role",
        "description": "I have a system design interview next week and want to practise one problem.",
        "session_type": "interview_prep",
        "preferred_duration_minutes": 45,
        "urgency": "high",
        "timezone": "Europe/Paris",
        "tags": ["System-Design", "interviews"],
        "preferred_time_slots": [{"start": "09:00", "end": "12:00", "days": ["mon", "wed"]}],
        "resume_url": "https://example.test/resume.pdf",
        "portfolio_url": "https://example.test/portfolio",
    }
    fields.update(overrides)
    return fields


def insert_query(table: str, fields: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """`insert into public.<table> (...) values (...) returning *` for a dict of columns (names are ours)."""
    columns = ", ".join(fields)
    values = ", ".join(f"%({name})s" for name in fields)
    params = {k: Jsonb(v) if k == "preferred_time_slots" and v is not None else v for k, v in fields.items()}
    return f"insert into public.{table} ({columns}) values ({values}) returning *", params


def create_request(api: Api, **overrides: Any) -> dict[str, Any]:
    """createRequest as the app does it: `from('mini_mentorship_requests').insert({...}).select()`."""
    query, params = insert_query("mini_mentorship_requests", valid_request(**overrides))
    return api.query(query, params)[0]


def db_create_request(db: Database, student_id: uuid.UUID, **overrides: Any) -> dict[str, Any]:
    """A request inserted by the superuser (no JWT), for setting up a scenario."""
    query, params = insert_query("mini_mentorship_requests", valid_request(student_id=student_id, **overrides))
    return db.query(query, params)[0]


def request_row(db: Database, request_id: uuid.UUID) -> dict[str, Any]:
    return db.query("select * from public.mini_mentorship_requests where id = %s", (request_id,))[0]


def session_row(db: Database, session_id: uuid.UUID) -> dict[str, Any]:
    return db.query("select * from public.mini_mentorship_sessions where id = %s", (session_id,))[0]


def events(db: Database, request_id: uuid.UUID) -> list[dict[str, Any]]:
    return db.query(
        "select * from public.mini_mentorship_events where request_id = %s order by id", (request_id,)
    )


def event_names(db: Database, request_id: uuid.UUID) -> list[str]:
    return [e["event"] for e in events(db, request_id)]


def snapshot(db: Database) -> dict[str, Any]:
    """Everything the lifecycle tables hold, to prove a refused call changed nothing."""
    return {
        table: db.query(f"select * from public.{table} order by 1")
        for table in (
            "mini_mentorship_requests",
            "mini_mentorship_sessions",
            "mini_mentorship_events",
            "mini_mentorship_availability",
        )
    }


def refused(call: Callable[[], Any], *, code: str, hint: str | None, who: str, what: str) -> ApiError:
    """Run `call`, insist it fails with `code` / `hint`, and return the error for further checks."""
    with pytest.raises(ApiError) as info:
        call()
    err = info.value
    assert (err.code, err.hint) == (code, hint), (
        f"{who} {what}: expected SQLSTATE {code} with hint {hint!r}, got {err}"
    )
    return err


class Lifecycle:
    """Drives requests and sessions into any state with superuser writes (every trigger still runs)."""

    def __init__(self, db: Database, make_user: Callable[..., uuid.UUID]) -> None:
        self.db = db
        self.make_user = make_user
        self._slot = 0

    def student(self) -> uuid.UUID:
        return self.make_user("student")

    def mentor(self, *, in_pool: bool = True) -> uuid.UUID:
        return self.make_user("mentor", in_pool=in_pool)

    def request(self, state: str = "open", *, student: uuid.UUID | None = None,
                mentor: uuid.UUID | None = None, **fields: Any) -> dict[str, Any]:
        """A request in `state`, reached through allowed transitions only."""
        student = student or self.student()
        req = db_create_request(self.db, student, **fields)
        rid = req["id"]
        if state == "open":
            return request_row(self.db, rid)
        if state == "expired":
            self.db.query("update public.mini_mentorship_requests set status = 'expired' where id = %s", (rid,))
            return request_row(self.db, rid)
        if state == "cancelled":
            self.db.query(
                "update public.mini_mentorship_requests set status = 'cancelled', "
                "cancellation_reason = 'no longer needed' where id = %s",
                (rid,),
            )
            return request_row(self.db, rid)
        mentor = mentor or self.mentor()
        self.db.query(
            "update public.mini_mentorship_requests set status = 'claimed', claimed_by_mentor_id = %s "
            "where id = %s",
            (mentor, rid),
        )
        if state == "claimed":
            return request_row(self.db, rid)
        session = self.session_for(rid)
        self.db.query("update public.mini_mentorship_requests set status = 'scheduled' where id = %s", (rid,))
        if state == "scheduled":
            return request_row(self.db, rid)
        self.set_session_status(session["id"], "in-progress")
        self.set_session_status(session["id"], "completed")
        self.db.query("update public.mini_mentorship_requests set status = 'completed' where id = %s", (rid,))
        assert state == "completed", f"unknown request state {state}"
        return request_row(self.db, rid)

    def session_for(self, request_id: uuid.UUID, *, hours_from_now: int | None = None) -> dict[str, Any]:
        """A scheduled session for a claimed request, at a slot no other test session uses."""
        self._slot += 1
        hours = hours_from_now if hours_from_now is not None else 24 * self._slot
        return self.db.query(
            "insert into public.mini_mentorship_sessions "
            "(request_id, student_id, mentor_id, scheduled_at, duration_minutes, timezone) "
            "select r.id, r.student_id, r.claimed_by_mentor_id, "
            "       date_trunc('hour', now()) + make_interval(hours => %s), 60, 'UTC' "
            "from public.mini_mentorship_requests as r where r.id = %s returning *",
            (hours, request_id),
        )[0]

    def session(self, state: str = "scheduled") -> dict[str, Any]:
        """A session in `state` (its request claimed and scheduled), reached through allowed transitions."""
        req = self.request("claimed")
        session = self.session_for(req["id"])
        self.db.query("update public.mini_mentorship_requests set status = 'scheduled' where id = %s",
                      (req["id"],))
        path = {
            "scheduled": [],
            "in-progress": ["in-progress"],
            "completed": ["in-progress", "completed"],
            "cancelled": ["cancelled"],
            "no-show": ["no-show"],
        }[state]
        for step in path:
            self.set_session_status(session["id"], step)
        return session_row(self.db, session["id"])

    def set_session_status(self, session_id: uuid.UUID, status: str) -> None:
        absent = "student" if status == "no-show" else None
        self.db.query(
            "update public.mini_mentorship_sessions set status = %s, "
            "no_show_absent = coalesce(%s, no_show_absent) where id = %s",
            (status, absent, session_id),
        )
