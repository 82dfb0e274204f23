"""Session RPCs under real contention: parallel connections released together by a barrier."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import pytest

from mini_mentorship.testing.api import Api, ApiError
from mini_mentorship.testing.database import Database
from tests.sql.builders import Booking, Sessions, db_now, request_row, session_row

MakeUser = Callable[..., uuid.UUID]
AsUser = Callable[[uuid.UUID], Api]
Outcome = tuple[str, Any]

ROUNDS = 10


@pytest.fixture
def sessions(db: Database, make_user: MakeUser, as_user: AsUser) -> Sessions:
    return Sessions(db, make_user, as_user)


def race(calls: list[Callable[[], Any]]) -> list[Outcome]:
    """Run every call at once (one thread and one connection each); ('ok', result) or ('refused', (code, hint))."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Outcome:
        barrier.wait(timeout=30)
        try:
            return "ok", call()
        except ApiError as err:
            assert err.http_status < 500, f"a concurrent call must not fail with HTTP 5xx: {err}"
            return "refused", (err.code, err.hint)

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def connected(api: Api) -> Api:
    api.query("select 1")  # connect before the race, so the database decides it, not connection set-up
    return api


def schedule_call(api: Api, booking: Booking, when: dt.datetime, duration: int = 60) -> Callable[[], Any]:
    return lambda: api.rpc("schedule_mini_session", request_id=booking.request_id, scheduled_at=when,
                           duration_minutes=duration, meeting_link="https://meet.jit.si/race")


def test_overlapping_schedules_for_one_mentor_at_once_let_exactly_one_win(
    db: Database, sessions: Sessions, as_user: AsUser
) -> None:
    mentor = sessions.mentor()
    apis = [connected(as_user(mentor)), connected(as_user(mentor))]  # the mentor in two browser tabs
    base = (db_now(db) + dt.timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    # Every round's losing claim stays unscheduled: lift the per-mentor claim capacity (issue 12), which this
    # test is not about.
    db.query("update private.settings set max_claims_per_mentor = 100")
    for round_no in range(ROUNDS):
        first, second = sessions.claimed(mentor=mentor), sessions.claimed(mentor=mentor)  # two students
        when = base + dt.timedelta(hours=2 * round_no)
        outcomes = race([schedule_call(apis[0], first, when, 60),
                         schedule_call(apis[1], second, when + dt.timedelta(minutes=30), 30)])

        winners = [result for kind, result in outcomes if kind == "ok"]
        refusals = [result for kind, result in outcomes if kind == "refused"]
        assert len(winners) == 1, f"round {round_no}: exactly one of two overlapping schedules must win"
        assert refusals == [("PT409", "mentor_busy")], (
            f"round {round_no}: the loser must get PT409 mentor_busy, got {refusals}"
        )
        live = db.scalar("select count(*) from public.mini_mentorship_sessions where mentor_id = %s "
                         "and status = 'scheduled' and scheduled_at >= %s and scheduled_at < %s",
                         (mentor, when, when + dt.timedelta(hours=1)))
        assert live == 1, f"round {round_no}: the mentor holds one session in that hour"
        statuses = sorted(request_row(db, b.request_id)["status"] for b in (first, second))
        assert statuses == ["claimed", "scheduled"], (
            f"round {round_no}: the winner's request is scheduled, the loser's is still claimed (nothing changed)"
        )


def test_overlapping_schedules_for_one_student_by_two_mentors_let_exactly_one_win(
    db: Database, sessions: Sessions, as_user: AsUser
) -> None:
    base = (db_now(db) + dt.timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    for round_no in range(ROUNDS):
        student = sessions.student()
        first, second = sessions.claimed(student=student), sessions.claimed(student=student)
        when = base + dt.timedelta(hours=2 * round_no)
        outcomes = race([schedule_call(connected(as_user(first.mentor)), first, when),
                         schedule_call(connected(as_user(second.mentor)), second, when)])
        assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"], f"round {round_no}: one winner"
        assert [r for kind, r in outcomes if kind == "refused"] == [("PT409", "student_busy")]


def test_scheduling_one_request_twice_at_once_creates_one_session(
    db: Database, sessions: Sessions, as_user: AsUser
) -> None:
    base = (db_now(db) + dt.timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    for round_no in range(ROUNDS):
        booking = sessions.claimed()
        apis = [connected(as_user(booking.mentor)) for _ in range(2)]
        # Different, non-overlapping times: only the request row lock can stop the second.
        outcomes = race([schedule_call(apis[0], booking, base + dt.timedelta(hours=1)),
                         schedule_call(apis[1], booking, base + dt.timedelta(hours=5))])
        assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"], f"round {round_no}: one schedule wins"
        assert [r for kind, r in outcomes if kind == "refused"] == [("PT409", "request_not_claimed")]
        assert db.scalar("select count(*) from public.mini_mentorship_sessions where request_id = %s",
                         (booking.request_id,)) == 1


def test_student_and_mentor_cancelling_at_once_leave_one_consistent_outcome(
    db: Database, sessions: Sessions, as_user: AsUser
) -> None:
    for round_no in range(ROUNDS):
        booking = sessions.scheduled(starts_in=dt.timedelta(days=2, hours=round_no))
        outcomes = race([
            partial(connected(as_user(booking.student)).rpc, "cancel_mini_session",
                    session_id=booking.session_id, reason=None),
            partial(connected(as_user(booking.mentor)).rpc, "cancel_mini_session",
                    session_id=booking.session_id, reason="sick"),
        ])
        kinds = [kind for kind, _ in outcomes]
        assert sorted(kinds) == ["ok", "refused"], f"round {round_no}: exactly one cancellation wins"
        assert [r for kind, r in outcomes if kind == "refused"] == [("PT409", "session_not_active")]
        session = session_row(db, booking.session_id)
        request = request_row(db, booking.request_id)
        expected = "cancelled" if session["cancelled_by"] == booking.student else "open"
        assert request["status"] == expected, (
            f"round {round_no}: the request follows whoever won ({session['cancelled_by']}), got {request['status']}"
        )


def test_rating_twice_at_once_stores_one_rating(db: Database, sessions: Sessions, as_user: AsUser) -> None:
    booking = sessions.completed()
    apis = [connected(as_user(booking.student)) for _ in range(2)]
    outcomes = race([
        lambda: apis[0].rpc("rate_mini_session", session_id=booking.session_id, rating=5, feedback="a"),
        lambda: apis[1].rpc("rate_mini_session", session_id=booking.session_id, rating=1, feedback="b"),
    ])
    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"]
    assert [r for kind, r in outcomes if kind == "refused"] == [("PT409", "already_rated")]
    winner = next(r for kind, r in outcomes if kind == "ok")
    assert session_row(db, booking.session_id)["student_rating"] == winner["student_rating"]
    assert db.scalar("select count(*) from public.mini_mentorship_events where event = 'session.rated'") == 1
