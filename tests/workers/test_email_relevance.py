"""An email whose subject moved on is cancelled with a reason, never delivered (issue 9, item 2).

Each scenario is reached through the app's own doors (RPCs as the participants, account deletion as Supabase
does it), the triggers queue the real jobs, and a real `Worker(...).run()` with --once semantics drains them
through the email handler with the console sender, which asks `email.relevance.skip_reason()` first. A fresh
job must end `succeeded`; a stale one `cancelled` with the reason in `last_error`, and nothing printed for it.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from mini_mentorship.email import relevance
from mini_mentorship.outbox.registry import Registry
from mini_mentorship.testing.api import Api
from mini_mentorship.testing.database import Database
from tests.sql.builders import Booking, Sessions, db_now, shift_session
from tests.sql.requests_support import create_request
from tests.workers.outbox_support import console_email, run_once

MakeUser = Callable[..., uuid.UUID]
AsUser = Callable[[uuid.UUID], Api]


@pytest.fixture
def sessions(db: Database, make_user: MakeUser, as_user: AsUser) -> Sessions:
    return Sessions(db, make_user, as_user)


def drain(db: Database) -> str:
    """Run the worker once over everything queued; what the console handler printed."""
    printed = io.StringIO()
    worker, log = run_once(db, Registry({"email": console_email(printed)}))
    assert worker.tally.failed == worker.tally.retried == 0, log
    return printed.getvalue()


def outcome(db: Database, template: str, recipient: uuid.UUID, *, key_part: Any = "") -> tuple[str, str | None]:
    """(status, last_error) of the one `template` email to `recipient` whose dedupe key contains key_part."""
    rows = db.query(
        "select status, last_error, provider_message_id from private.outbox "
        "where kind = 'email' and template = %s and payload ->> 'recipient_id' = %s and dedupe_key like %s",
        (template, str(recipient), f"%{key_part}%"),
    )
    assert len(rows) == 1, f"expected one {template} email to {recipient} ({key_part}), found {len(rows)}"
    row = rows[0]
    if row["status"] == "succeeded":
        assert row["provider_message_id"], "a delivered job records the provider's message id"
    else:
        assert row["provider_message_id"] is None, "a cancelled job was never delivered"
    return row["status"], row["last_error"]


DELIVERED = ("succeeded", None)


def cancelled(reason: str) -> tuple[str, str]:
    return ("cancelled", reason)


def address(db: Database, uid: uuid.UUID) -> str:
    """The user's email address, as the people adapter view gives it (read it before deleting the account)."""
    return str(db.scalar("select email from private.people where id = %s", (uid,)))


def delete_account(db: Database, uid: uuid.UUID) -> None:
    """What the Supabase dashboard does (auth.admin.deleteUser): the cascade runs the withdrawal triggers."""
    db.query("delete from auth.users where id = %s", (uid,))


# --- requests ----------------------------------------------------------------------------------------------


def test_request_created_goes_to_a_student_who_still_exists(
    db: Database, make_user: MakeUser, as_user: AsUser
) -> None:
    stays, leaves = make_user("student"), make_user("student")
    create_request(as_user(stays))
    create_request(as_user(leaves))
    stays_at, leaves_at = address(db, stays), address(db, leaves)
    delete_account(db, leaves)  # also cancels her open request: a request_cancelled to her as well
    printed = drain(db)
    assert outcome(db, "request_created", stays) == DELIVERED
    assert outcome(db, "request_created", leaves) == cancelled(relevance.RECIPIENT_DELETED), (
        "an email to a deleted account is cancelled, never sent")
    assert outcome(db, "request_cancelled", leaves) == cancelled(relevance.RECIPIENT_DELETED)
    assert f"To: {stays_at}" in printed and f"To: {leaves_at}" not in printed


def test_request_claimed_is_sent_while_the_same_claim_holds(db: Database, sessions: Sessions) -> None:
    held = sessions.claimed()
    scheduled = sessions.scheduled()  # claimed, then scheduled: the claim still stands
    released = sessions.claimed()
    released.as_mentor.rpc("release_mini_request", request_id=released.request_id, reason="Too busy")
    drain(db)
    assert outcome(db, "request_claimed", held.student) == DELIVERED
    assert outcome(db, "request_claimed", scheduled.student) == DELIVERED
    assert outcome(db, "request_claimed", released.student) == cancelled(relevance.CLAIM_RELEASED), (
        "a claim released before its email went out is not announced")
    assert outcome(db, "request_released", released.student) == DELIVERED, "the release itself is a fact"


def test_request_claimed_is_cancelled_once_the_request_was_claimed_again(
    db: Database, sessions: Sessions, as_user: AsUser
) -> None:
    by_other = sessions.claimed()
    by_other.as_mentor.rpc("release_mini_request", request_id=by_other.request_id, reason="Too busy")
    as_user(sessions.mentor()).rpc("claim_mini_request", request_id=by_other.request_id)
    by_same = sessions.claimed()
    by_same.as_mentor.rpc("release_mini_request", request_id=by_same.request_id, reason="Oops")
    by_same.as_mentor.rpc("claim_mini_request", request_id=by_same.request_id)
    drain(db)
    for booking in (by_other, by_same):
        assert outcome(db, "request_claimed", booking.student, key_part=f"{booking.request_id}:0") == cancelled(
            relevance.REQUEST_RECLAIMED), "the first claim's email is stale once the request was claimed again"
        assert outcome(db, "request_claimed", booking.student, key_part=f"{booking.request_id}:1") == DELIVERED, (
            "the claim that holds now is announced")


def test_request_claimed_is_cancelled_when_the_request_was_cancelled(db: Database, sessions: Sessions) -> None:
    booking = sessions.claimed()
    booking.as_student.rpc("cancel_mini_request", request_id=booking.request_id, reason="Found help elsewhere")
    drain(db)
    assert outcome(db, "request_claimed", booking.student) == cancelled("the request was cancelled")
    assert outcome(db, "request_cancelled", booking.mentor) == DELIVERED, "the mentor loses the claim: told"


def test_request_expired_is_a_fact_for_a_student_who_still_exists(
    db: Database, make_user: MakeUser, as_user: AsUser
) -> None:
    stays, leaves = make_user("student"), make_user("student")
    for student in (stays, leaves):
        create_request(as_user(student))
    db.query("update public.mini_mentorship_requests set expires_at = now() - interval '1 minute'")
    assert db.scalar("select private.expire_requests()") == 2
    delete_account(db, leaves)
    drain(db)
    assert outcome(db, "request_created", stays) == DELIVERED
    assert outcome(db, "request_expired", stays) == DELIVERED
    assert outcome(db, "request_expired", leaves) == cancelled(relevance.RECIPIENT_DELETED)


# --- sessions ----------------------------------------------------------------------------------------------


def move(db: Database, booking: Booking, days: int) -> None:
    booking.as_mentor.rpc("reschedule_mini_session", session_id=booking.session_id,
                          scheduled_at=db_now(db) + dt.timedelta(days=days), reason="Clash")


def test_session_scheduled_and_rescheduled_go_out_for_the_current_version_only(
    db: Database, sessions: Sessions
) -> None:
    fresh = sessions.scheduled()
    moved = sessions.scheduled()
    move(db, moved, 4)
    drain(db)
    for who in (fresh.student, fresh.mentor):
        assert outcome(db, "session_scheduled", who) == DELIVERED
    for who in (moved.student, moved.mentor):
        assert outcome(db, "session_scheduled", who) == cancelled(relevance.SESSION_MOVED), (
            "the first announcement is stale once the session moved")
        assert outcome(db, "session_rescheduled", who) == DELIVERED, "the new time is announced"


def test_a_notice_of_a_session_moved_twice_or_cancelled_is_cancelled(db: Database, sessions: Sessions) -> None:
    twice = sessions.scheduled()
    move(db, twice, 4)
    move(db, twice, 5)
    called_off = sessions.scheduled()
    move(db, called_off, 4)
    called_off.as_student.rpc("cancel_mini_session", session_id=called_off.session_id, reason="Ill")
    drain(db)
    assert outcome(db, "session_rescheduled", twice.student, key_part=f"{twice.session_id}:1") == cancelled(
        relevance.SESSION_MOVED)
    assert outcome(db, "session_rescheduled", twice.student, key_part=f"{twice.session_id}:2") == DELIVERED
    for who in (called_off.student, called_off.mentor):
        assert outcome(db, "session_scheduled", who) == cancelled(relevance.SESSION_CANCELLED)
        assert outcome(db, "session_rescheduled", who) == cancelled(relevance.SESSION_CANCELLED)
        assert outcome(db, "session_cancelled", who) == DELIVERED, "the cancellation itself always goes out"


def test_a_cancellation_reaches_the_other_party_after_an_account_deletion_removed_the_session(
    db: Database, sessions: Sessions
) -> None:
    booking = sessions.scheduled()
    student_at = address(db, booking.student)
    delete_account(db, booking.mentor)  # cancels the session, then the cascade deletes it
    assert db.scalar("select count(*) from public.mini_mentorship_sessions where id = %s",
                     (booking.session_id,)) == 0
    printed = drain(db)
    assert outcome(db, "session_cancelled", booking.student) == DELIVERED, (
        "the student must hear that the session is off although its row is gone")
    assert outcome(db, "session_cancelled", booking.mentor) == cancelled(relevance.RECIPIENT_DELETED)
    assert outcome(db, "session_scheduled", booking.student) == cancelled(relevance.SESSION_GONE)
    assert f"To: {student_at}\nSubject: Mini Mentorship Session Cancelled" in printed, (
        "rendered from the audit trail although the session row is gone")


def test_follow_up_goes_out_for_a_completed_session_that_still_exists(db: Database, sessions: Sessions) -> None:
    kept = sessions.completed()
    gone = sessions.completed()
    delete_account(db, gone.student)  # the cascade removes her finished session and request
    drain(db)
    for who in (kept.student, kept.mentor):
        assert outcome(db, "follow_up", who) == DELIVERED
    assert outcome(db, "follow_up", gone.mentor) == cancelled(relevance.SESSION_GONE), (
        "nothing to rate any more")
    assert outcome(db, "follow_up", gone.student) == cancelled(relevance.RECIPIENT_DELETED)


def test_a_no_show_is_a_fact_that_outlives_its_session(db: Database, sessions: Sessions) -> None:
    booking = sessions.started()
    gone = sessions.started()
    for session in (booking, gone):  # the student was there, the mentor was not
        session.as_student.rpc("join_mini_session", session_id=session.session_id)
        session.as_student.rpc("mark_mini_no_show", session_id=session.session_id, absent="mentor")
    delete_account(db, gone.mentor)  # the cascade removes the session the no-show was about
    drain(db)
    for who in (booking.student, booking.mentor):
        assert outcome(db, "session_scheduled", who) == cancelled("the session is already no-show")
        assert outcome(db, "session_no_show", who) == DELIVERED
    assert outcome(db, "session_no_show", gone.student) == DELIVERED, "what happened stays true"
    assert outcome(db, "session_no_show", gone.mentor) == cancelled(relevance.RECIPIENT_DELETED)


# --- reminders (queued by the tick; the rule is ready for it) ----------------------------------------------


def queue_reminder(db: Database, template: str, booking: Booking, recipient: uuid.UUID, sequence: int) -> None:
    payload = {"request_id": str(booking.request_id), "session_id": str(booking.session_id), "sequence": sequence}
    db.scalar("select private.enqueue_email(%s, %s, %s, %s)",
              (template, recipient, f"{booking.session_id}:{sequence}", json.dumps(payload)))


@pytest.mark.parametrize("template", ["reminder_24h", "reminder_1h"])
def test_a_reminder_goes_out_only_for_a_session_still_ahead_at_the_same_version(
    db: Database, sessions: Sessions, template: str
) -> None:
    ahead, moved, called_off, begun = (sessions.scheduled() for _ in range(4))
    for booking in (ahead, moved, called_off, begun):
        queue_reminder(db, template, booking, booking.student, 0)
    move(db, moved, 4)
    called_off.as_mentor.rpc("cancel_mini_session", session_id=called_off.session_id, reason="Ill")
    shift_session(db, begun.session_id, dt.timedelta(minutes=-5) - dt.timedelta(days=2))
    drain(db)
    assert outcome(db, template, ahead.student) == DELIVERED
    assert outcome(db, template, moved.student) == cancelled(relevance.SESSION_MOVED)
    assert outcome(db, template, called_off.student) == cancelled(relevance.SESSION_CANCELLED)
    assert outcome(db, template, begun.student) == cancelled(relevance.SESSION_STARTED)


# --- jobs that can never be decided ------------------------------------------------------------------------


def test_an_undecidable_email_fails_at_once_for_an_operator(db: Database, make_user: MakeUser) -> None:
    student = make_user("student")
    unknown = db.scalar("select private.enqueue('email', 'newsletter', %s, 'test:unknown')",
                        (json.dumps({"recipient_id": str(student)}),))
    nobody = db.scalar("select private.enqueue('email', 'request_created', '{}', 'test:nobody')")
    run_once(db, Registry({"email": console_email()}))
    rows = {r["id"]: r for r in db.query("select id, status, attempts, last_error from private.outbox")}
    assert (rows[unknown]["status"], rows[unknown]["attempts"]) == ("failed", 1), "no retry can help"
    assert rows[unknown]["last_error"] == "PermanentError: no relevance rule for email template 'newsletter'"
    assert rows[nobody]["status"] == "failed"
    assert rows[nobody]["last_error"] == "PermanentError: the payload has no valid recipient_id"
