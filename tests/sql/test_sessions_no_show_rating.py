"""mark_mini_no_show and rate_mini_session."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest

from mini_mentorship.testing.api import Api
from mini_mentorship.testing.database import Database
from tests.sql.builders import Sessions, events, refused_unchanged, request_row, session_row

MakeUser = Callable[..., uuid.UUID]
AsUser = Callable[[uuid.UUID], Api]


@pytest.fixture
def sessions(db: Database, make_user: MakeUser, as_user: AsUser) -> Sessions:
    return Sessions(db, make_user, as_user)


# ---------------------------------------------------------------------------------------------------------
# mark_mini_no_show
# ---------------------------------------------------------------------------------------------------------

def test_the_mentor_marks_an_absent_student_and_the_request_is_cancelled(db: Database, sessions: Sessions) -> None:
    booking = sessions.started(ago=dt.timedelta(minutes=11))
    booking.as_mentor.rpc("join_mini_session", session_id=booking.session_id)  # the reporter was there
    before = len(events(db, booking.request_id))

    marked = booking.as_mentor.rpc("mark_mini_no_show", session_id=booking.session_id, absent="student")

    assert (marked["status"], marked["no_show_absent"], marked["no_show_marked_by"]) == (
        "no-show", "student", booking.mentor
    )
    assert marked["no_show_marked_at"] is not None
    request = request_row(db, booking.request_id)
    assert (request["status"], request["cancellation_reason"]) == (
        "cancelled", "The student did not attend the scheduled session."
    ), "a student no-show closes the request"
    assert [(e["event"], e["from_status"], e["to_status"], e["actor_role"])
            for e in events(db, booking.request_id)[before:]] == [
        ("session.no_show", "in-progress", "no-show", "mentor"),
        ("request.cancelled", "scheduled", "cancelled", "mentor"),
    ]
    assert events(db, booking.request_id)[before]["detail"]["absent"] == "student"


def test_the_student_marks_an_absent_mentor_and_the_request_reopens(
    db: Database, sessions: Sessions, as_user: AsUser
) -> None:
    booking = sessions.in_progress()  # the student joined, the mentor never came
    marked = booking.as_student.rpc("mark_mini_no_show", session_id=booking.session_id, absent="mentor")
    assert (marked["status"], marked["no_show_absent"], marked["no_show_marked_by"]) == (
        "no-show", "mentor", booking.student
    )
    request = request_row(db, booking.request_id)
    assert (request["status"], request["claimed_by_mentor_id"], request["last_release_reason"]) == (
        "open", None, "The mentor did not attend the scheduled session."
    ), "a mentor no-show gives the request back to the pool"
    assert events(db, booking.request_id)[-1]["event"] == "request.reopened"
    assert as_user(sessions.mentor()).rpc("claim_mini_request", request_id=booking.request_id)["status"] == "claimed"


@pytest.mark.parametrize(("absent", "request_status"), [("both", "cancelled"), ("student", "cancelled"),
                                                        ("mentor", "open")])
def test_an_admin_may_record_any_absence(
    db: Database, sessions: Sessions, as_admin: Api, absent: str, request_status: str
) -> None:
    booking = sessions.started()
    marked = as_admin.rpc("mark_mini_no_show", session_id=booking.session_id, absent=absent)
    assert (marked["no_show_absent"], marked["no_show_marked_by"]) == (absent, as_admin.uid)
    assert request_row(db, booking.request_id)["status"] == request_status


@pytest.mark.parametrize(("who", "absent"), [("student", "student"), ("student", "both"),
                                             ("mentor", "mentor"), ("mentor", "both")])
def test_nobody_marks_their_own_absence(db: Database, sessions: Sessions, who: str, absent: str) -> None:
    booking = sessions.started()
    api = booking.as_student if who == "student" else booking.as_mentor
    refused_unchanged(db, lambda: api.rpc("mark_mini_no_show", session_id=booking.session_id, absent=absent),
                      code="42501", hint="cannot_mark_own_absence", status=403, who=f"the {who}",
                      what=f"marking absent={absent}")


def test_a_no_show_waits_for_ten_minutes_of_grace(db: Database, sessions: Sessions) -> None:
    for booking, what in [(sessions.scheduled(), "before the session starts"),
                          (sessions.started(ago=dt.timedelta(minutes=9)), "9 minutes after the start")]:
        refused_unchanged(db, partial(booking.as_mentor.rpc, "mark_mini_no_show", session_id=booking.session_id,
                                      absent="student"),
            code="PT409", hint="no_show_too_early", status=409, who="the mentor", what=f"marking a no-show {what}")


def test_who_may_mark_a_no_show(db: Database, sessions: Sessions, as_user: AsUser, as_anon: Api) -> None:
    booking = sessions.started()
    refused_unchanged(db, lambda: as_anon.rpc("mark_mini_no_show", session_id=booking.session_id, absent="student"),
                      code="42501", hint=None, status=401, who="anon", what="marking a no-show")
    refused_unchanged(db, lambda: as_user(sessions.mentor()).rpc("mark_mini_no_show", session_id=booking.session_id,
                                                                 absent="student"),
                      code="PT404", hint="session_not_found", status=404, who="another mentor",
                      what="marking someone else's session")


@pytest.mark.parametrize(("arg", "value"), [("session_id", None), ("absent", None), ("absent", "nobody"),
                                            ("absent", "Student")])
def test_no_show_arguments_are_checked(db: Database, sessions: Sessions, arg: str, value: Any) -> None:
    booking = sessions.started()
    args: dict[str, Any] = {"session_id": booking.session_id, "absent": "student"}
    args[arg] = value
    refused_unchanged(db, lambda: booking.as_mentor.rpc("mark_mini_no_show", **args), code="22023", hint=arg,
                      status=400, who="the mentor", what=f"marking a no-show with {arg}={value!r}")


@pytest.mark.parametrize("state", ["completed", "cancelled", "no-show"])
def test_an_ended_session_cannot_become_a_no_show(db: Database, sessions: Sessions, state: str) -> None:
    booking = sessions.completed() if state == "completed" else sessions.started()
    if state == "cancelled":
        booking.as_student.rpc("cancel_mini_session", session_id=booking.session_id, reason=None)
    elif state == "no-show":
        booking.as_student.rpc("join_mini_session", session_id=booking.session_id)
        booking.as_student.rpc("mark_mini_no_show", session_id=booking.session_id, absent="mentor")
    refused_unchanged(db, lambda: booking.as_mentor.rpc("mark_mini_no_show", session_id=booking.session_id,
                                                        absent="student"),
                      code="PT409", hint="session_not_active", status=409, who="the mentor",
                      what=f"marking a {state} session no-show")


# ---------------------------------------------------------------------------------------------------------
# rate_mini_session
# ---------------------------------------------------------------------------------------------------------

def test_each_side_rates_once_into_its_own_columns(db: Database, sessions: Sessions) -> None:
    booking = sessions.completed()
    before = len(events(db, booking.request_id))

    rated = booking.as_student.rpc("rate_mini_session", session_id=booking.session_id, rating=5,
                                   feedback="  Very helpful  ")
    assert (rated["student_rating"], rated["student_feedback"]) == (5, "Very helpful")
    assert (rated["mentor_rating"], rated["mentor_feedback"]) == (None, None), "the mentor's side is untouched"

    rated = booking.as_mentor.rpc("rate_mini_session", session_id=booking.session_id, rating=4, feedback=None)
    assert (rated["student_rating"], rated["mentor_rating"], rated["mentor_feedback"]) == (5, 4, None)

    assert [(e["event"], e["actor_id"], e["actor_role"], e["detail"])
            for e in events(db, booking.request_id)[before:]] == [
        ("session.rated", booking.student, "student", {"side": "student", "rating": 5}),
        ("session.rated", booking.mentor, "mentor", {"side": "mentor", "rating": 4}),
    ], "each rating is recorded once, by its side"
    assert session_row(db, booking.session_id)["status"] == "completed", "rating does not change the status"


@pytest.mark.parametrize("side", ["student", "mentor"])
def test_a_side_cannot_rate_twice(db: Database, sessions: Sessions, side: str) -> None:
    booking = sessions.completed()
    api = booking.as_student if side == "student" else booking.as_mentor
    api.rpc("rate_mini_session", session_id=booking.session_id, rating=3, feedback="ok")
    refused_unchanged(db, lambda: api.rpc("rate_mini_session", session_id=booking.session_id, rating=5,
                                          feedback="better on reflection"),
                      code="PT409", hint="already_rated", status=409, who=f"the {side}", what="rating a second time")


@pytest.mark.parametrize("state", ["scheduled", "in-progress", "cancelled", "no-show"])
def test_only_a_completed_session_can_be_rated(db: Database, sessions: Sessions, state: str) -> None:
    booking = sessions.in_progress() if state in ("in-progress", "no-show") else sessions.scheduled()
    if state == "cancelled":
        booking.as_student.rpc("cancel_mini_session", session_id=booking.session_id, reason=None)
    elif state == "no-show":
        booking.as_student.rpc("mark_mini_no_show", session_id=booking.session_id, absent="mentor")
    refused_unchanged(db, lambda: booking.as_student.rpc("rate_mini_session", session_id=booking.session_id,
                                                         rating=1, feedback=None),
                      code="PT409", hint="session_not_completed", status=409, who="the student",
                      what=f"rating a {state} session")


def test_who_may_rate(db: Database, sessions: Sessions, as_user: AsUser, as_admin: Api, as_anon: Api) -> None:
    booking = sessions.completed()
    args = {"session_id": booking.session_id, "rating": 5, "feedback": None}
    refused_unchanged(db, lambda: as_anon.rpc("rate_mini_session", **args), code="42501", hint=None, status=401,
                      who="anon", what="rating a session")
    refused_unchanged(db, lambda: as_admin.rpc("rate_mini_session", **args), code="42501",
                      hint="not_session_participant", status=403, who="an admin", what="rating a session")
    refused_unchanged(db, lambda: as_user(sessions.student()).rpc("rate_mini_session", **args), code="PT404",
                      hint="session_not_found", status=404, who="another student",
                      what="rating someone else's session")


@pytest.mark.parametrize(
    ("arg", "value"),
    [("session_id", None), ("rating", None), ("rating", 0), ("rating", 6), ("rating", -1),
     ("feedback", "f" * 2001)],
)
def test_rating_arguments_are_checked(db: Database, sessions: Sessions, arg: str, value: Any) -> None:
    booking = sessions.completed()
    args: dict[str, Any] = {"session_id": booking.session_id, "rating": 4, "feedback": "fine"}
    args[arg] = value
    refused_unchanged(db, lambda: booking.as_student.rpc("rate_mini_session", **args), code="22023", hint=arg,
                      status=400, who="the student", what=f"rating with {arg}={value!r:.20}")


def test_rating_limits_are_inclusive(sessions: Sessions) -> None:
    booking = sessions.completed()
    assert booking.as_student.rpc("rate_mini_session", session_id=booking.session_id, rating=1,
                                  feedback="f" * 2000)["student_rating"] == 1
    assert booking.as_mentor.rpc("rate_mini_session", session_id=booking.session_id, rating=5,
                                 feedback="")["mentor_feedback"] is None, "blank feedback is stored as null"
