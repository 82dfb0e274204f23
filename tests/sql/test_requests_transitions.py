"""The request and session state machines (DESIGN §5) hold for every writer, and leave an audit trail."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import psycopg
import pytest

from mini_mentorship.testing.api import Api, ApiError
from mini_mentorship.testing.database import Database
from tests.sql.requests_support import (
    ALLOWED_REQUEST_TRANSITIONS,
    ALLOWED_SESSION_TRANSITIONS,
    REQUEST_STATES,
    SESSION_STATES,
    Lifecycle,
    events,
    request_row,
    session_row,
    snapshot,
)

MakeUser = Callable[..., uuid.UUID]

REQUEST_PAIRS = [(a, b) for a in REQUEST_STATES for b in REQUEST_STATES if a != b]
SESSION_PAIRS = [(a, b) for a in SESSION_STATES for b in SESSION_STATES if a != b]
WRITERS = ["superuser", "service_role"]


@pytest.fixture
def lc(db: Database, make_user: MakeUser) -> Lifecycle:
    return Lifecycle(db, make_user)


def write(db: Database, service: Api, writer: str, query: str, params: Any) -> None:
    """Run an UPDATE as the superuser (psql, cron) or as the service role (server code)."""
    if writer == "service_role":
        service.execute(query, params)
    else:
        db.query(query, params)


def write_error(db: Database, service: Api, writer: str, query: str, params: Any) -> tuple[str, str | None, str]:
    """Run a write that must fail; (sqlstate, hint, message)."""
    try:
        write(db, service, writer, query, params)
    except ApiError as err:
        return err.code, err.hint, err.message
    except psycopg.Error as err:
        return err.diag.sqlstate or "", err.diag.message_hint, err.diag.message_primary or ""
    raise AssertionError(f"the {writer} ran {query!r} and it succeeded, but it must be refused")


# ---------------------------------------------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------------------------------------------

SET_REQUEST_STATUS = (
    "update public.mini_mentorship_requests set status = %(to)s, "
    "claimed_by_mentor_id = case when %(to)s = 'claimed' then %(mentor)s::uuid else claimed_by_mentor_id end, "
    "cancellation_reason = case when %(to)s = 'cancelled' then 'changed my mind' else cancellation_reason end "
    "where id = %(id)s"
)


@pytest.mark.parametrize(("from_status", "to_status"), REQUEST_PAIRS, ids=[f"{a}->{b}" for a, b in REQUEST_PAIRS])
def test_request_transition_is_allowed_only_along_the_state_machine(
    db: Database, lc: Lifecycle, as_service_role: Api, from_status: str, to_status: str
) -> None:
    for writer in WRITERS:
        req = lc.request(from_status)
        params = {"to": to_status, "mentor": lc.mentor(), "id": req["id"]}
        trail_before = events(db, req["id"])

        if (from_status, to_status) in ALLOWED_REQUEST_TRANSITIONS:
            write(db, as_service_role, writer, SET_REQUEST_STATUS, params)
            after = request_row(db, req["id"])
            assert after["status"] == to_status, (
                f"the {writer} moving a request {from_status}->{to_status} must work"
            )
            new_events = events(db, req["id"])[len(trail_before):]
            assert [(e["entity"], e["from_status"], e["to_status"]) for e in new_events] == [
                ("request", from_status, to_status)
            ], f"the {from_status}->{to_status} transition must append exactly one event"
            expected_role = "service_role" if writer == "service_role" else "system"
            assert (new_events[0]["actor_id"], new_events[0]["actor_role"]) == (None, expected_role), (
                f"a transition by the {writer} must be recorded with no user and role {expected_role}"
            )
        else:
            before = snapshot(db)
            code, hint, message = write_error(db, as_service_role, writer, SET_REQUEST_STATUS, params)
            assert (code, hint) == ("PT409", "invalid_transition"), (
                f"the {writer} moving a request {from_status}->{to_status} must be refused with PT409 "
                f"invalid_transition, got {code} {hint}"
            )
            assert f'"{from_status}"' in message and f'"{to_status}"' in message, (
                f"the refusal must name both states, got {message!r}"
            )
            assert snapshot(db) == before, "a refused transition must change nothing"


def test_transition_columns_are_set_by_the_database_not_the_writer(
    db: Database, lc: Lifecycle, as_service_role: Api
) -> None:
    req = lc.request("open")
    mentor = lc.mentor()
    start = db.scalar("select now()")
    as_service_role.execute(
        "update public.mini_mentorship_requests set status = 'claimed', claimed_by_mentor_id = %s, "
        "claimed_at = '2000-01-01', release_count = 42, cancelled_at = '2000-01-01', "
        "completed_at = '2000-01-01' where id = %s",
        (mentor, req["id"]),
    )
    row = request_row(db, req["id"])
    assert row["claimed_at"] >= start, "claimed_at must be the database's clock, not the writer's value"
    assert row["release_count"] == 0, "release_count is counted by the database"
    assert row["cancelled_at"] is None and row["completed_at"] is None, (
        "timestamps of transitions that did not happen must stay empty"
    )
    as_service_role.execute(
        "update public.mini_mentorship_requests set claimed_at = '2000-01-01', last_released_at = now(), "
        "title = 'A clearer title' where id = %s",
        (req["id"],),
    )
    row2 = request_row(db, req["id"])
    assert row2["claimed_at"] == row["claimed_at"], "claimed_at cannot be rewritten outside a transition"
    assert row2["last_released_at"] is None, "last_released_at cannot be written by hand"
    assert row2["title"] == "A clearer title", "ordinary columns can still be edited by the service role"
    assert row2["updated_at"] > row["updated_at"], "updated_at must move on every update"


def test_releasing_a_claim_records_history_and_clears_the_claim(db: Database, lc: Lifecycle) -> None:
    mentor = lc.mentor()
    req = lc.request("claimed", mentor=mentor)
    db.query(
        "update public.mini_mentorship_requests set status = 'open', last_release_reason = 'busy week' "
        "where id = %s",
        (req["id"],),
    )
    row = request_row(db, req["id"])
    assert (row["claimed_by_mentor_id"], row["claimed_at"]) == (None, None), "a released request is unclaimed"
    assert row["release_count"] == 1 and row["last_released_at"] is not None, "the release must be counted"
    assert row["last_release_reason"] == "busy week"
    released = events(db, req["id"])[-1]
    assert released["event"] == "request.released" and released["reason"] == "busy week"
    assert released["detail"] == {"mentor_id": str(mentor), "release_count": 1}, (
        "the release event must say whose claim was released"
    )


def test_reopening_a_scheduled_request_is_a_reopen_event(db: Database, lc: Lifecycle) -> None:
    req = lc.request("scheduled")
    db.query("update public.mini_mentorship_requests set status = 'open' where id = %s", (req["id"],))
    assert events(db, req["id"])[-1]["event"] == "request.reopened"
    assert request_row(db, req["id"])["claimed_by_mentor_id"] is None, "a reopened request is unclaimed"


@pytest.mark.parametrize("writer", WRITERS)
def test_the_claiming_mentor_changes_only_through_a_transition(
    db: Database, lc: Lifecycle, as_service_role: Api, writer: str
) -> None:
    req = lc.request("claimed")
    code, hint, _ = write_error(
        db, as_service_role, writer,
        "update public.mini_mentorship_requests set claimed_by_mentor_id = %s where id = %s",
        (lc.mentor(), req["id"]),
    )
    assert (code, hint) == ("PT409", "invalid_transition"), (
        f"the {writer} handing a claim to another mentor must be refused"
    )


@pytest.mark.parametrize("writer", WRITERS)
def test_a_request_never_changes_student(db: Database, lc: Lifecycle, as_service_role: Api, writer: str) -> None:
    req = lc.request("open")
    code, hint, _ = write_error(
        db, as_service_role, writer,
        "update public.mini_mentorship_requests set student_id = %s where id = %s", (lc.student(), req["id"]),
    )
    assert (code, hint) == ("22023", "student_id"), f"the {writer} moving a request to another student"


def test_an_expired_open_request_cannot_be_claimed_even_directly(db: Database, lc: Lifecycle) -> None:
    req = lc.request("open")
    db.query("update public.mini_mentorship_requests set expires_at = now() - interval '1 minute' where id = %s",
             (req["id"],))
    code, hint, _ = write_error(
        db, None, "superuser",  # type: ignore[arg-type]
        "update public.mini_mentorship_requests set status = 'claimed', claimed_by_mentor_id = %s where id = %s",
        (lc.mentor(), req["id"]),
    )
    assert (code, hint) == ("PT409", "request_not_open"), "claiming a request past expires_at must be refused"


def test_a_claim_needs_a_mentor(db: Database, lc: Lifecycle) -> None:
    req = lc.request("open")
    code, hint, _ = write_error(
        db, None, "superuser",  # type: ignore[arg-type]
        "update public.mini_mentorship_requests set status = 'claimed' where id = %s", (req["id"],),
    )
    assert (code, hint) == ("22023", "claimed_by_mentor_id"), "a claim without a mentor must be refused"


def test_timezone_changes_are_validated(db: Database, lc: Lifecycle, as_service_role: Api) -> None:
    req = lc.request("open")
    code, hint, _ = write_error(
        db, as_service_role, "service_role",
        "update public.mini_mentorship_requests set timezone = 'Europe/Atlantis' where id = %s", (req["id"],),
    )
    assert (code, hint) == ("22023", "timezone"), "an unknown zone must be refused on update too"


# ---------------------------------------------------------------------------------------------------------
# Sessions
# ---------------------------------------------------------------------------------------------------------

SET_SESSION_STATUS = (
    "update public.mini_mentorship_sessions set status = %(to)s, "
    "no_show_absent = case when %(to)s = 'no-show' then 'mentor' else no_show_absent end, "
    "cancellation_reason = case when %(to)s = 'cancelled' then 'sick' else cancellation_reason end "
    "where id = %(id)s"
)


@pytest.mark.parametrize(("from_status", "to_status"), SESSION_PAIRS, ids=[f"{a}->{b}" for a, b in SESSION_PAIRS])
def test_session_transition_is_allowed_only_along_the_state_machine(
    db: Database, lc: Lifecycle, as_service_role: Api, from_status: str, to_status: str
) -> None:
    for writer in WRITERS:
        session = lc.session(from_status)
        params = {"to": to_status, "id": session["id"]}
        if (from_status, to_status) in ALLOWED_SESSION_TRANSITIONS:
            write(db, as_service_role, writer, SET_SESSION_STATUS, params)
            after = session_row(db, session["id"])
            assert after["status"] == to_status, (
                f"the {writer} moving a session {from_status}->{to_status} must work"
            )
            last = events(db, session["request_id"])[-1]
            assert (last["entity"], last["session_id"], last["from_status"], last["to_status"]) == (
                "session", session["id"], from_status, to_status
            ), f"the session {from_status}->{to_status} transition must be in the event trail"
        else:
            before = snapshot(db)
            code, hint, message = write_error(db, as_service_role, writer, SET_SESSION_STATUS, params)
            assert (code, hint) == ("PT409", "invalid_transition"), (
                f"the {writer} moving a session {from_status}->{to_status} must be refused with PT409 "
                f"invalid_transition, got {code} {hint}"
            )
            assert f'"{from_status}"' in message and f'"{to_status}"' in message, message
            assert snapshot(db) == before, "a refused session transition must change nothing"


def test_session_timestamps_and_sequence_are_kept_by_the_database(db: Database, lc: Lifecycle) -> None:
    session = lc.session("scheduled")
    sid = session["id"]
    assert session["sequence"] == 0, "a new session starts at ICS sequence 0"
    assert session["ends_at"] - session["scheduled_at"] == dt.timedelta(minutes=60), "ends_at = start + duration"

    db.query(
        "update public.mini_mentorship_sessions set scheduled_at = scheduled_at + interval '1 day', "
        "duration_minutes = 30, reschedule_reason = 'conflict', sequence = 0 where id = %s", (sid,)
    )
    moved = session_row(db, sid)
    assert moved["sequence"] == 1 and moved["rescheduled_at"] is not None, "a reschedule bumps the sequence"
    assert moved["ends_at"] - moved["scheduled_at"] == dt.timedelta(minutes=30), "ends_at follows the move"
    resched = events(db, session["request_id"])[-1]
    assert resched["event"] == "session.rescheduled" and resched["reason"] == "conflict"

    db.query("update public.mini_mentorship_sessions set student_joined_at = '2000-01-01' where id = %s", (sid,))
    joined = session_row(db, sid)["student_joined_at"]
    assert joined is not None and joined.year > 2000, "attendance is stamped with the database clock"
    db.query("update public.mini_mentorship_sessions set student_joined_at = now() + interval '1 hour' "
             "where id = %s", (sid,))
    assert session_row(db, sid)["student_joined_at"] == joined, "the first join time never moves"

    db.query("update public.mini_mentorship_sessions set status = 'in-progress', started_at = '2000-01-01' "
             "where id = %s", (sid,))
    started = session_row(db, sid)
    assert started["started_at"].year > 2000, "started_at is set by the database"
    code, hint, _ = write_error(
        db, None, "superuser",  # type: ignore[arg-type]
        "update public.mini_mentorship_sessions set scheduled_at = scheduled_at + interval '1 hour' where id = %s",
        (sid,),
    )
    assert (code, hint) == ("PT409", "session_not_scheduled"), "a session in progress cannot be moved"

    db.query("update public.mini_mentorship_sessions set status = 'cancelled', cancellation_reason = 'x' "
             "where id = %s", (sid,))
    cancelled = session_row(db, sid)
    assert cancelled["sequence"] == 2 and cancelled["cancelled_at"] is not None, (
        "cancelling bumps the ICS sequence (a CANCEL must supersede the last invite)"
    )


def test_a_no_show_must_say_who_was_absent(db: Database, lc: Lifecycle) -> None:
    session = lc.session("scheduled")
    code, hint, _ = write_error(
        db, None, "superuser",  # type: ignore[arg-type]
        "update public.mini_mentorship_sessions set status = 'no-show' where id = %s", (session["id"],),
    )
    assert (code, hint) == ("22023", "absent"), "a no-show without who was absent must be refused"
    db.query("update public.mini_mentorship_sessions set status = 'no-show', no_show_absent = 'both' "
             "where id = %s", (session["id"],))
    row = session_row(db, session["id"])
    assert row["no_show_absent"] == "both" and row["no_show_marked_at"] is not None
    assert events(db, session["request_id"])[-1]["detail"]["absent"] == "both"


def test_a_session_is_born_scheduled_for_the_requests_student_and_claiming_mentor(
    db: Database, lc: Lifecycle
) -> None:
    req = lc.request("claimed")
    insert = (
        "insert into public.mini_mentorship_sessions "
        "(request_id, student_id, mentor_id, scheduled_at, duration_minutes, timezone, status) "
        "values (%s, %s, %s, now() + interval '2 days', 30, 'UTC', %s)"
    )
    code, hint, _ = write_error(db, None, "superuser", insert,  # type: ignore[arg-type]
                                (req["id"], req["student_id"], req["claimed_by_mentor_id"], "completed"))
    assert (code, hint) == ("PT409", "invalid_transition"), "a session cannot be created completed"
    code, hint, _ = write_error(db, None, "superuser", insert,  # type: ignore[arg-type]
                                (req["id"], lc.student(), req["claimed_by_mentor_id"], "scheduled"))
    assert (code, hint) == ("22023", "student_id"), "a session for another student must be refused"
    code, hint, _ = write_error(db, None, "superuser", insert,  # type: ignore[arg-type]
                                (req["id"], req["student_id"], lc.mentor(), "scheduled"))
    assert (code, hint) == ("22023", "mentor_id"), "a session with a mentor who did not claim must be refused"
    code, hint, _ = write_error(
        db, None, "superuser",  # type: ignore[arg-type]
        insert.replace("'UTC'", "'Moon/Base'"),
        (req["id"], req["student_id"], req["claimed_by_mentor_id"], "scheduled"),
    )
    assert (code, hint) == ("22023", "timezone"), "a session in an unknown time zone must be refused"


# ---------------------------------------------------------------------------------------------------------
# The audit trail is append-only
# ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "statement",
    ["update public.mini_mentorship_events set reason = 'rewritten'",
     "delete from public.mini_mentorship_events",
     "truncate public.mini_mentorship_events"],
)
def test_nobody_can_rewrite_the_event_history(
    db: Database, lc: Lifecycle, as_service_role: Api, as_admin: Api, statement: str
) -> None:
    lc.request("claimed")
    before = snapshot(db)
    code, hint, _ = write_error(db, as_service_role, "superuser", statement, None)
    assert (code, hint) == ("42501", "events_append_only"), f"the superuser running {statement!r} must fail"
    code, _, _ = write_error(db, as_service_role, "service_role", statement, None)
    assert code == "42501", f"the service role running {statement!r} must be refused"
    with pytest.raises(ApiError) as denied:
        as_admin.execute(statement)
    assert denied.value.code == "42501", f"an admin running {statement!r} must be refused"
    assert snapshot(db) == before, "the event history must be unchanged"
