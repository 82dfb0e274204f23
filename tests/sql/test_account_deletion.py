"""Deleting an account (issue 8 part 6): `delete from auth.users` succeeds whatever the user was doing.

Before the cascade, a trigger on auth.users cancels the user's live sessions, returns their claims to the
pool and cancels their own live requests, through the ordinary transitions (guards, audit events,
notifications). The cascade then removes what the foreign keys say and keeps history with NULL references.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from mini_mentorship.testing.api import Api
from mini_mentorship.testing.database import Database
from tests.sql.builders import Sessions
from tests.sql.requests_support import Lifecycle, event_names, events

OTHER_LEFT = "The other participant's account was deleted."
MENTOR_LEFT = "The mentor's account was deleted."
STUDENT_LEFT = "The student's account was deleted."


@pytest.fixture
def life(db: Database, make_user: Callable[..., uuid.UUID]) -> Lifecycle:
    return Lifecycle(db, make_user)


def delete_account(db: Database, uid: uuid.UUID) -> None:
    """What the dashboard's "Delete user" does (Supabase Auth runs it as supabase_auth_admin)."""
    db.query("delete from auth.users where id = %s", (uid,))


def requests_of(db: Database, uid: uuid.UUID) -> list[dict[str, Any]]:
    return db.query("select * from public.mini_mentorship_requests where student_id = %s", (uid,))


def sessions_with(db: Database, uid: uuid.UUID) -> list[dict[str, Any]]:
    return db.query(
        "select * from public.mini_mentorship_sessions where student_id = %s or mentor_id = %s", (uid, uid)
    )


def one_request(db: Database, request_id: Any) -> dict[str, Any]:
    return db.query("select * from public.mini_mentorship_requests where id = %s", (request_id,))[0]


def last_event(db: Database, request_id: Any, event: str) -> dict[str, Any]:
    matching = [e for e in events(db, request_id) if e["event"] == event]
    assert matching, f"expected a {event} event for request {request_id}, got {event_names(db, request_id)}"
    return matching[-1]


def assert_user_gone(db: Database, uid: uuid.UUID) -> None:
    assert db.scalar("select count(*) from auth.users where id = %s", (uid,)) == 0
    assert db.scalar("select count(*) from public.users where id = %s", (uid,)) == 0


def test_deleting_a_student_cancels_their_live_work_and_removes_their_requests(
    db: Database, life: Lifecycle
) -> None:
    student = life.student()
    opened = life.request("open", student=student)
    claiming_mentor = life.mentor()
    claimed = life.request("claimed", student=student, mentor=claiming_mentor)
    scheduled_mentor = life.mentor()
    scheduled = life.request("scheduled", student=student, mentor=scheduled_mentor)
    session_id = db.scalar("select id from public.mini_mentorship_sessions where request_id = %s",
                           (scheduled["id"],))
    done = life.request("completed", student=student)

    delete_account(db, student)

    assert_user_gone(db, student)
    assert requests_of(db, student) == [], "the cascade removes the deleted student's requests"
    assert sessions_with(db, student) == [], "and their sessions"
    assert db.scalar("select count(*) from public.users where id in (%s, %s)",
                     (claiming_mentor, scheduled_mentor)) == 2, "the mentors' accounts are untouched"

    for live in (opened, claimed):
        cancelled = last_event(db, live["id"], "request.cancelled")
        assert (cancelled["from_status"], cancelled["reason"]) == (live["status"], STUDENT_LEFT), (
            "the student's open and claimed requests were cancelled before removal (the mentor holding the "
            "claim gets the cancellation notice)"
        )
    session_cancelled = last_event(db, scheduled["id"], "session.cancelled")
    assert session_cancelled["session_id"] == session_id
    assert (session_cancelled["from_status"], session_cancelled["reason"]) == ("scheduled", OTHER_LEFT), (
        "the scheduled session was cancelled for the mentor, with a reason they can read"
    )
    assert last_event(db, scheduled["id"], "request.cancelled")["from_status"] == "scheduled"
    assert "request.cancelled" not in event_names(db, done["id"]), "finished history is not rewritten"
    assert event_names(db, done["id"])[-1] == "request.completed", "the audit trail outlives the rows"


def test_deleting_a_mentor_with_a_live_claim_returns_it_to_the_pool(db: Database, life: Lifecycle) -> None:
    mentor = life.mentor()
    claimed = life.request("claimed", mentor=mentor)

    delete_account(db, mentor)

    assert_user_gone(db, mentor)
    after = one_request(db, claimed["id"])
    assert (after["status"], after["claimed_by_mentor_id"], after["claimed_at"]) == ("open", None, None), (
        "the student's request is open again for other mentors"
    )
    assert after["release_count"] == claimed["release_count"] + 1
    released = last_event(db, claimed["id"], "request.released")
    assert (released["from_status"], released["to_status"], released["reason"]) == ("claimed", "open", MENTOR_LEFT)


def test_deleting_a_mentor_with_a_scheduled_session_reopens_the_request(db: Database, life: Lifecycle) -> None:
    mentor = life.mentor()
    scheduled = life.request("scheduled", mentor=mentor)
    running = life.session("in-progress")
    other_request = life.request("scheduled", mentor=mentor)
    completed = life.request("completed", mentor=mentor)

    delete_account(db, mentor)

    assert_user_gone(db, mentor)
    assert sessions_with(db, mentor) == [], "the deleted mentor's sessions go with the account"
    for req in (scheduled, other_request):
        after = one_request(db, req["id"])
        assert (after["status"], after["claimed_by_mentor_id"]) == ("open", None), (
            "a request whose session the deleted mentor had is open again, as when a mentor cancels"
        )
        assert last_event(db, req["id"], "session.cancelled")["reason"] == OTHER_LEFT
        assert last_event(db, req["id"], "request.reopened")["reason"] == OTHER_LEFT
        assert after["expires_at"] > db.scalar("select now()"), "and claimable again"
    kept = one_request(db, completed["id"])
    assert (kept["status"], kept["claimed_by_mentor_id"]) == ("completed", None), (
        "a finished request keeps its history with a NULL mentor (on delete set null)"
    )
    assert db.scalar("select status from public.mini_mentorship_sessions where id = %s",
                     (running["id"],)) == "in-progress", "another mentor's session is untouched"


def test_an_in_progress_session_is_cancelled_too(db: Database, life: Lifecycle) -> None:
    running = life.session("in-progress")

    delete_account(db, running["student_id"])

    assert_user_gone(db, running["student_id"])
    cancelled = last_event(db, running["request_id"], "session.cancelled")
    assert (cancelled["from_status"], cancelled["reason"]) == ("in-progress", OTHER_LEFT)


def test_deleting_someone_who_is_both_student_and_mentor(db: Database, life: Lifecycle) -> None:
    both = life.mentor()
    own_open = life.request("open", student=both)
    own_scheduled = life.request("scheduled", student=both)
    their_mentor = one_request(db, own_scheduled["id"])["claimed_by_mentor_id"]
    held = life.request("claimed", mentor=both)
    mentoring = life.request("scheduled", mentor=both)

    delete_account(db, both)

    assert_user_gone(db, both)
    assert requests_of(db, both) == []
    assert sessions_with(db, both) == []
    assert last_event(db, own_open["id"], "request.cancelled")["reason"] == STUDENT_LEFT
    assert last_event(db, own_scheduled["id"], "session.cancelled")["reason"] == OTHER_LEFT
    assert db.scalar("select count(*) from public.users where id = %s", (their_mentor,)) == 1
    for req in (held, mentoring):
        after = one_request(db, req["id"])
        assert (after["status"], after["claimed_by_mentor_id"]) == ("open", None), (
            "what they held as a mentor goes back to the pool"
        )


def test_history_keeps_null_where_the_foreign_keys_say_set_null(
    db: Database, life: Lifecycle, make_user: Callable[..., uuid.UUID], as_user: Callable[[uuid.UUID], Api]
) -> None:
    admin = make_user("admin", admin=True)
    cancelled_session = life.session("scheduled")
    as_user(admin).rpc("cancel_mini_session", session_id=cancelled_session["id"], reason="Duplicate booking")
    cancelled_request = life.request("open")
    as_user(admin).rpc("cancel_mini_request", request_id=cancelled_request["id"], reason="Spam")
    released = life.request("claimed")
    releasing_mentor = released["claimed_by_mentor_id"]
    as_user(releasing_mentor).rpc("release_mini_request", request_id=released["id"], reason="Too busy")

    delete_account(db, admin)
    delete_account(db, releasing_mentor)

    assert_user_gone(db, admin)
    session_after = db.query("select * from public.mini_mentorship_sessions where id = %s",
                             (cancelled_session["id"],))[0]
    assert (session_after["status"], session_after["cancelled_by"]) == ("cancelled", None)
    assert session_after["cancellation_reason"] == "Duplicate booking"
    request_after = one_request(db, cancelled_request["id"])
    assert (request_after["status"], request_after["cancelled_by"]) == ("cancelled", None)
    released_after = one_request(db, released["id"])
    assert (released_after["status"], released_after["last_released_by"]) == ("open", None)
    assert released_after["last_release_reason"] == "Too busy"
    assert last_event(db, cancelled_request["id"], "request.cancelled")["actor_id"] == admin, (
        "the audit trail keeps who acted (it has no foreign keys)"
    )


def test_deleting_an_admin_with_no_mentorship_work_succeeds(
    db: Database, make_user: Callable[..., uuid.UUID]
) -> None:
    admin = make_user("admin", admin=True)
    before = db.scalar("select count(*) from public.mini_mentorship_events")
    delete_account(db, admin)
    assert_user_gone(db, admin)
    assert db.scalar("select count(*) from public.mini_mentorship_events") == before, "nothing to withdraw"


def test_the_service_role_can_delete_an_account_through_the_api(
    db: Database, life: Lifecycle, as_service_role: Api
) -> None:
    running = life.session("scheduled")
    as_service_role.execute("delete from auth.users where id = %s", (running["mentor_id"],))
    assert_user_gone(db, running["mentor_id"])
    assert one_request(db, running["request_id"])["status"] == "open"


def test_the_withdrawal_function_is_not_callable_by_api_roles(db: Database) -> None:
    for role in ("anon", "authenticated", "service_role"):
        assert db.scalar(
            "select has_function_privilege(%s, 'private.withdraw_user_from_mentorship(uuid)', 'execute')",
            (role,),
        ) is False, f"{role} must not withdraw a user from mentorship"


def test_a_no_show_an_admin_recorded_keeps_its_record_without_the_admin(
    db: Database, make_user: Callable[..., uuid.UUID], as_user: Callable[[uuid.UUID], Api]
) -> None:
    sessions = Sessions(db, make_user, as_user)
    booking = sessions.started()
    admin = make_user("admin", admin=True)
    as_user(admin).rpc("mark_mini_no_show", session_id=booking.session_id, absent="both")

    delete_account(db, admin)

    after = db.query("select * from public.mini_mentorship_sessions where id = %s", (booking.session_id,))[0]
    assert (after["status"], after["no_show_absent"], after["no_show_marked_by"]) == ("no-show", "both", None)
    assert after["no_show_marked_at"] is not None, "when it was marked stays on record"


def test_deleting_a_mentor_mid_session_reopens_the_request_the_student_booked_through_the_api(
    db: Database, make_user: Callable[..., uuid.UUID], as_user: Callable[[uuid.UUID], Api]
) -> None:
    sessions = Sessions(db, make_user, as_user)
    booking = sessions.in_progress()

    delete_account(db, booking.mentor)

    after = one_request(db, booking.request_id)
    assert (after["status"], after["claimed_by_mentor_id"]) == ("open", None)
    assert event_names(db, booking.request_id)[-2:] == ["session.cancelled", "request.reopened"]
    assert booking.as_student.query(
        "select status from public.mini_mentorship_requests where id = %s", (booking.request_id,)
    ) == [{"status": "open"}], "the student sees their request back in the pool"
