"""No refusal of any RPC reaches the app as HTTP 5xx, and every one carries a stable hint.

PostgREST maps SQLSTATEs to HTTP statuses (`mini_mentorship.testing.api.http_status`): P0001 is 400, but P0002, 23P01
(400, not 409), 40P01 and every 55xxx are wrong or 500. Each case below drives one RPC into one of its
documented refusals, through the same PostgREST simulation the app goes through, and checks the SQLSTATE, the
hint, the HTTP status (never >= 500) and that a UI message exists. A coverage test reads every RPC's source and
insists that each hint it can raise has a case here, and that every RPC the API roles can call is listed.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from mini_mentorship.testing.api import Api, ApiError, http_status
from mini_mentorship.testing.database import Database
from tests.sql.builders import Booking, Sessions, db_now, shift_session
from tests.sql.requests_support import create_request

MakeUser = Callable[..., uuid.UUID]
AsUser = Callable[[uuid.UUID], Api]
DAY = dt.timedelta(days=1)


@dataclass
class Ctx:
    db: Database
    sessions: Sessions
    as_user: AsUser
    admin: Api
    nobody: Api  # an `authenticated` token without a user id (sub)

    def now(self) -> dt.datetime:
        return db_now(self.db)

    def claimed(self, **kwargs: Any) -> Booking:
        return self.sessions.claimed(**kwargs)

    def scheduled(self, **kwargs: Any) -> Booking:
        return self.sessions.scheduled(**kwargs)

    def started(self, ago: dt.timedelta = dt.timedelta(minutes=20), **kwargs: Any) -> Booking:
        return self.sessions.started(ago=ago, **kwargs)

    def completed(self) -> Booking:
        return self.sessions.completed()

    def cancelled(self) -> Booking:
        booking = self.scheduled()
        booking.as_student.rpc("cancel_mini_session", session_id=booking.session_id, reason=None)
        return booking

    def stranger(self, kind: str = "student") -> Api:
        return self.as_user(self.sessions.make_user(kind))

    def window(self, mentor: uuid.UUID, start: dt.datetime, end: dt.datetime) -> None:
        self.db.query("insert into public.mini_mentorship_availability (mentor_id, available_from, available_until) "
                      "values (%s, %s, %s)", (mentor, start, end))


Build = Callable[[Ctx], tuple[Api, dict[str, Any]]]


@dataclass
class Case:
    rpc: str
    code: str
    hint: str
    build: Build


def _schedule_args(b: Booking, when: dt.datetime, **overrides: Any) -> dict[str, Any]:
    args = {"request_id": b.request_id, "scheduled_at": when, "duration_minutes": 60,
            "meeting_link": "https://meet.jit.si/x"}
    args.update(overrides)
    return args


def _sched(ctx: Ctx, **overrides: Any) -> tuple[Api, dict[str, Any]]:
    b = ctx.claimed()
    return b.as_mentor, _schedule_args(b, ctx.now() + 2 * DAY, **overrides)


def _sched_outside_student(ctx: Ctx) -> tuple[Api, dict[str, Any]]:
    b = ctx.claimed(date_end=ctx.now().date() + 3 * DAY)
    return b.as_mentor, _schedule_args(b, ctx.now() + 10 * DAY)


def _sched_outside_mentor(ctx: Ctx) -> tuple[Api, dict[str, Any]]:
    b = ctx.claimed()
    ctx.window(b.mentor, ctx.now() + 5 * DAY, ctx.now() + 6 * DAY)
    return b.as_mentor, _schedule_args(b, ctx.now() + 2 * DAY)


def _sched_mentor_busy(ctx: Ctx) -> tuple[Api, dict[str, Any]]:
    first = ctx.scheduled()
    second = ctx.claimed(mentor=first.mentor)
    assert first.session is not None
    return second.as_mentor, _schedule_args(second, first.session["scheduled_at"])


def _sched_student_busy(ctx: Ctx) -> tuple[Api, dict[str, Any]]:
    first = ctx.scheduled()
    second = ctx.claimed(student=first.student)
    assert first.session is not None
    return second.as_mentor, _schedule_args(second, first.session["scheduled_at"])


def _sched_released(ctx: Ctx) -> tuple[Api, dict[str, Any]]:
    # The mentor released the claim: the request is open again, so a pool mentor still sees it.
    b = ctx.claimed()
    b.as_mentor.rpc("release_mini_request", request_id=b.request_id, reason="busy")
    return b.as_mentor, _schedule_args(b, ctx.now() + 2 * DAY)


def _attended(ctx: Ctx, *, ended: bool) -> Booking:
    # Both participants joined; `ended`: the session's time is over.
    b = ctx.started(ago=dt.timedelta(minutes=20))
    b.as_student.rpc("join_mini_session", session_id=b.session_id)
    b.as_mentor.rpc("join_mini_session", session_id=b.session_id)
    if ended:
        shift_session(ctx.db, b.session_id, -dt.timedelta(hours=1))
    return b


def _sched_not_claimed(ctx: Ctx) -> tuple[Api, dict[str, Any]]:
    b = ctx.scheduled()
    return b.as_mentor, _schedule_args(b, ctx.now() + 5 * DAY)


def _move(ctx: Ctx, b: Booking | None = None, api: Api | None = None, **overrides: Any) -> tuple[Api, dict[str, Any]]:
    b = b or ctx.scheduled()
    args = {"session_id": b.session_id, "scheduled_at": ctx.now() + 5 * DAY, "reason": "clash"}
    args.update(overrides)
    return api or b.as_mentor, args


def _move_busy(ctx: Ctx, same: str) -> tuple[Api, dict[str, Any]]:
    other = ctx.scheduled(starts_in=4 * DAY)
    b = ctx.scheduled(**{same: getattr(other, same)})
    assert other.session is not None
    return _move(ctx, b, scheduled_at=other.session["scheduled_at"])


def _move_outside_mentor(ctx: Ctx) -> tuple[Api, dict[str, Any]]:
    b = ctx.scheduled()
    ctx.window(b.mentor, ctx.now() + 8 * DAY, ctx.now() + 9 * DAY)
    return _move(ctx, b)


def _session_call(state: str, who: str = "mentor", **args: Any) -> Build:
    """A call on a session in `state` by `who` (student / mentor / admin / stranger / nobody)."""

    def build(ctx: Ctx) -> tuple[Api, dict[str, Any]]:
        b = {
            "scheduled": ctx.scheduled,
            "started": ctx.started,
            "completed": ctx.completed,
            "cancelled": ctx.cancelled,
        }[state]()
        api = {
            "student": lambda: b.as_student,
            "mentor": lambda: b.as_mentor,
            "admin": lambda: ctx.admin,
            "stranger": lambda: ctx.stranger("mentor"),
            "nobody": lambda: ctx.nobody,
        }[who]()
        call_args: dict[str, Any] = {"session_id": b.session_id}
        call_args.update(args)
        return api, call_args

    return build


def _join_at(offset: dt.timedelta, **scheduled: Any) -> Build:
    def build(ctx: Ctx) -> tuple[Api, dict[str, Any]]:
        b = ctx.scheduled(**scheduled)
        assert b.session is not None
        shift_session(ctx.db, b.session_id, (ctx.now() + offset) - b.session["scheduled_at"])
        return b.as_student, {"session_id": b.session_id}

    return build


def _complete_args(**overrides: Any) -> dict[str, Any]:
    args = {"mentor_notes": "ok", "topics_covered": ["a"], "action_items": ["b"], "follow_up_needed": False,
            "actual_duration_minutes": 30}
    args.update(overrides)
    return args


def _rated_twice(ctx: Ctx) -> tuple[Api, dict[str, Any]]:
    b = ctx.completed()
    b.as_student.rpc("rate_mini_session", session_id=b.session_id, rating=4, feedback=None)
    return b.as_student, {"session_id": b.session_id, "rating": 5, "feedback": None}


def _phone(ctx: Ctx) -> tuple[Api, dict[str, Any]]:
    b = ctx.scheduled(meeting_type="phone", meeting_platform="phone", meeting_link=None)
    return b.as_mentor, {"session_id": b.session_id}


# Request-side RPCs (part A): the same guarantee, against their documented refusals.
def _open_request(ctx: Ctx) -> tuple[Api, dict[str, Any], uuid.UUID]:
    student = ctx.sessions.student()
    req = create_request(ctx.as_user(student))
    return ctx.as_user(student), req, student


def _claim(ctx: Ctx, who: str) -> tuple[Api, dict[str, Any]]:
    owner, req, _ = _open_request(ctx)
    if who == "claimed":
        ctx.stranger("mentor").rpc("claim_mini_request", request_id=req["id"])
    api = {"owner": owner, "student": ctx.stranger("student"), "claimed": ctx.stranger("mentor")}.get(
        who, ctx.stranger("mentor")
    )
    return api, {"request_id": req["id"]}


def _request_call(rpc_state: str, who: str, **args: Any) -> Build:
    def build(ctx: Ctx) -> tuple[Api, dict[str, Any]]:
        b = ctx.claimed() if rpc_state != "scheduled" else ctx.scheduled()
        api = {"student": b.as_student, "mentor": b.as_mentor, "stranger": ctx.stranger("student"),
               "nobody": ctx.nobody}[who]
        call_args: dict[str, Any] = {"request_id": b.request_id, "reason": "because"}
        call_args.update(args)
        return api, call_args

    return build


def _browse(ctx: Ctx, **args: Any) -> tuple[Api, dict[str, Any]]:
    return ctx.stranger("mentor"), args


def _guest(ctx: Ctx) -> Api:
    """A pool mentor whose JWT is a Supabase anonymous sign-in (is_anonymous: true)."""
    api = ctx.stranger("mentor")
    api.claims["is_anonymous"] = True
    return api


def _release_over_limit(ctx: Ctx) -> tuple[Api, dict[str, Any]]:
    ctx.db.query("update private.settings set max_releases_per_mentor_per_day = 0")
    return _request_call("claimed", "mentor")(ctx)


SOON = dt.timedelta(minutes=5)

CASES: list[Case] = [
    # schedule_mini_session
    Case("schedule_mini_session", "42501", "not_authenticated",
         lambda c: (c.nobody, _sched(c)[1])),
    Case("schedule_mini_session", "22023", "request_id", lambda c: _sched(c, request_id=None)),
    Case("schedule_mini_session", "22023", "scheduled_at",
         lambda c: _sched(c, scheduled_at=c.now() - dt.timedelta(minutes=1))),
    Case("schedule_mini_session", "22023", "duration_minutes", lambda c: _sched(c, duration_minutes=20)),
    Case("schedule_mini_session", "22023", "meeting_type", lambda c: _sched(c, meeting_type="hologram")),
    Case("schedule_mini_session", "22023", "meeting_platform", lambda c: _sched(c, meeting_platform="skype")),
    Case("schedule_mini_session", "22023", "meeting_link", lambda c: _sched(c, meeting_link="data:text/html,x")),
    Case("schedule_mini_session", "22023", "location", lambda c: _sched(c, location="x" * 501)),
    Case("schedule_mini_session", "22023", "timezone", lambda c: _sched(c, timezone="EST5EDT4")),
    Case("schedule_mini_session", "PT404", "request_not_found", lambda c: _sched(c, request_id=uuid.uuid4())),
    Case("schedule_mini_session", "42501", "not_pool_mentor",
         lambda c: (lambda b: (b.as_student, _schedule_args(b, c.now() + 2 * DAY)))(c.claimed())),
    Case("schedule_mini_session", "42501", "not_claiming_mentor", _sched_released),
    Case("schedule_mini_session", "PT409", "request_not_claimed", _sched_not_claimed),
    Case("schedule_mini_session", "PT409", "outside_student_window", _sched_outside_student),
    Case("schedule_mini_session", "PT409", "outside_mentor_availability", _sched_outside_mentor),
    Case("schedule_mini_session", "PT409", "mentor_busy", _sched_mentor_busy),
    Case("schedule_mini_session", "PT409", "student_busy", _sched_student_busy),
    # reschedule_mini_session
    Case("reschedule_mini_session", "42501", "not_authenticated", lambda c: _move(c, api=c.nobody)),
    Case("reschedule_mini_session", "22023", "session_id", lambda c: _move(c, session_id=None)),
    Case("reschedule_mini_session", "22023", "scheduled_at", lambda c: _move(c, scheduled_at=None)),
    Case("reschedule_mini_session", "22023", "reason", lambda c: _move(c, reason=" ")),
    Case("reschedule_mini_session", "PT404", "session_not_found", lambda c: _move(c, session_id=uuid.uuid4())),
    Case("reschedule_mini_session", "42501", "not_session_mentor",
         lambda c: (lambda b: _move(c, b, api=b.as_student))(c.scheduled())),
    Case("reschedule_mini_session", "PT409", "session_not_scheduled", lambda c: _move(c, c.cancelled())),
    Case("reschedule_mini_session", "PT409", "outside_student_window",
         lambda c: _move(c, c.scheduled(date_end=c.now().date() + 3 * DAY))),
    Case("reschedule_mini_session", "PT409", "outside_mentor_availability", _move_outside_mentor),
    Case("reschedule_mini_session", "PT409", "mentor_busy", lambda c: _move_busy(c, "mentor")),
    Case("reschedule_mini_session", "PT409", "student_busy", lambda c: _move_busy(c, "student")),
    # cancel_mini_session
    Case("cancel_mini_session", "42501", "not_authenticated", _session_call("scheduled", "nobody", reason="x")),
    Case("cancel_mini_session", "22023", "session_id", _session_call("scheduled", session_id=None, reason="x")),
    Case("cancel_mini_session", "22023", "reason", _session_call("scheduled", "student", reason="r" * 1001)),
    Case("cancel_mini_session", "22023", "reason_required", _session_call("scheduled", "mentor", reason=None)),
    Case("cancel_mini_session", "PT404", "session_not_found", _session_call("scheduled", "stranger", reason="x")),
    Case("cancel_mini_session", "PT409", "session_not_active", _session_call("completed", "student", reason="x")),
    Case("cancel_mini_session", "PT409", "session_attended",
         lambda c: (lambda b: (b.as_student, {"session_id": b.session_id, "reason": "x"}))(_attended(c, ended=True))),
    # join_mini_session
    Case("join_mini_session", "42501", "not_authenticated", _session_call("started", "nobody")),
    Case("join_mini_session", "22023", "session_id", _session_call("started", "student", session_id=None)),
    Case("join_mini_session", "PT404", "session_not_found", _session_call("started", "stranger")),
    Case("join_mini_session", "42501", "not_session_participant", _session_call("started", "admin")),
    Case("join_mini_session", "PT409", "session_not_active", _session_call("cancelled", "student")),
    Case("join_mini_session", "PT409", "too_early", _join_at(dt.timedelta(minutes=30))),
    Case("join_mini_session", "PT409", "session_over", _join_at(-dt.timedelta(hours=2))),
    Case("join_mini_session", "PT409", "no_meeting_link", _join_at(SOON, meeting_link=None)),
    # complete_mini_session
    Case("complete_mini_session", "42501", "not_authenticated", _session_call("started", "nobody", **_complete_args())),
    Case("complete_mini_session", "22023", "session_id",
         _session_call("started", session_id=None, **_complete_args())),
    Case("complete_mini_session", "22023", "mentor_notes",
         _session_call("started", **_complete_args(mentor_notes="n" * 5001))),
    Case("complete_mini_session", "22023", "topics_covered",
         _session_call("started", **_complete_args(topics_covered=[""]))),
    Case("complete_mini_session", "22023", "action_items",
         _session_call("started", **_complete_args(action_items=["a" * 501]))),
    Case("complete_mini_session", "22023", "follow_up_needed",
         _session_call("started", **_complete_args(follow_up_needed=None))),
    Case("complete_mini_session", "22023", "actual_duration_minutes",
         _session_call("started", **_complete_args(actual_duration_minutes=241))),
    Case("complete_mini_session", "PT404", "session_not_found",
         _session_call("started", "stranger", **_complete_args())),
    Case("complete_mini_session", "42501", "not_session_mentor",
         _session_call("started", "student", **_complete_args())),
    Case("complete_mini_session", "PT409", "session_not_active", _session_call("cancelled", **_complete_args())),
    Case("complete_mini_session", "PT409", "session_not_started", _session_call("scheduled", **_complete_args())),
    # mark_mini_no_show
    Case("mark_mini_no_show", "42501", "not_authenticated", _session_call("started", "nobody", absent="student")),
    Case("mark_mini_no_show", "22023", "session_id", _session_call("started", session_id=None, absent="student")),
    Case("mark_mini_no_show", "22023", "absent", _session_call("started", absent="nobody")),
    Case("mark_mini_no_show", "PT404", "session_not_found", _session_call("started", "stranger", absent="student")),
    Case("mark_mini_no_show", "42501", "cannot_mark_own_absence", _session_call("started", absent="mentor")),
    Case("mark_mini_no_show", "PT409", "session_not_active", _session_call("completed", absent="student")),
    Case("mark_mini_no_show", "PT409", "no_show_too_early", _session_call("scheduled", absent="student")),
    Case("mark_mini_no_show", "PT409", "participant_attended",
         lambda c: (lambda b: (b.as_mentor, {"session_id": b.session_id, "absent": "student"}))(
             _attended(c, ended=False))),
    Case("mark_mini_no_show", "PT409", "reporter_not_joined", _session_call("started", absent="student")),
    # rate_mini_session
    Case("rate_mini_session", "42501", "not_authenticated",
         _session_call("completed", "nobody", rating=5, feedback=None)),
    Case("rate_mini_session", "22023", "session_id",
         _session_call("completed", session_id=None, rating=5, feedback=None)),
    Case("rate_mini_session", "22023", "rating", _session_call("completed", rating=6, feedback=None)),
    Case("rate_mini_session", "22023", "feedback", _session_call("completed", rating=5, feedback="f" * 2001)),
    Case("rate_mini_session", "PT404", "session_not_found",
         _session_call("completed", "stranger", rating=5, feedback=None)),
    Case("rate_mini_session", "42501", "not_session_participant",
         _session_call("completed", "admin", rating=5, feedback=None)),
    Case("rate_mini_session", "PT409", "session_not_completed", _session_call("started", rating=5, feedback=None)),
    Case("rate_mini_session", "PT409", "already_rated", _rated_twice),
    # request_mini_meeting_link
    Case("request_mini_meeting_link", "42501", "not_authenticated", _session_call("scheduled", "nobody")),
    Case("request_mini_meeting_link", "22023", "session_id", _session_call("scheduled", session_id=None)),
    Case("request_mini_meeting_link", "PT404", "session_not_found", _session_call("scheduled", "stranger")),
    Case("request_mini_meeting_link", "42501", "not_session_participant", _session_call("scheduled", "admin")),
    Case("request_mini_meeting_link", "PT409", "session_not_active", _session_call("cancelled")),
    Case("request_mini_meeting_link", "PT409", "no_link_provider", _phone),
    # update_mini_session_meeting (issue 12)
    Case("update_mini_session_meeting", "42501", "not_authenticated", _session_call("scheduled", "nobody")),
    Case("update_mini_session_meeting", "22023", "session_id", _session_call("scheduled", session_id=None)),
    Case("update_mini_session_meeting", "22023", "meeting_type", _session_call("scheduled", meeting_type="fax")),
    Case("update_mini_session_meeting", "22023", "meeting_platform",
         _session_call("scheduled", meeting_platform="skype")),
    Case("update_mini_session_meeting", "22023", "meeting_link",
         _session_call("scheduled", meeting_link="ftp://x.test")),
    Case("update_mini_session_meeting", "22023", "location",
         _session_call("scheduled", meeting_type="in-person", location="")),
    Case("update_mini_session_meeting", "PT404", "session_not_found", _session_call("scheduled", "stranger")),
    Case("update_mini_session_meeting", "42501", "not_session_mentor", _session_call("scheduled", "student")),
    Case("update_mini_session_meeting", "PT409", "session_not_scheduled",
         _session_call("cancelled", location="Room 1")),
    # update_mini_session_notes
    Case("update_mini_session_notes", "42501", "not_authenticated",
         _session_call("scheduled", "nobody", student_notes="n")),
    Case("update_mini_session_notes", "22023", "session_id",
         _session_call("scheduled", "student", session_id=None, student_notes="n")),
    Case("update_mini_session_notes", "22023", "student_notes",
         _session_call("scheduled", "student", student_notes="n" * 5001)),
    Case("update_mini_session_notes", "PT404", "session_not_found",
         _session_call("scheduled", "stranger", student_notes="n")),
    Case("update_mini_session_notes", "42501", "not_session_student",
         _session_call("scheduled", "mentor", student_notes="n")),
    # mini_mentorship_analytics
    Case("mini_mentorship_analytics", "42501", "not_authenticated", lambda c: (c.nobody, {})),
    Case("mini_mentorship_analytics", "42501", "not_admin", lambda c: (c.stranger("mentor"), {})),
    Case("mini_mentorship_analytics", "22023", "since",
         lambda c: (c.admin, {"since": c.now(), "until": c.now() - DAY})),
    Case("mini_mentorship_analytics", "22023", "until", lambda c: (c.admin, {"until": "infinity"})),
    # admin_list_mini_* (issue 15: admins read through these, not through the row policies)
    *[
        case
        for rpc in ("admin_list_mini_requests", "admin_list_mini_sessions", "admin_list_mini_availability",
                    "admin_list_mini_events")
        for case in (
            Case(rpc, "42501", "not_authenticated", lambda c: (c.nobody, {})),
            Case(rpc, "42501", "not_admin", lambda c: (c.stranger("mentor"), {})),
            Case(rpc, "22023", "page_size", lambda c: (c.admin, {"page_size": 101})),
        )
    ],
    *[
        Case(rpc, "22023", "after", lambda c: (c.admin, {"after": uuid.uuid4()}))
        for rpc in ("admin_list_mini_requests", "admin_list_mini_sessions", "admin_list_mini_availability")
    ],
    Case("admin_list_mini_requests", "22023", "status", lambda c: (c.admin, {"status": "lost"})),
    Case("admin_list_mini_sessions", "22023", "status", lambda c: (c.admin, {"status": "lost"})),
    # claim_mini_request (part A)
    Case("claim_mini_request", "42501", "not_authenticated", lambda c: (c.nobody, {"request_id": uuid.uuid4()})),
    Case("claim_mini_request", "42501", "anonymous_user", lambda c: (_guest(c), {"request_id": uuid.uuid4()})),
    Case("claim_mini_request", "22023", "request_id", lambda c: (c.stranger("mentor"), {"request_id": None})),
    Case("claim_mini_request", "42501", "not_pool_mentor", lambda c: _claim(c, "student")),
    Case("claim_mini_request", "PT404", "request_not_found",
         lambda c: (c.stranger("mentor"), {"request_id": uuid.uuid4()})),
    Case("claim_mini_request", "42501", "own_request",
         lambda c: (lambda s: (c.as_user(s), {"request_id": create_request(c.as_user(s))["id"]}))(
             c.sessions.make_user("mentor"))),
    Case("claim_mini_request", "PT409", "request_not_open", lambda c: _claim(c, "claimed")),
    # release_mini_request (part A)
    Case("release_mini_request", "42501", "not_authenticated", _request_call("claimed", "nobody")),
    Case("release_mini_request", "22023", "request_id", _request_call("claimed", "mentor", request_id=None)),
    Case("release_mini_request", "22023", "reason", _request_call("claimed", "mentor", reason=None)),
    Case("release_mini_request", "PT404", "request_not_found", _request_call("claimed", "stranger")),
    Case("release_mini_request", "42501", "not_claiming_mentor", _request_call("claimed", "student")),
    Case("release_mini_request", "PT409", "request_not_claimed", _request_call("scheduled", "mentor")),
    Case("release_mini_request", "PT429", "release_limit_reached", _release_over_limit),
    # cancel_mini_request (part A)
    Case("cancel_mini_request", "42501", "not_authenticated", _request_call("claimed", "nobody")),
    Case("cancel_mini_request", "22023", "request_id", _request_call("claimed", "student", request_id=None)),
    Case("cancel_mini_request", "22023", "reason", _request_call("claimed", "student", reason="")),
    Case("cancel_mini_request", "PT404", "request_not_found", _request_call("claimed", "stranger")),
    Case("cancel_mini_request", "42501", "not_request_owner", _request_call("claimed", "mentor")),
    Case("cancel_mini_request", "PT409", "request_not_cancellable", _request_call("scheduled", "student")),
    # browse_mini_requests (part A)
    Case("browse_mini_requests", "42501", "not_authenticated", lambda c: (c.nobody, {})),
    Case("browse_mini_requests", "42501", "anonymous_user", lambda c: (_guest(c), {})),
    Case("browse_mini_requests", "42501", "not_pool_mentor", lambda c: (c.stranger("student"), {})),
    Case("browse_mini_requests", "22023", "page_size", lambda c: _browse(c, page_size=0)),
    Case("browse_mini_requests", "22023", "session_types", lambda c: _browse(c, session_types=["nap"])),
    Case("browse_mini_requests", "22023", "durations", lambda c: _browse(c, durations=[90])),
    Case("browse_mini_requests", "22023", "urgencies", lambda c: _browse(c, urgencies=["now"])),
    Case("browse_mini_requests", "22023", "tags", lambda c: _browse(c, tags=["x" * 41])),
    Case("browse_mini_requests", "22023", "search", lambda c: _browse(c, search="s" * 201)),
    Case("browse_mini_requests", "22023", "after", lambda c: _browse(c, after="not-a-cursor")),
]


@pytest.fixture
def ctx(db: Database, make_user: MakeUser, as_user: AsUser, as_admin: Api) -> Iterator[Ctx]:
    nobody = Api(db.authenticator_url, "authenticated", {"role": "authenticated", "aud": "authenticated"})
    yield Ctx(db, Sessions(db, make_user, as_user), as_user, as_admin, nobody)
    nobody.close()


@pytest.mark.parametrize("case", CASES, ids=[f"{c.rpc}-{c.hint}" for c in CASES])
def test_every_documented_refusal_is_a_client_error_with_a_hint(ctx: Ctx, case: Case) -> None:
    api, args = case.build(ctx)
    with pytest.raises(ApiError) as info:
        api.rpc(case.rpc, **args)
    err = info.value
    assert (err.code, err.hint) == (case.code, case.hint), (
        f"{case.rpc} should refuse with {case.code} / {case.hint}, got {err}"
    )
    assert err.http_status < 500, f"{case.rpc} / {case.hint} reaches the app as HTTP {err.http_status}"
    assert err.http_status == http_status(case.code), "the status is PostgREST's mapping of the SQLSTATE"
    assert err.hint, f"{case.rpc} / {case.code}: every refusal carries a stable hint"
    assert err.message and not err.message.startswith(("new row", "duplicate key", "permission denied")), (
        f"{case.rpc} / {case.hint}: the message is written for a UI"
    )


def test_the_sqlstates_we_must_never_raise_would_be_server_errors() -> None:
    # Why the translations matter: left alone these would reach the app as 5xx (or a misleading 400).
    assert http_status("P0002") == 500 and http_status("55P03") == 500 and http_status("40P01") == 500
    assert http_status("23P01") == 400, "an exclusion violation would be a 400, not the conflict it is"
    assert (http_status("PT404"), http_status("PT409"), http_status("22023"), http_status("42501")) == (
        404, 409, 400, 403
    )
    assert http_status("PT429") == 429, "a limit reached is Too Many Requests"
    assert http_status("42501", authenticated=False) == 401


HELPER_HINTS = {
    "require_signed_in": {"not_authenticated"},
    "raise_session_not_found": {"session_not_found"},
    "raise_request_not_found": {"request_not_found"},
    "lock_visible_request": {"request_not_found"},
    "refuse_anonymous": {"anonymous_user"},
    "require_admin": {"not_authenticated", "not_admin"},
    "check_admin_page_size": {"page_size"},
    "check_release_limit": {"release_limit_reached"},
    "clean_reason": {"reason"},
    "clean_tags": {"tags"},
    "check_session_time": {"scheduled_at", "outside_student_window", "outside_mentor_availability"},
    "check_session_start": {"scheduled_at"},
    "lock_visible_session": {"session_not_found"},
    "lock_claimed_request": {"request_not_found"},
    "raise_session_overlap": {"mentor_busy", "student_busy"},
}
HINT_PATTERNS = [
    re.compile(r"hint\s*=\s*'([a-z_]+)'"),
    re.compile(r"raise_bad_field\(\s*'([a-z_]+)'"),
    re.compile(r"clean_(?:optional_text|optional_url|text_list)\(\s*'([a-z_]+)'"),
    re.compile(r"check_(?:text|list)_size\(\s*'([a-z_]+)'"),
]


def test_every_hint_an_rpc_can_raise_has_a_case_and_every_rpc_is_listed(db: Database) -> None:
    rpcs = db.query(
        # A public RPC is a security-invoker wrapper; its refusals live in the private implementation of the
        # same name (issue 8 part 9), so both sources count.
        "select p.proname, p.prosrc || coalesce((select string_agg(i.prosrc, ' ') from pg_catalog.pg_proc as i "
        "join pg_catalog.pg_namespace as ni on ni.oid = i.pronamespace "
        "where ni.nspname = 'private' and i.proname = p.proname), '') as prosrc "
        "from pg_catalog.pg_proc as p "
        "join pg_catalog.pg_namespace as n on n.oid = p.pronamespace "
        "where n.nspname = 'public' and has_function_privilege('authenticated', p.oid, 'execute')"
    )
    covered: dict[str, set[str]] = {}
    for case in CASES:
        covered.setdefault(case.rpc, set()).add(case.hint)
    assert {r["proname"] for r in rpcs} == set(covered), (
        "every RPC the app can call must have its refusals listed here (and only those)"
    )
    for rpc in rpcs:
        raised = {m for pattern in HINT_PATTERNS for m in pattern.findall(rpc["prosrc"])}
        for helper, hints in HELPER_HINTS.items():
            if f"private.{helper}(" in rpc["prosrc"]:
                raised |= hints
        missing = raised - covered[rpc["proname"]]
        assert not missing, f"{rpc['proname']} can refuse with {sorted(missing)} but no case here drives it there"
