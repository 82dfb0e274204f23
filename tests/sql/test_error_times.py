"""Times in error details are ISO 8601 in UTC (issue 12 item 9), whatever the session's TimeZone / DateStyle."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable

import pytest

from mini_mentorship.testing.api import Api, ApiError
from mini_mentorship.testing.database import Database
from tests.sql.builders import Sessions

MakeUser = Callable[..., uuid.UUID]
AsUser = Callable[[uuid.UUID], Api]

ISO = r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)"


@pytest.fixture
def sessions(db: Database, make_user: MakeUser, as_user: AsUser) -> Sessions:
    return Sessions(db, make_user, as_user)


def _at(detail: str | None, pattern: str) -> dt.datetime:
    match = re.fullmatch(pattern, detail or "")
    assert match, f"detail {detail!r} does not give an ISO 8601 UTC time ({pattern})"
    return dt.datetime.fromisoformat(match.group(1).replace("Z", "+00:00"))


def _odd_session_settings(api: Api) -> None:
    """What a connection pool might carry: another zone and date style for the rest of the session."""
    api.query("set timezone = 'America/Chicago'")
    api.query("set datestyle = 'SQL, DMY'")


def test_too_early_says_when_the_session_opens(sessions: Sessions) -> None:
    booking = sessions.scheduled(starts_in=dt.timedelta(days=2))
    _odd_session_settings(booking.as_student)
    with pytest.raises(ApiError) as refused:
        booking.as_student.rpc("join_mini_session", session_id=booking.session_id)
    assert refused.value.hint == "too_early"
    opens = _at(refused.value.detail, rf"Opens at {ISO}\.")
    assert booking.session is not None
    assert opens == booking.session["scheduled_at"] - dt.timedelta(minutes=15)


def test_no_show_too_early_says_from_when(sessions: Sessions) -> None:
    booking = sessions.scheduled(starts_in=dt.timedelta(days=2))
    _odd_session_settings(booking.as_student)
    with pytest.raises(ApiError) as refused:
        booking.as_student.rpc("mark_mini_no_show", session_id=booking.session_id, absent="mentor")
    assert refused.value.hint == "no_show_too_early"
    since = _at(refused.value.detail, rf"From {ISO}\.")
    assert booking.session is not None
    assert since == booking.session["scheduled_at"] + dt.timedelta(minutes=10)


def test_release_limit_says_when_the_next_release_is_possible(db: Database, sessions: Sessions) -> None:
    mentor = sessions.mentor()
    released_at = []
    for _ in range(3):
        booking = sessions.claimed(mentor=mentor)
        booking.as_mentor.rpc("release_mini_request", request_id=booking.request_id, reason="Not for me")
        released_at.append(db.scalar(
            "select max(at) from public.mini_mentorship_events where request_id = %s and event = 'request.released'",
            (booking.request_id,),
        ))
    booking = sessions.claimed(mentor=mentor)
    _odd_session_settings(booking.as_mentor)
    with pytest.raises(ApiError) as refused:
        booking.as_mentor.rpc("release_mini_request", request_id=booking.request_id, reason="Not for me")
    assert refused.value.hint == "release_limit_reached"
    after = _at(refused.value.detail, rf"Next release possible after {ISO}\.")
    expected = min(released_at) + dt.timedelta(hours=24)
    assert after == expected.replace(microsecond=0), "the oldest release of the last 24 hours, plus 24 hours"
