"""join_mini_session and complete_mini_session: the join window, attendance, and completing with notes."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from mini_mentorship.testing.api import Api
from mini_mentorship.testing.database import Database
from tests.sql.builders import (
    Sessions,
    db_now,
    events,
    refused_unchanged,
    request_row,
    session_row,
    shift_session,
)

MakeUser = Callable[..., uuid.UUID]
AsUser = Callable[[uuid.UUID], Api]


@pytest.fixture
def sessions(db: Database, make_user: MakeUser, as_user: AsUser) -> Sessions:
    return Sessions(db, make_user, as_user)


def starting_in(db: Database, sessions: Sessions, delta: dt.timedelta, **kwargs: Any) -> Any:
    """A scheduled session moved (in time only) to start `delta` from now."""
    booking = sessions.scheduled(**kwargs)
    assert booking.session is not None
    shift_session(db, booking.session_id, (db_now(db) + delta) - booking.session["scheduled_at"])
    return sessions.refresh(booking)


def trail(db: Database, request_id: uuid.UUID, since: int) -> list[tuple[Any, ...]]:
    return [(e["event"], e["actor_id"], e["detail"].get("participant")) for e in events(db, request_id)[since:]]


# ---------------------------------------------------------------------------------------------------------
# join_mini_session
# ---------------------------------------------------------------------------------------------------------

def test_joining_in_the_window_returns_the_link_records_attendance_and_starts_the_session(
    db: Database, sessions: Sessions
) -> None:
    booking = starting_in(db, sessions, dt.timedelta(minutes=10), meeting_link="https://meet.jit.si/room-1")
    before = len(events(db, booking.request_id))
    start = db_now(db)

    link = booking.as_student.rpc("join_mini_session", session_id=booking.session_id)

    assert link == "https://meet.jit.si/room-1", "joining returns the meeting link"
    row = session_row(db, booking.session_id)
    assert row["status"] == "in-progress", "the first join (even 10 minutes early) starts the session"
    assert row["student_joined_at"] >= start and row["mentor_joined_at"] is None, "only the student joined"
    assert row["started_at"] == row["student_joined_at"], "started_at is the first join"
    assert trail(db, booking.request_id, before) == [
        ("session.joined", booking.student, "student"),
        ("session.started", booking.student, None),
    ], "the first join writes session.joined then session.started"

    first_join = row["student_joined_at"]
    assert booking.as_mentor.rpc("join_mini_session", session_id=booking.session_id) == "https://meet.jit.si/room-1"
    assert booking.as_student.rpc("join_mini_session", session_id=booking.session_id) == "https://meet.jit.si/room-1"
    row = session_row(db, booking.session_id)
    assert row["mentor_joined_at"] is not None, "the mentor's first join is recorded"
    assert row["student_joined_at"] == first_join, "joining again does not move the first join"
    assert trail(db, booking.request_id, before)[2:] == [("session.joined", booking.mentor, "mentor")], (
        "the mentor's join adds one event; the student's second join adds none"
    )


def test_joining_more_than_15_minutes_early_is_refused(db: Database, sessions: Sessions) -> None:
    booking = starting_in(db, sessions, dt.timedelta(minutes=16))
    err = refused_unchanged(db, lambda: booking.as_student.rpc("join_mini_session", session_id=booking.session_id),
                            code="PT409", hint="too_early", status=409, who="the student",
                            what="joining 16 minutes before the start")
    assert "15 minutes" in err.message


def test_joining_after_the_end_is_refused(db: Database, sessions: Sessions) -> None:
    booking = starting_in(db, sessions, -dt.timedelta(minutes=61))
    refused_unchanged(db, lambda: booking.as_mentor.rpc("join_mini_session", session_id=booking.session_id),
                      code="PT409", hint="session_over", status=409, who="the mentor",
                      what="joining a 60-minute session 61 minutes after its start")


def test_a_late_join_while_the_session_runs_is_fine(db: Database, sessions: Sessions) -> None:
    booking = starting_in(db, sessions, -dt.timedelta(minutes=59))
    assert booking.as_mentor.rpc("join_mini_session", session_id=booking.session_id) == "https://meet.jit.si/mini-test"


def test_a_virtual_session_without_its_link_yet_says_so_and_records_nothing(db: Database, sessions: Sessions) -> None:
    booking = starting_in(db, sessions, dt.timedelta(minutes=5), meeting_link=None)
    refused_unchanged(db, lambda: booking.as_student.rpc("join_mini_session", session_id=booking.session_id),
                      code="PT409", hint="no_meeting_link", status=409, who="the student",
                      what="joining before the worker created the link")
    db.query("update public.mini_mentorship_sessions set meeting_link = 'https://meet.jit.si/late' where id = %s",
             (booking.session_id,))  # what the meeting-link worker does
    assert booking.as_student.rpc("join_mini_session", session_id=booking.session_id) == "https://meet.jit.si/late"


def test_a_phone_session_without_a_link_can_be_joined(db: Database, sessions: Sessions) -> None:
    booking = starting_in(db, sessions, dt.timedelta(minutes=5), meeting_link=None, meeting_type="phone",
                          meeting_platform="phone")
    assert booking.as_mentor.rpc("join_mini_session", session_id=booking.session_id) is None, (
        "a phone session has no link: null, and the join is still recorded"
    )
    row = session_row(db, booking.session_id)
    assert (row["status"], row["mentor_joined_at"] is not None) == ("in-progress", True)


def test_who_may_join(db: Database, sessions: Sessions, as_user: AsUser, as_admin: Api, as_anon: Api) -> None:
    booking = starting_in(db, sessions, dt.timedelta(minutes=5))
    refused_unchanged(db, lambda: as_anon.rpc("join_mini_session", session_id=booking.session_id), code="42501",
                      hint=None, status=401, who="anon", what="joining a session")
    refused_unchanged(db, lambda: as_admin.rpc("join_mini_session", session_id=booking.session_id), code="42501",
                      hint="not_session_participant", status=403, who="an admin", what="joining a session")
    refused_unchanged(db, lambda: as_user(sessions.student()).rpc("join_mini_session", session_id=booking.session_id),
                      code="PT404", hint="session_not_found", status=404, who="another student",
                      what="joining someone else's session")
    refused_unchanged(db, lambda: booking.as_student.rpc("join_mini_session", session_id=None), code="22023",
                      hint="session_id", status=400, who="the student", what="joining without a session id")
    refused_unchanged(db, lambda: booking.as_student.rpc("join_mini_session", session_id=uuid.uuid4()),
                      code="PT404", hint="session_not_found", who="the student", what="joining a missing session")


@pytest.mark.parametrize("state", ["completed", "cancelled", "no-show"])
def test_an_ended_session_cannot_be_joined(db: Database, sessions: Sessions, state: str) -> None:
    booking = sessions.in_progress()
    if state == "completed":
        booking.as_mentor.rpc("complete_mini_session", session_id=booking.session_id, mentor_notes=None,
                              topics_covered=None, action_items=None, follow_up_needed=False,
                              actual_duration_minutes=15)
    elif state == "cancelled":
        booking.as_student.rpc("cancel_mini_session", session_id=booking.session_id, reason=None)
    else:
        booking.as_student.rpc("mark_mini_no_show", session_id=booking.session_id, absent="mentor")
    refused_unchanged(db, lambda: booking.as_student.rpc("join_mini_session", session_id=booking.session_id),
                      code="PT409", hint="session_not_active", status=409, who="the student",
                      what=f"joining a {state} session")


# ---------------------------------------------------------------------------------------------------------
# complete_mini_session
# ---------------------------------------------------------------------------------------------------------

def complete(api: Api, session: uuid.UUID | None, **overrides: Any) -> Any:
    args: dict[str, Any] = {
        "session_id": session,
        "mentor_notes": "  Good progress on caching.  ",
        "topics_covered": [" caching ", "sharding"],
        "action_items": ["Read the Dynamo paper"],
        "follow_up_needed": True,
        "actual_duration_minutes": 55,
    }
    args.update(overrides)
    return api.rpc("complete_mini_session", **args)


def test_the_mentor_completes_an_in_progress_session(db: Database, sessions: Sessions) -> None:
    booking = sessions.in_progress()
    before = len(events(db, booking.request_id))

    done = complete(booking.as_mentor, booking.session_id)

    assert done["status"] == "completed" and done["ended_at"] is not None
    assert (done["mentor_notes"], done["topics_covered"], done["action_items"]) == (
        "Good progress on caching.", ["caching", "sharding"], ["Read the Dynamo paper"]
    ), "notes and list items are stored trimmed"
    assert (done["follow_up_needed"], done["actual_duration_minutes"]) == (True, 55)
    request = request_row(db, booking.request_id)
    assert (request["status"], request["completed_at"] is not None) == ("completed", True), (
        "completing the session completes the request"
    )
    assert [(e["event"], e["from_status"], e["to_status"], e["actor_role"])
            for e in events(db, booking.request_id)[before:]] == [
        ("session.completed", "in-progress", "completed", "mentor"),
        ("request.completed", "scheduled", "completed", "mentor"),
    ]
    assert events(db, booking.request_id)[before]["detail"]["actual_duration_minutes"] == 55


def test_a_started_session_nobody_joined_is_started_and_completed_in_one_go(db: Database, sessions: Sessions) -> None:
    booking = sessions.started(ago=dt.timedelta(minutes=40))
    before = len(events(db, booking.request_id))
    done = complete(booking.as_mentor, booking.session_id, mentor_notes=None, topics_covered=None,
                    action_items=None, follow_up_needed=False, actual_duration_minutes=1)
    assert done["status"] == "completed" and done["started_at"] is not None
    assert (done["mentor_notes"], done["topics_covered"], done["action_items"]) == (None, [], []), (
        "no notes is null, no lists are empty lists"
    )
    assert [e["event"] for e in events(db, booking.request_id)[before:]] == [
        "session.started", "session.completed", "request.completed"
    ], "the state machine is followed: scheduled -> in-progress -> completed, both recorded"


def test_a_session_cannot_be_completed_before_it_starts(db: Database, sessions: Sessions) -> None:
    booking = sessions.scheduled()
    refused_unchanged(db, lambda: complete(booking.as_mentor, booking.session_id), code="PT409",
                      hint="session_not_started", status=409, who="the mentor",
                      what="completing a session that has not started")


def test_only_the_sessions_mentor_completes(
    db: Database, sessions: Sessions, as_user: AsUser, as_admin: Api, as_anon: Api
) -> None:
    booking = sessions.in_progress()
    refused_unchanged(db, lambda: complete(as_anon, booking.session_id), code="42501", hint=None, status=401,
                      who="anon", what="completing a session")
    refused_unchanged(db, lambda: complete(booking.as_student, booking.session_id), code="42501",
                      hint="not_session_mentor", status=403, who="the student", what="completing their session")
    refused_unchanged(db, lambda: complete(as_admin, booking.session_id), code="42501", hint="not_session_mentor",
                      status=403, who="an admin", what="completing a session")
    refused_unchanged(db, lambda: complete(as_user(sessions.mentor()), booking.session_id), code="PT404",
                      hint="session_not_found", status=404, who="another mentor",
                      what="completing someone else's session")


BAD_COMPLETIONS: list[tuple[str, Any, str]] = [
    ("session_id", None, "session_id"),
    ("mentor_notes", "n" * 5001, "mentor_notes"),
    ("topics_covered", [f"t{i}" for i in range(21)], "topics_covered"),
    ("topics_covered", ["ok", "  "], "topics_covered"),
    ("topics_covered", ["ok", None], "topics_covered"),
    ("topics_covered", ["t" * 201], "topics_covered"),
    ("action_items", ["a" * 501], "action_items"),
    ("action_items", [f"a{i}" for i in range(21)], "action_items"),
    ("follow_up_needed", None, "follow_up_needed"),
    ("actual_duration_minutes", None, "actual_duration_minutes"),
    ("actual_duration_minutes", 0, "actual_duration_minutes"),
    ("actual_duration_minutes", 241, "actual_duration_minutes"),
    ("actual_duration_minutes", -5, "actual_duration_minutes"),
]


@pytest.mark.parametrize(("arg", "value", "hint"), BAD_COMPLETIONS,
                         ids=[f"{a}-{i}" for i, (a, _, _) in enumerate(BAD_COMPLETIONS)])
def test_completion_arguments_are_checked(db: Database, sessions: Sessions, arg: str, value: Any, hint: str) -> None:
    booking = sessions.in_progress()
    refused_unchanged(db, lambda: complete(booking.as_mentor, booking.session_id, **{arg: value}), code="22023",
                      hint=hint, status=400, who="the mentor", what=f"completing with {arg}={value!r:.30}")


def test_completion_limits_are_inclusive(db: Database, sessions: Sessions) -> None:
    booking = sessions.in_progress()
    done = complete(booking.as_mentor, booking.session_id, mentor_notes="n" * 5000,
                    topics_covered=["t" * 200] * 20, action_items=["a" * 500] * 20, actual_duration_minutes=240)
    assert done["actual_duration_minutes"] == 240 and len(done["topics_covered"]) == 20


@pytest.mark.parametrize("state", ["completed", "cancelled", "no-show"])
def test_an_ended_session_cannot_be_completed(db: Database, sessions: Sessions, state: str) -> None:
    booking = sessions.in_progress()
    if state == "completed":
        complete(booking.as_mentor, booking.session_id)
    elif state == "cancelled":
        booking.as_mentor.rpc("cancel_mini_session", session_id=booking.session_id, reason="sick")
    else:
        booking.as_student.rpc("mark_mini_no_show", session_id=booking.session_id, absent="mentor")
    refused_unchanged(db, lambda: complete(booking.as_mentor, booking.session_id), code="PT409",
                      hint="session_not_active", status=409, who="the mentor", what=f"completing a {state} session")
