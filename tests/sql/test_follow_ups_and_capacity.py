"""Issue 12 parts 5 and 6: a mentor's claim capacity, and follow-up requests addressed to the same mentor."""

from __future__ import annotations

import datetime as dt
import functools
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest

from mini_mentorship.testing.api import Api, ApiError
from mini_mentorship.testing.database import Database
from tests.sql.builders import Booking, Sessions, outbox_rows, refused_unchanged, state
from tests.sql.requests_support import Lifecycle, create_request, db_create_request, event_names, request_row

MakeUser = Callable[..., uuid.UUID]
AsUser = Callable[[uuid.UUID], Api]

MADE_UP = uuid.UUID("00000000-0000-4000-8000-00000000dead")


@pytest.fixture
def lc(db: Database, make_user: MakeUser) -> Lifecycle:
    return Lifecycle(db, make_user)


def open_requests(db: Database, lc: Lifecycle, count: int) -> list[uuid.UUID]:
    student = lc.student()
    return [db_create_request(db, student, title=f"Request {n}")["id"] for n in range(count)]


def set_limit(db: Database, limit: int) -> None:
    db.query("update private.settings set max_claims_per_mentor = %s", (limit,))


# ---------------------------------------------------------------------------------------------------------
# Part 6: mentor capacity
# ---------------------------------------------------------------------------------------------------------


def test_the_default_limit_is_three_claimed_unscheduled_requests(
    db: Database, lc: Lifecycle, as_user: AsUser
) -> None:
    assert db.scalar("select (private.settings()).max_claims_per_mentor") == 3
    mentor = lc.mentor()
    api = as_user(mentor)
    first, second, third, fourth = open_requests(db, lc, 4)
    for rid in (first, second, third):
        assert api.rpc("claim_mini_request", request_id=rid)["claimed_by_mentor_id"] == mentor

    err = refused_unchanged(
        db, lambda: api.rpc("claim_mini_request", request_id=fourth), code="PT409", hint="claim_limit",
        who="a mentor holding 3 claims", what="claiming a fourth request", status=409,
    )
    assert "3 claimed requests" in err.message and "Schedule a session" in err.message, (
        f"the message must say how many claims the mentor holds and what to do about it: {err.message!r}"
    )
    assert err.detail == "At most 3 claimed, unscheduled requests per mentor.", err.detail
    assert request_row(db, fourth)["status"] == "open", "the refused claim must leave the request open"

    # Another mentor is not affected by this mentor's claims.
    other = as_user(lc.mentor())
    assert other.rpc("claim_mini_request", request_id=fourth)["status"] == "claimed"


def test_the_limit_is_checked_before_the_id_as_the_existence_rule_says(
    db: Database, lc: Lifecycle, as_user: AsUser
) -> None:
    free = as_user(lc.mentor())
    with pytest.raises(ApiError) as before:
        free.rpc("claim_mini_request", request_id=MADE_UP)
    assert (before.value.code, before.value.hint) == ("PT404", "request_not_found"), (
        "below the limit a made-up id answers exactly as before: PT404 request_not_found"
    )

    full_mentor = lc.mentor()
    full = as_user(full_mentor)
    for rid in open_requests(db, lc, 3):
        full.rpc("claim_mini_request", request_id=rid)
    real = open_requests(db, lc, 1)[0]
    answers = []
    for rid in (MADE_UP, real):
        with pytest.raises(ApiError) as info:
            full.rpc("claim_mini_request", request_id=rid)
        err = info.value
        answers.append((err.code, err.message, err.detail, err.hint))
    assert answers[0] == answers[1], (
        "at the limit a made-up id and a real open request must get the same answer (the limit needs no row)"
    )
    assert answers[0][3] == "claim_limit"

    # Checks that come earlier still win: outside the pool, not_pool_mentor.
    db.query("update public.mentorship_profiles set in_matching_pool = false where user_id = %s", (full_mentor,))
    with pytest.raises(ApiError) as info:
        full.rpc("claim_mini_request", request_id=real)
    assert info.value.hint == "not_pool_mentor", info.value


def test_scheduling_releasing_or_a_cancellation_frees_a_slot(
    db: Database, lc: Lifecycle, as_user: AsUser
) -> None:
    mentor = lc.mentor()
    api = as_user(mentor)
    held = open_requests(db, lc, 3)
    waiting = open_requests(db, lc, 3)
    for rid in held:
        api.rpc("claim_mini_request", request_id=rid)

    def must_be_full(what: str) -> None:
        refused(api, waiting[-1], what)

    def refused(api: Api, rid: uuid.UUID, what: str) -> None:
        with pytest.raises(ApiError) as info:
            api.rpc("claim_mini_request", request_id=rid)
        assert info.value.hint == "claim_limit", f"{what}: expected claim_limit, got {info.value}"

    must_be_full("holding 3")
    # Scheduling a session moves the request out of 'claimed'.
    lc.session_for(held[0])
    db.query("update public.mini_mentorship_requests set status = 'scheduled' where id = %s", (held[0],))
    assert api.rpc("claim_mini_request", request_id=waiting[0])["status"] == "claimed"
    must_be_full("after scheduling one and claiming again")

    # Releasing one.
    api.rpc("release_mini_request", request_id=held[1], reason="I cannot make the dates work.")
    assert api.rpc("claim_mini_request", request_id=waiting[1])["status"] == "claimed"
    must_be_full("after releasing one and claiming again")

    # The student cancels one the mentor holds.
    student = request_row(db, held[2])["student_id"]
    as_user(student).rpc("cancel_mini_request", request_id=held[2], reason="Found help elsewhere.")
    assert api.rpc("claim_mini_request", request_id=waiting[2])["status"] == "claimed"


def test_the_operator_changes_the_limit(db: Database, lc: Lifecycle, as_user: AsUser) -> None:
    api = as_user(lc.mentor())
    first, second, third = open_requests(db, lc, 3)
    set_limit(db, 1)
    api.rpc("claim_mini_request", request_id=first)
    with pytest.raises(ApiError) as info:
        api.rpc("claim_mini_request", request_id=second)
    assert (info.value.hint, info.value.detail) == (
        "claim_limit", "At most 1 claimed, unscheduled requests per mentor."
    )
    set_limit(db, 5)
    api.rpc("claim_mini_request", request_id=second)
    api.rpc("claim_mini_request", request_id=third)

    # Lowering the limit below what a mentor holds keeps their claims; they just cannot claim more.
    set_limit(db, 2)
    assert db.scalar(
        "select count(*) from public.mini_mentorship_requests where status = 'claimed'"
    ) == 3
    for bad in (0, 101, None):
        with pytest.raises(psycopg.errors.Error):
            set_limit(db, bad)  # type: ignore[arg-type]
    assert db.scalar("select max_claims_per_mentor from private.settings") == 2


PARALLEL_ROUNDS = 15


def test_two_parallel_claims_at_limit_minus_one_cannot_both_win(
    db: Database, lc: Lifecycle, as_user: AsUser
) -> None:
    mentor = lc.mentor()
    holder = as_user(mentor)
    for rid in open_requests(db, lc, 2):
        holder.rpc("claim_mini_request", request_id=rid)
    apis = [as_user(mentor), as_user(mentor)]  # the same mentor, two connections (two browser tabs)
    for api in apis:
        api.query("select 1")

    def claim(pair: tuple[Api, uuid.UUID], barrier: threading.Barrier) -> tuple[str, object]:
        api, rid = pair
        barrier.wait(timeout=30)
        try:
            return "won", api.rpc("claim_mini_request", request_id=rid)["id"]
        except ApiError as err:
            return "refused", (err.code, err.hint)

    with ThreadPoolExecutor(max_workers=2) as pool:
        for round_no in range(PARALLEL_ROUNDS):
            targets = open_requests(db, lc, 2)
            barrier = threading.Barrier(2)
            outcomes = list(pool.map(functools.partial(claim, barrier=barrier), zip(apis, targets, strict=True)))
            winners = [what for kind, what in outcomes if kind == "won"]
            refusals = [what for kind, what in outcomes if kind == "refused"]
            assert len(winners) == 1 and refusals == [("PT409", "claim_limit")], (
                f"round {round_no}: at 2 of 3 claims, two parallel claims must give one win and one "
                f"claim_limit, got {outcomes}"
            )
            held = db.scalar(
                "select count(*) from public.mini_mentorship_requests "
                "where claimed_by_mentor_id = %s and status = 'claimed'",
                (mentor,),
            )
            assert held == 3, f"round {round_no}: the mentor must hold exactly 3 claims, holds {held}"
            # Free the slot again for the next round (the student cancels the won request).
            db.query(
                "update public.mini_mentorship_requests set status = 'cancelled', "
                "cancellation_reason = 'next round' where id = %s",
                (winners[0],),
            )


# ---------------------------------------------------------------------------------------------------------
# Part 5: follow-ups with the same mentor
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def sessions(db: Database, make_user: MakeUser, as_user: AsUser) -> Sessions:
    return Sessions(db, make_user, as_user)


def follow_up(booking: Booking, **fields: Any) -> dict[str, Any]:
    return create_request(
        booking.as_student, title="Follow-up: the caching part", follow_up_of=booking.session_id, **fields
    )


def browse_ids(api: Api) -> dict[uuid.UUID, Any]:
    return {row["id"]: row["reserved_for_you_until"] for row in api.rpc("browse_mini_requests", page_size=50)}


def end_reservation(db: Database, request_id: uuid.UUID) -> None:
    """Pretend the reservation time passed (the update guard keeps reserved_until, so triggers are off)."""
    with psycopg.connect(db.url) as conn, conn.transaction():
        conn.execute("set local session_replication_role = replica")
        conn.execute(
            "update public.mini_mentorship_requests set reserved_until = now() - interval '1 minute' "
            "where id = %s",
            (request_id,),
        )


def answer(call: Callable[[], Any]) -> tuple[str, str, str | None, str | None]:
    with pytest.raises(ApiError) as info:
        call()
    err = info.value
    return (err.code, err.message, err.detail, err.hint)


def test_a_follow_up_is_reserved_for_the_sessions_mentor_for_48_hours(
    db: Database, sessions: Sessions, as_user: AsUser
) -> None:
    booking = sessions.completed()
    req = follow_up(booking)
    assert req["follow_up_of"] == booking.session_id
    assert req["reserved_for_mentor_id"] == booking.mentor
    assert req["reserved_until"] - req["created_at"] == dt.timedelta(hours=48)
    assert (req["follow_up_exclusive"], req["status"]) == (False, "open")
    # It notifies like any request: the request.created event and the student's request_created email.
    assert event_names(db, req["id"]) == ["request.created"]
    assert [
        r for r in outbox_rows(db, "email")
        if r["template"] == "request_created" and r["payload"]["request_id"] == str(req["id"])
    ], "a follow-up queues the request_created email like any request"

    # Only the reserved mentor sees it, and is told until when it is theirs.
    other = as_user(sessions.mentor())
    assert browse_ids(booking.as_mentor)[req["id"]] == req["reserved_until"]
    assert req["id"] not in browse_ids(other)
    plain = create_request(as_user(sessions.student()), title="An ordinary request")
    assert browse_ids(other)[plain["id"]] is None and browse_ids(booking.as_mentor)[plain["id"]] is None

    # To another pool mentor it does not exist: claim, release and cancel answer exactly as a made-up id.
    calls: list[tuple[str, dict[str, Any]]] = [
        ("claim_mini_request", {}),
        ("release_mini_request", {"reason": "probe"}),
        ("cancel_mini_request", {"reason": "probe"}),
    ]
    for rpc, args in calls:
        before = state(db)
        real = answer(functools.partial(other.rpc, rpc, request_id=req["id"], **args))
        made_up = answer(functools.partial(other.rpc, rpc, request_id=MADE_UP, **args))
        assert real == made_up and real[3] == "request_not_found", (
            f"{rpc} by another mentor on a reserved follow-up must answer like a made-up id: {real} vs {made_up}"
        )
        assert state(db) == before, f"{rpc} was refused, so nothing may have changed"

    # The reserved mentor claims it, then reads it (and where it came from) like any claimed request.
    claimed = booking.as_mentor.rpc("claim_mini_request", request_id=req["id"])
    assert (claimed["status"], claimed["claimed_by_mentor_id"]) == ("claimed", booking.mentor)
    assert booking.as_mentor.query(
        "select follow_up_of from public.mini_mentorship_requests where id = %s", (req["id"],)
    ) == [{"follow_up_of": booking.session_id}]


def test_after_the_reservation_a_follow_up_opens_to_the_pool(
    db: Database, sessions: Sessions, as_user: AsUser
) -> None:
    booking = sessions.completed()
    req = follow_up(booking)
    other = as_user(sessions.mentor())
    end_reservation(db, req["id"])
    assert browse_ids(other)[req["id"]] is None
    assert browse_ids(booking.as_mentor)[req["id"]] is None, "no longer reserved for anyone"
    assert other.rpc("claim_mini_request", request_id=req["id"])["status"] == "claimed"


def test_an_exclusive_follow_up_stays_with_its_mentor_until_it_expires(
    db: Database, sessions: Sessions, as_user: AsUser
) -> None:
    booking = sessions.completed()
    req = follow_up(booking, follow_up_exclusive=True)
    assert req["follow_up_exclusive"] is True
    other = as_user(sessions.mentor())
    end_reservation(db, req["id"])
    assert req["id"] not in browse_ids(other)
    assert browse_ids(booking.as_mentor)[req["id"]] == req["expires_at"], "theirs until the request expires"
    refused_unchanged(
        db, lambda: other.rpc("claim_mini_request", request_id=req["id"]), code="PT404",
        hint="request_not_found", who="another pool mentor", what="claiming an exclusive follow-up",
    )
    assert booking.as_mentor.rpc("claim_mini_request", request_id=req["id"])["status"] == "claimed"
    # Released by its mentor, it is still theirs alone.
    booking.as_mentor.rpc("release_mini_request", request_id=req["id"], reason="Not this week after all.")
    assert req["id"] not in browse_ids(other)
    assert req["id"] in browse_ids(booking.as_mentor)


def test_each_refusal_of_a_follow_up_and_nothing_left_behind(
    db: Database, sessions: Sessions, as_user: AsUser
) -> None:
    booking = sessions.completed()
    someone_elses = sessions.completed()
    student = booking.as_student

    made_up = refused_unchanged(
        db, lambda: create_request(student, follow_up_of=MADE_UP), code="22023", hint="follow_up_of",
        who="a student", what="following up a made-up session", status=400,
    )
    theirs = refused_unchanged(
        db, lambda: create_request(student, follow_up_of=someone_elses.session_id), code="22023",
        hint="follow_up_of", who="a student", what="following up another student's session",
    )
    assert (made_up.message, made_up.detail) == (theirs.message, theirs.detail), (
        "another student's session must answer exactly like a made-up id"
    )
    # The session's mentor is not its student either.
    refused_unchanged(
        db, lambda: create_request(booking.as_mentor, follow_up_of=booking.session_id), code="22023",
        hint="follow_up_of", who="the session's mentor", what="posting a follow-up of their own session",
    )

    scheduled = sessions.scheduled()
    err = refused_unchanged(
        db, lambda: create_request(scheduled.as_student, follow_up_of=scheduled.session_id), code="PT409",
        hint="session_not_completed", who="a student", what="following up a session not yet completed",
        status=409,
    )
    assert "completed" in err.message

    refused_unchanged(
        db, lambda: create_request(student, follow_up_exclusive=True), code="22023", hint="follow_up_exclusive",
        who="a student", what="keeping an ordinary request for one mentor",
    )

    # Columns only the database writes are not granted.
    for column, value in (("reserved_for_mentor_id", booking.mentor), ("reserved_until", dt.datetime.now(dt.UTC))):
        before = state(db)
        with pytest.raises(ApiError) as info:
            create_request(student, **{column: value})
        assert info.value.code == "42501", f"inserting {column}: {info.value}"
        assert state(db) == before

    db.query(
        "update public.mentorship_profiles set in_matching_pool = false where user_id = %s", (booking.mentor,)
    )
    refused_unchanged(
        db, lambda: create_request(student, follow_up_of=booking.session_id), code="PT409",
        hint="mentor_not_available", who="a student", what="following up with a mentor who left the pool",
    )


def test_the_reservation_never_changes_and_the_reserved_mentor_needs_the_pool_and_capacity(
    db: Database, sessions: Sessions, as_user: AsUser
) -> None:
    booking = sessions.completed()
    req = follow_up(booking)
    db.query(
        "update public.mini_mentorship_requests set reserved_until = now(), reserved_for_mentor_id = null, "
        "follow_up_exclusive = true, follow_up_of = null where id = %s",
        (req["id"],),
    )
    row = request_row(db, req["id"])
    assert {k: row[k] for k in ("follow_up_of", "reserved_for_mentor_id", "reserved_until", "follow_up_exclusive")} \
        == {k: req[k] for k in ("follow_up_of", "reserved_for_mentor_id", "reserved_until", "follow_up_exclusive")}

    # The reserved mentor's claims count like any other.
    set_limit(db, 1)
    filler = db_create_request(db, sessions.student())["id"]
    booking.as_mentor.rpc("claim_mini_request", request_id=filler)
    refused_unchanged(
        db, lambda: booking.as_mentor.rpc("claim_mini_request", request_id=req["id"]), code="PT409",
        hint="claim_limit", who="the reserved mentor at the limit", what="claiming the follow-up",
    )
    set_limit(db, 3)
    # Out of the pool, they cannot claim it (claims follow the pool).
    db.query(
        "update public.mentorship_profiles set in_matching_pool = false where user_id = %s", (booking.mentor,)
    )
    refused_unchanged(
        db, lambda: booking.as_mentor.rpc("claim_mini_request", request_id=req["id"]), code="42501",
        hint="not_pool_mentor", who="the reserved mentor outside the pool", what="claiming the follow-up",
    )


def test_analytics_count_follow_ups(db: Database, sessions: Sessions, as_admin: Api) -> None:
    booking = sessions.completed(session_type="career_advice")
    follow_up(booking, session_type="career_advice")
    follow_up(booking, session_type="interview_prep", follow_up_exclusive=True)
    report = as_admin.rpc("mini_mentorship_analytics")
    assert (report["requests"], report["follow_up_requests"]) == (3, 2)
    by_type = report["by_session_type"]
    assert (by_type["career_advice"]["follow_up_requests"], by_type["interview_prep"]["follow_up_requests"]) == (1, 1)


def test_deleting_the_mentors_account_clears_the_session_and_the_reservation(
    db: Database, sessions: Sessions, as_user: AsUser
) -> None:
    booking = sessions.completed()
    req = follow_up(booking)
    db.query("delete from auth.users where id = %s", (booking.mentor,))
    assert db.scalar("select count(*) from public.mini_mentorship_sessions where id = %s", (booking.session_id,)) == 0
    row = request_row(db, req["id"])
    assert (row["follow_up_of"], row["reserved_for_mentor_id"]) == (None, None), (
        "the deleted session and mentor leave no dangling reference"
    )
    assert row["reserved_until"] == req["reserved_until"], "it still counts as a follow-up"
    # No reserved mentor any more: every pool mentor sees it.
    assert req["id"] in browse_ids(as_user(sessions.mentor()))
