"""cancel_mini_session: either participant or an admin; what happens to the request depends on who cancels."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest

from mini_mentorship.testing.api import Api
from mini_mentorship.testing.database import Database
from tests.sql.builders import Sessions, db_now, events, refused_unchanged, request_row, session_row

MakeUser = Callable[..., uuid.UUID]
AsUser = Callable[[uuid.UUID], Api]


@pytest.fixture
def sessions(db: Database, make_user: MakeUser, as_user: AsUser) -> Sessions:
    return Sessions(db, make_user, as_user)


def new_events(db: Database, request_id: uuid.UUID, since: int) -> list[tuple[Any, ...]]:
    return [
        (e["event"], e["from_status"], e["to_status"], e["actor_id"], e["actor_role"], e["reason"])
        for e in events(db, request_id)[since:]
    ]


def test_a_mentor_cancelling_reopens_the_request_for_other_mentors(
    db: Database, sessions: Sessions, as_user: AsUser
) -> None:
    booking = sessions.scheduled()
    # The request was created long ago: its original expiry has passed while it was scheduled.
    db.query("update public.mini_mentorship_requests set expires_at = now() - interval '1 day' where id = %s",
             (booking.request_id,))
    before = len(events(db, booking.request_id))
    start = db_now(db)

    cancelled = booking.as_mentor.rpc("cancel_mini_session", session_id=booking.session_id,
                                      reason="  I fell ill  ")

    assert (cancelled["status"], cancelled["cancelled_by"], cancelled["cancellation_reason"]) == (
        "cancelled", booking.mentor, "I fell ill"
    ), "the session is cancelled by the mentor with the trimmed reason"
    assert cancelled["sequence"] == 1 and cancelled["cancelled_at"] >= start, (
        "a cancellation bumps the ICS sequence (so calendars drop the event) and is stamped by the database"
    )
    request = request_row(db, booking.request_id)
    assert (request["status"], request["claimed_by_mentor_id"], request["claimed_at"]) == ("open", None, None), (
        "the mentor cancelling reopens the request and clears the claim"
    )
    assert (request["release_count"], request["last_released_by"], request["last_release_reason"]) == (
        1, booking.mentor, "I fell ill"
    ), "the reopening is recorded as a release by the mentor"
    assert request["expires_at"] >= start + dt.timedelta(days=7), (
        "a reopened request gets a fresh week before it expires, so it can actually be claimed"
    )
    assert new_events(db, booking.request_id, before) == [
        ("session.cancelled", "scheduled", "cancelled", booking.mentor, "mentor", "I fell ill"),
        ("request.reopened", "scheduled", "open", booking.mentor, "mentor", "I fell ill"),
    ]

    other = sessions.mentor()
    claimed = as_user(other).rpc("claim_mini_request", request_id=booking.request_id)
    assert claimed["claimed_by_mentor_id"] == other, "another pool mentor can claim the reopened request"


def test_a_student_cancelling_cancels_the_request_too(db: Database, sessions: Sessions) -> None:
    booking = sessions.scheduled()
    before = len(events(db, booking.request_id))

    cancelled = booking.as_student.rpc("cancel_mini_session", session_id=booking.session_id, reason=None)

    assert (cancelled["status"], cancelled["cancelled_by"], cancelled["cancellation_reason"]) == (
        "cancelled", booking.student, None
    ), "a student may cancel without a reason"
    request = request_row(db, booking.request_id)
    assert (request["status"], request["cancelled_by"], request["claimed_by_mentor_id"]) == (
        "cancelled", booking.student, booking.mentor
    ), "the student cancelling the session withdraws the request (the claim history stays)"
    assert new_events(db, booking.request_id, before) == [
        ("session.cancelled", "scheduled", "cancelled", booking.student, "student", None),
        ("request.cancelled", "scheduled", "cancelled", booking.student, "student", None),
    ]


def test_an_admin_cancelling_cancels_the_request_with_the_reason(
    db: Database, sessions: Sessions, as_admin: Api
) -> None:
    booking = sessions.scheduled()
    before = len(events(db, booking.request_id))
    as_admin.rpc("cancel_mini_session", session_id=booking.session_id, reason="Reported as spam")
    assert session_row(db, booking.session_id)["cancelled_by"] == as_admin.uid
    request = request_row(db, booking.request_id)
    assert (request["status"], request["cancelled_by"], request["cancellation_reason"]) == (
        "cancelled", as_admin.uid, "Reported as spam"
    )
    assert [(e[0], e[4]) for e in new_events(db, booking.request_id, before)] == [
        ("session.cancelled", "admin"), ("request.cancelled", "admin")
    ], "both changes are recorded as the admin's"


def test_a_session_in_progress_can_be_cancelled(db: Database, sessions: Sessions) -> None:
    booking = sessions.in_progress()
    cancelled = booking.as_student.rpc("cancel_mini_session", session_id=booking.session_id, reason="bad line")
    assert cancelled["status"] == "cancelled"
    assert request_row(db, booking.request_id)["status"] == "cancelled"


def test_who_may_cancel(db: Database, sessions: Sessions, as_user: AsUser, as_anon: Api) -> None:
    booking = sessions.scheduled()
    args = {"session_id": booking.session_id, "reason": "no"}
    refused_unchanged(db, lambda: as_anon.rpc("cancel_mini_session", **args), code="42501", hint=None, status=401,
                      who="anon", what="cancelling a session")
    for outsider, who in [(sessions.student(), "another student"), (sessions.mentor(), "another mentor")]:
        refused_unchanged(db, partial(as_user(outsider).rpc, "cancel_mini_session", **args),
                          code="PT404", hint="session_not_found", status=404, who=who,
                          what="cancelling someone else's session")
    refused_unchanged(db, lambda: booking.as_student.rpc("cancel_mini_session", session_id=uuid.uuid4(), reason=None),
                      code="PT404", hint="session_not_found", who="the student", what="cancelling a missing session")


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_a_mentor_must_say_why(db: Database, sessions: Sessions, reason: str | None) -> None:
    booking = sessions.scheduled()
    err = refused_unchanged(
        db, lambda: booking.as_mentor.rpc("cancel_mini_session", session_id=booking.session_id, reason=reason),
        code="22023", hint="reason_required", status=400, who="the mentor", what=f"cancelling with reason {reason!r}",
    )
    assert "why" in err.message.lower()


@pytest.mark.parametrize(("arg", "value", "hint"), [("session_id", None, "session_id"),
                                                     ("reason", "r" * 1001, "reason")])
def test_cancel_arguments_are_checked(db: Database, sessions: Sessions, arg: str, value: Any, hint: str) -> None:
    booking = sessions.scheduled()
    args: dict[str, Any] = {"session_id": booking.session_id, "reason": "fine"}
    args[arg] = value
    refused_unchanged(db, lambda: booking.as_student.rpc("cancel_mini_session", **args), code="22023", hint=hint,
                      status=400, who="the student", what=f"cancelling with {arg}={value!r:.20}")


@pytest.mark.parametrize("state", ["completed", "cancelled", "no-show"])
def test_an_ended_session_cannot_be_cancelled(db: Database, sessions: Sessions, state: str) -> None:
    if state == "completed":
        booking = sessions.completed()
    elif state == "cancelled":
        booking = sessions.scheduled()
        booking.as_student.rpc("cancel_mini_session", session_id=booking.session_id, reason=None)
    else:
        booking = sessions.in_progress()  # the student joined; the mentor never came
        booking.as_student.rpc("mark_mini_no_show", session_id=booking.session_id, absent="mentor")
    for api, who in [(booking.as_student, "the student"), (booking.as_mentor, "the mentor")]:
        refused_unchanged(db, partial(api.rpc, "cancel_mini_session", session_id=booking.session_id, reason="late"),
                          code="PT409", hint="session_not_active", status=409, who=who,
                          what=f"cancelling a {state} session")


def test_a_scheduled_request_cannot_be_cancelled_while_its_session_is_live(db: Database, sessions: Sessions) -> None:
    # The request machine allows scheduled -> cancelled ONLY once no live session remains.
    booking = sessions.scheduled()
    before = len(events(db, booking.request_id))
    with pytest.raises(Exception, match="cannot go from") as info:
        db.query("update public.mini_mentorship_requests set status = 'cancelled' where id = %s",
                 (booking.request_id,))
    assert getattr(info.value, "sqlstate", None) == "PT409", "even the database owner gets invalid_transition"
    assert request_row(db, booking.request_id)["status"] == "scheduled"
    assert len(events(db, booking.request_id)) == before
    assert session_row(db, booking.session_id)["status"] == "scheduled"
