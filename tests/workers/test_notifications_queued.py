"""Every notification of DESIGN §8 is queued by the transition that causes it (issue 9, item 1).

The triggers on the lifecycle tables queue one email job per recipient in the transition's own transaction:
each RPC and sweep below must leave exactly the expected jobs (template, recipient, dedupe key, ids-only
payload), a transition that rolls back must leave none, and repeating a call must queue nothing twice.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import psycopg
import pytest

from mini_mentorship.testing.api import Api, ApiError
from mini_mentorship.testing.database import Database
from tests.sql.builders import Booking, Sessions, db_now, outbox_rows, refused_unchanged, session_row
from tests.sql.requests_support import create_request

MakeUser = Callable[..., uuid.UUID]
AsUser = Callable[[uuid.UUID], Api]
Job = tuple[str, str, str, dict[str, Any]]  # template, recipient id, dedupe key, payload


@pytest.fixture
def sessions(db: Database, make_user: MakeUser, as_user: AsUser) -> Sessions:
    return Sessions(db, make_user, as_user)


def emails(db: Database) -> list[Job]:
    """The email jobs queued so far, as (template, recipient, dedupe key, payload), in a stable order."""
    jobs = [
        (j["template"], j["payload"]["recipient_id"], j["dedupe_key"], j["payload"])
        for j in outbox_rows(db, "email")
    ]
    for job in outbox_rows(db, "email"):
        assert (job["status"], job["attempts"]) == ("pending", 0), "a queued email waits for the worker"
        assert job["run_at"] <= db_now(db), "a notification is due at once"
    return sorted(jobs, key=lambda j: j[2])


def new_emails(db: Database, before: list[Job]) -> list[Job]:
    return [job for job in emails(db) if job not in before]


def event_id(db: Database, request_id: Any, event: str, session_id: Any = None) -> int:
    """The audit row of the transition (the newest of its kind)."""
    found = db.scalar(
        "select max(id) from public.mini_mentorship_events where request_id = %s and event = %s "
        "and session_id is not distinct from %s",
        (request_id, event, session_id),
    )
    assert isinstance(found, int), f"no {event} event for request {request_id}"
    return found


def request_email(template: str, recipient: Any, role: str, request_id: Any, purpose: str, event: int,
                  release_count: int | None = None, **ids: Any) -> Job:
    payload = {"recipient_id": str(recipient), "recipient_role": role, "request_id": str(request_id),
               "event_id": event, **{k: str(v) for k, v in ids.items()}}
    if release_count is not None:  # claims and releases name the claim they are about
        payload["release_count"] = release_count
    return (template, str(recipient), f"email:{template}:{purpose}:{recipient}", payload)


def session_emails(template: str, booking: Booking, sequence: int, event: int, *, per_sequence: bool) -> list[Job]:
    """The two jobs (student, mentor) of a session notification."""
    session_id = booking.session_id
    purpose = f"{session_id}:{sequence}" if per_sequence else str(session_id)
    return sorted(
        (
            template,
            str(recipient),
            f"email:{template}:{purpose}:{recipient}",
            {"recipient_id": str(recipient), "recipient_role": role, "request_id": str(booking.request_id),
             "session_id": str(session_id), "sequence": sequence, "event_id": event},
        )
        for recipient, role in ((booking.student, "student"), (booking.mentor, "mentor"))
    )


def link_jobs(db: Database) -> list[tuple[str, dict[str, Any]]]:
    return [(j["dedupe_key"], j["payload"]) for j in outbox_rows(db, "meeting_link")]


def write_link(db: Database, session_id: uuid.UUID, link: str) -> None:
    """What the meeting-link worker does (it connects as the database owner)."""
    db.query("update public.mini_mentorship_sessions set meeting_link = %s where id = %s", (link, session_id))


# ---------------------------------------------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------------------------------------------

def test_creating_a_request_queues_request_created_for_the_student(
    db: Database, make_user: MakeUser, as_user: AsUser
) -> None:
    student = make_user("student")
    req = create_request(as_user(student))
    assert emails(db) == [
        request_email("request_created", student, "student", req["id"], str(req["id"]),
                      event_id(db, req["id"], "request.created")),
    ], "createRequest queues one request_created email to the student, payload ids only"


def test_claiming_queues_request_claimed_once_per_claim(db: Database, sessions: Sessions, as_user: AsUser) -> None:
    student, mentor, other = sessions.student(), sessions.mentor(), sessions.mentor()
    req = create_request(as_user(student))
    before = emails(db)

    as_user(mentor).rpc("claim_mini_request", request_id=req["id"])
    first = request_email("request_claimed", student, "student", req["id"], f"{req['id']}:0",
                          event_id(db, req["id"], "request.claimed"), 0, mentor_id=mentor)
    assert new_emails(db, before) == [first], "a claim tells the student who claimed it"

    after_claim = emails(db)
    with pytest.raises(ApiError):
        as_user(other).rpc("claim_mini_request", request_id=req["id"])
    assert emails(db) == after_claim, "a refused second claim queues nothing"

    as_user(mentor).rpc("release_mini_request", request_id=req["id"], reason="Too busy this week")
    as_user(other).rpc("claim_mini_request", request_id=req["id"])
    second = request_email("request_claimed", student, "student", req["id"], f"{req['id']}:1",
                           event_id(db, req["id"], "request.claimed"), 1, mentor_id=other)
    assert second in emails(db) and first in emails(db), (
        "claiming again after a release is a new claim: a second request_claimed with its own key"
    )


def test_releasing_queues_request_released_for_the_student(db: Database, sessions: Sessions) -> None:
    booking = sessions.claimed()
    before = emails(db)
    booking.as_mentor.rpc("release_mini_request", request_id=booking.request_id, reason="Something came up")
    expected = request_email("request_released", booking.student, "student", booking.request_id,
                             f"{booking.request_id}:1", event_id(db, booking.request_id, "request.released"),
                             1, mentor_id=booking.mentor)
    assert new_emails(db, before) == [expected], "a release tells the student, naming the mentor who let go"

    after = emails(db)
    with pytest.raises(ApiError):  # the refusal itself is tested in tests/sql
        booking.as_mentor.rpc("release_mini_request", request_id=booking.request_id, reason="again")
    assert emails(db) == after, "a refused second release queues nothing"


def test_the_stale_claim_sweep_queues_request_released(db: Database, sessions: Sessions) -> None:
    booking = sessions.claimed()
    before = emails(db)
    assert db.scalar("select private.release_stale_claims(interval '0 seconds')") == 1
    expected = request_email("request_released", booking.student, "student", booking.request_id,
                             f"{booking.request_id}:1", event_id(db, booking.request_id, "request.released"),
                             1, mentor_id=booking.mentor)
    assert new_emails(db, before) == [expected], "a claim released by the sweep is told like any release"
    after = emails(db)
    assert db.scalar("select private.release_stale_claims(interval '0 seconds')") == 0
    assert emails(db) == after, "a sweep that finds nothing queues nothing"


def test_the_expiry_sweep_queues_request_expired(db: Database, make_user: MakeUser, as_user: AsUser) -> None:
    student = make_user("student")
    req = create_request(as_user(student))
    db.query("update public.mini_mentorship_requests set expires_at = now() - interval '1 minute' where id = %s",
             (req["id"],))
    before = emails(db)
    assert db.scalar("select private.expire_requests()") == 1
    assert new_emails(db, before) == [
        request_email("request_expired", student, "student", req["id"], str(req["id"]),
                      event_id(db, req["id"], "request.expired")),
    ], "an expired request tells its student"
    after = emails(db)
    assert db.scalar("select private.expire_requests()") == 0
    assert emails(db) == after, "running the sweep again queues nothing"


def test_a_student_cancelling_an_open_request_is_not_told_about_it(
    db: Database, make_user: MakeUser, as_user: AsUser
) -> None:
    student = make_user("student")
    req = create_request(as_user(student))
    before = emails(db)
    as_user(student).rpc("cancel_mini_request", request_id=req["id"], reason="Found help elsewhere")
    assert new_emails(db, before) == [], "nobody else held it and the student cancelled it: no email"


def test_a_student_cancelling_a_claimed_request_tells_the_mentor(db: Database, sessions: Sessions) -> None:
    booking = sessions.claimed()
    before = emails(db)
    booking.as_student.rpc("cancel_mini_request", request_id=booking.request_id, reason="Found help elsewhere")
    event = event_id(db, booking.request_id, "request.cancelled")
    assert new_emails(db, before) == [
        request_email("request_cancelled", booking.mentor, "mentor", booking.request_id, str(booking.request_id),
                      event, mentor_id=booking.mentor),
    ], "the claiming mentor learns the request is gone; the student who cancelled gets nothing"
    after = emails(db)
    with pytest.raises(ApiError):  # already cancelled (the refusal is tested in tests/sql)
        booking.as_student.rpc("cancel_mini_request", request_id=booking.request_id, reason="again")
    assert emails(db) == after, "a refused second cancel queues nothing"


def test_an_admin_cancelling_a_claimed_request_tells_the_mentor_and_the_student(
    db: Database, sessions: Sessions, as_admin: Api
) -> None:
    booking = sessions.claimed()
    before = emails(db)
    as_admin.rpc("cancel_mini_request", request_id=booking.request_id, reason="Violates the guidelines")
    event = event_id(db, booking.request_id, "request.cancelled")
    assert new_emails(db, before) == sorted([
        request_email("request_cancelled", booking.mentor, "mentor", booking.request_id, str(booking.request_id),
                      event, mentor_id=booking.mentor),
        request_email("request_cancelled", booking.student, "student", booking.request_id,
                      str(booking.request_id), event, mentor_id=booking.mentor),
    ], key=lambda j: j[2]), "someone else cancelled: both the claiming mentor and the student are told"


# ---------------------------------------------------------------------------------------------------------
# Sessions
# ---------------------------------------------------------------------------------------------------------

def test_scheduling_with_a_link_queues_session_scheduled_for_both_at_once(
    db: Database, sessions: Sessions
) -> None:
    booking = sessions.claimed()
    before = emails(db)
    booking.session = booking.as_mentor.rpc(
        "schedule_mini_session", request_id=booking.request_id,
        scheduled_at=db_now(db) + dt.timedelta(days=2), duration_minutes=60,
        meeting_link="https://meet.jit.si/given",
    )
    event = event_id(db, booking.request_id, "session.scheduled", booking.session_id)
    assert new_emails(db, before) == session_emails("session_scheduled", booking, 0, event, per_sequence=True), (
        "a session that has its link is announced to both participants in the scheduling transaction"
    )
    assert link_jobs(db) == [], "and needs no meeting-link job"


def test_scheduling_without_a_link_waits_for_the_worker_to_write_it(db: Database, sessions: Sessions) -> None:
    booking = sessions.claimed()
    before = emails(db)
    booking.session = booking.as_mentor.rpc(
        "schedule_mini_session", request_id=booking.request_id,
        scheduled_at=db_now(db) + dt.timedelta(days=2), duration_minutes=60,
        meeting_link=None, meeting_platform="zoom",
    )
    assert new_emails(db, before) == [], "no scheduled email before the link exists"
    assert link_jobs(db) == [(f"meeting_link:{booking.session_id}:0",
                              {"session_id": str(booking.session_id), "sequence": 0})], (
        "only the meeting-link job is queued"
    )

    write_link(db, booking.session_id, "https://zoom.example.test/j/1")
    event = event_id(db, booking.request_id, "session.scheduled", booking.session_id)
    expected = session_emails("session_scheduled", booking, 0, event, per_sequence=True)
    assert new_emails(db, before) == expected, "the link written by the worker queues the scheduled emails"

    write_link(db, booking.session_id, "https://zoom.example.test/j/2")
    changed = new_emails(db, before)
    assert [j for j in changed if j[0] == "session_scheduled"] == expected, "the session is not scheduled again"
    assert sorted((j[0], j[1]) for j in changed if j not in expected) == sorted(
        ("session_updated", str(who)) for who in (booking.student, booking.mentor)
    ), "a link that changes after the announcement is told as an update (issue 12)"


def test_a_link_written_again_after_being_cleared_is_not_announced_twice(db: Database, sessions: Sessions) -> None:
    booking = sessions.scheduled(meeting_link=None, meeting_platform="jitsi")
    write_link(db, booking.session_id, "https://meet.jit.si/first")
    announced = emails(db)
    db.query("update public.mini_mentorship_sessions set meeting_link = null where id = %s", (booking.session_id,))
    write_link(db, booking.session_id, "https://meet.jit.si/second")
    again = [j for j in emails(db) if j not in announced]
    assert [j[0] for j in again] == ["session_updated", "session_updated"], (
        "the same version of the session is announced once (the second link hits the same dedupe keys); "
        "the new link is told as an update (issue 12)"
    )


def test_the_service_role_writing_the_link_also_queues_the_scheduled_emails(
    db: Database, sessions: Sessions, as_service_role: Api
) -> None:
    booking = sessions.scheduled(meeting_link=None, meeting_platform="jitsi")
    before = emails(db)
    as_service_role.execute("update public.mini_mentorship_sessions set meeting_link = %s where id = %s",
                            ("https://meet.jit.si/made", booking.session_id))
    event = event_id(db, booking.request_id, "session.scheduled", booking.session_id)
    assert new_emails(db, before) == session_emails("session_scheduled", booking, 0, event, per_sequence=True)


def test_a_session_inserted_without_the_rpc_still_gets_its_link_job(db: Database, sessions: Sessions) -> None:
    booking = sessions.claimed()
    session_id = uuid.uuid4()
    starts = db_now(db) + dt.timedelta(days=3)
    with db.conn.transaction():
        db.query(
            "insert into public.mini_mentorship_sessions (id, request_id, student_id, mentor_id, scheduled_at, "
            "duration_minutes, meeting_type, meeting_platform) values (%s, %s, %s, %s, %s, 60, 'virtual', 'jitsi')",
            (session_id, booking.request_id, booking.student, booking.mentor, starts),
        )
        db.query("update public.mini_mentorship_requests set status = 'scheduled' where id = %s",
                 (booking.request_id,))
    assert link_jobs(db) == [(f"meeting_link:{session_id}:0", {"session_id": str(session_id), "sequence": 0})], (
        "whoever creates a session waiting for a link, its link job is queued, so its emails cannot be stranded"
    )


def test_rescheduling_queues_session_rescheduled_per_sequence(db: Database, sessions: Sessions) -> None:
    booking = sessions.scheduled()
    for sequence, days in ((1, 4), (2, 5)):
        before = emails(db)
        booking.as_mentor.rpc("reschedule_mini_session", session_id=booking.session_id,
                              scheduled_at=db_now(db) + dt.timedelta(days=days), reason="Clash")
        event = event_id(db, booking.request_id, "session.rescheduled", booking.session_id)
        assert new_emails(db, before) == session_emails(
            "session_rescheduled", booking, sequence, event, per_sequence=True
        ), f"move {sequence} tells both participants, with the new ICS sequence {sequence}"

    after = emails(db)
    with pytest.raises(ApiError):  # same time again is a 22023 (tested in tests/sql)
        booking.as_mentor.rpc("reschedule_mini_session", session_id=booking.session_id,
                              scheduled_at=session_row(db, booking.session_id)["scheduled_at"], reason="Same")
    assert emails(db) == after, "a refused reschedule queues nothing"


def test_a_session_moved_before_its_link_came_is_announced_once_with_its_new_version(
    db: Database, sessions: Sessions
) -> None:
    booking = sessions.scheduled(meeting_link=None, meeting_platform="google-meet")
    before = emails(db)
    booking.as_mentor.rpc("reschedule_mini_session", session_id=booking.session_id,
                          scheduled_at=db_now(db) + dt.timedelta(days=4), reason="Clash")
    assert new_emails(db, before) == [], "nobody heard of the session yet: no rescheduled email"
    assert [key for key, _ in link_jobs(db)] == [
        f"meeting_link:{booking.session_id}:0", f"meeting_link:{booking.session_id}:1",
    ], "the link is asked for again for the new version"

    write_link(db, booking.session_id, "https://meet.google.example.test/abc")
    event = event_id(db, booking.request_id, "session.rescheduled", booking.session_id)
    assert new_emails(db, before) == session_emails("session_scheduled", booking, 1, event, per_sequence=True), (
        "the first notice is session_scheduled for the current version"
    )


@pytest.mark.parametrize("by", ["mentor", "student"])
def test_cancelling_a_session_tells_both_participants(db: Database, sessions: Sessions, by: str) -> None:
    booking = sessions.scheduled()
    caller = booking.as_mentor if by == "mentor" else booking.as_student
    before = emails(db)
    caller.rpc("cancel_mini_session", session_id=booking.session_id, reason="Ill")
    event = event_id(db, booking.request_id, "session.cancelled", booking.session_id)
    assert new_emails(db, before) == session_emails("session_cancelled", booking, 1, event, per_sequence=True), (
        f"the {by} cancelled: both get session_cancelled with the bumped sequence (ICS CANCEL), and the request "
        "reopening or ending sends nothing more"
    )
    after = emails(db)
    with pytest.raises(ApiError):  # session_not_active (tested in tests/sql)
        caller.rpc("cancel_mini_session", session_id=booking.session_id, reason="again")
    assert emails(db) == after, "a refused second cancel queues nothing"


def test_a_cancellation_outlives_its_deleted_session_through_the_event_id(db: Database, sessions: Sessions) -> None:
    booking = sessions.scheduled()
    booking.as_student.rpc("cancel_mini_session", session_id=booking.session_id, reason="Ill")
    db.query("delete from public.mini_mentorship_requests where id = %s", (booking.request_id,))
    assert db.scalar("select count(*) from public.mini_mentorship_sessions where id = %s",
                     (booking.session_id,)) == 0, "the cascade removed the session"
    jobs = [j for j in emails(db) if j[0] == "session_cancelled"]
    assert len(jobs) == 2, "the queued cancellations stay"
    for _, _, _, payload in jobs:
        event = db.query("select event, session_id, request_id, detail from public.mini_mentorship_events "
                         "where id = %s", (payload["event_id"],))
        assert event == [{"event": "session.cancelled", "session_id": booking.session_id,
                          "request_id": booking.request_id, "detail": {"sequence": 1}}], (
            "the payload's event id still leads to what the worker needs to render the cancellation"
        )


def test_completing_queues_follow_up_for_both(db: Database, sessions: Sessions) -> None:
    booking = sessions.in_progress()
    before = emails(db)
    booking.as_mentor.rpc(
        "complete_mini_session", session_id=booking.session_id, mentor_notes="Good", topics_covered=["x"],
        action_items=["y"], follow_up_needed=False, actual_duration_minutes=50,
    )
    event = event_id(db, booking.request_id, "session.completed", booking.session_id)
    assert new_emails(db, before) == session_emails("follow_up", booking, 0, event, per_sequence=False), (
        "a completed session asks both participants to rate it"
    )
    after = emails(db)
    with pytest.raises(ApiError):  # already completed
        booking.as_mentor.rpc(
            "complete_mini_session", session_id=booking.session_id, mentor_notes="Good", topics_covered=["x"],
            action_items=["y"], follow_up_needed=False, actual_duration_minutes=50,
        )
    assert emails(db) == after, "a refused second completion queues nothing"


def test_a_no_show_tells_both(db: Database, sessions: Sessions) -> None:
    booking = sessions.started()
    booking.as_student.rpc("join_mini_session", session_id=booking.session_id)  # the reporter was there
    before = emails(db)
    booking.as_student.rpc("mark_mini_no_show", session_id=booking.session_id, absent="mentor")
    event = event_id(db, booking.request_id, "session.no_show", booking.session_id)
    assert new_emails(db, before) == session_emails("session_no_show", booking, 0, event, per_sequence=False)
    after = emails(db)
    with pytest.raises(ApiError):  # session_not_active
        booking.as_student.rpc("mark_mini_no_show", session_id=booking.session_id, absent="mentor")
    assert emails(db) == after, "a refused second mark queues nothing"


def test_starting_a_session_and_joining_it_queue_nothing(db: Database, sessions: Sessions) -> None:
    booking = sessions.started()
    before = emails(db)
    booking.as_student.rpc("join_mini_session", session_id=booking.session_id)
    booking.as_mentor.rpc("join_mini_session", session_id=booking.session_id)
    assert new_emails(db, before) == [], "joins and the start are not notifications"


# ---------------------------------------------------------------------------------------------------------
# Nothing on rollback, nothing twice
# ---------------------------------------------------------------------------------------------------------

def test_a_transition_that_rolls_back_queues_nothing(db: Database, sessions: Sessions, as_user: AsUser) -> None:
    booking = sessions.scheduled()
    before = outbox_rows(db)

    booking.as_mentor.rolled_back().rpc("cancel_mini_session", session_id=booking.session_id, reason="Ill")
    booking.as_mentor.rolled_back().rpc("reschedule_mini_session", session_id=booking.session_id,
                                        scheduled_at=db_now(db) + dt.timedelta(days=9), reason="Clash")
    assert outbox_rows(db) == before, "a request rolled back by PostgREST (tx=rollback) leaves no job behind"

    with pytest.raises(psycopg.errors.DivisionByZero), db.conn.transaction():
        db.query("update public.mini_mentorship_sessions set status = 'cancelled' where id = %s",
                 (booking.session_id,))
        db.query("select 1 / 0")
    assert outbox_rows(db) == before, "a transaction that fails after the transition leaves no job behind"

    refused_unchanged(
        db, lambda: booking.as_mentor.rpc("cancel_mini_session", session_id=booking.session_id, reason=" "),
        code="22023", hint="reason_required", who="the mentor", what="cancelling without a reason",
    )


def test_a_whole_mentorship_queues_each_notification_exactly_once(db: Database, sessions: Sessions) -> None:
    booking = sessions.completed()
    templates = sorted((j[0], j[3]["recipient_role"]) for j in emails(db))
    assert templates == sorted([
        ("request_created", "student"), ("request_claimed", "student"),
        ("session_scheduled", "student"), ("session_scheduled", "mentor"),
        ("follow_up", "student"), ("follow_up", "mentor"),
    ]), "create, claim, schedule, complete: six emails, one per recipient and purpose"
    keys = [j[2] for j in emails(db)]
    assert len(keys) == len(set(keys)), "every job has its own dedupe key"
    assert all(set(j[3]) <= {"recipient_id", "recipient_role", "request_id", "session_id", "sequence",
                             "event_id", "mentor_id", "release_count"} for j in emails(db)), "payloads carry ids only"
    assert booking.session is not None
