"""Scheduling across the America/Chicago DST changes of 2027 against slots written in Chicago wall-clock time.

Spring forward, Sunday 2027-03-14: at 02:00 CST (08:00 UTC) clocks jump to 03:00 CDT; 02:00-02:59 never
happens. Fall back, Sunday 2027-11-07: at 02:00 CDT (07:00 UTC) clocks go back to 01:00 CST; 01:00-01:59 happens
twice (06:xx UTC in CDT, then 07:xx UTC in CST).

Decisions under test (see docs/api.md):
* `scheduled_at` is an instant; the database stores it as given and `ends_at` is exactly `duration` later in
  real time, whatever the wall clock does.
* A session fits the student's slot when every instant of it shows a Chicago wall-clock time inside the slot.
  So across the gap a 60-minute session runs 01:30 -> 03:30 on the wall and needs a slot reaching 03:30, and a
  slot lying in the gap (02:00-03:00) can never be booked. On the fall-back night both 01:30s are inside a
  01:00-02:00 slot, and a session can use the repeated hour.
* A naive local time (no offset) is the client's bug to avoid: PostgreSQL reads a non-existent 02:30 as 03:30
  CDT and an ambiguous 01:30 as the second (CST) one, and the checks then judge that instant.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest

from mini_mentorship.testing.api import Api
from mini_mentorship.testing.database import Database
from tests.sql.builders import Booking, Sessions, refused_unchanged

MakeUser = Callable[..., uuid.UUID]
AsUser = Callable[[uuid.UUID], Api]
UTC = dt.UTC
CHICAGO = "America/Chicago"
SPRING = dt.date(2027, 3, 14)
FALL = dt.date(2027, 11, 7)


@pytest.fixture
def sessions(db: Database, make_user: MakeUser, as_user: AsUser) -> Sessions:
    return Sessions(db, make_user, as_user)


def utc(day: dt.date, hhmm: str) -> dt.datetime:
    hour, minute = map(int, hhmm.split(":"))
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def chicago_request(sessions: Sessions, day: dt.date, start: str, end: str, **kwargs: Any) -> Booking:
    return sessions.claimed(timezone=CHICAGO, date_start=day, date_end=day,
                            slots=[{"start": start, "end": end}], **kwargs)


def schedule(booking: Booking, when: dt.datetime, duration: int) -> dict[str, Any]:
    result: dict[str, Any] = booking.as_mentor.rpc(
        "schedule_mini_session", request_id=booking.request_id, scheduled_at=when, duration_minutes=duration,
        meeting_link="https://meet.jit.si/dst", timezone=CHICAGO,
    )
    return result


def wall_clock(db: Database, instant: dt.datetime) -> str:
    return str(db.scalar("select to_char(%s::timestamptz at time zone %s, 'YYYY-MM-DD HH24:MI')", (instant, CHICAGO)))


# ---------------------------------------------------------------------------------------------------------
# Spring forward: 2027-03-14, 02:00 CST -> 03:00 CDT
# ---------------------------------------------------------------------------------------------------------

def test_a_session_across_the_gap_lasts_its_real_duration_and_needs_the_wall_clock_span(
    db: Database, sessions: Sessions
) -> None:
    start = utc(SPRING, "07:30")  # 01:30 CST
    assert wall_clock(db, start) == "2027-03-14 01:30"
    assert wall_clock(db, start + dt.timedelta(hours=1)) == "2027-03-14 03:30", "one real hour later it is 03:30"

    narrow = chicago_request(sessions, SPRING, "01:00", "03:00")
    refused_unchanged(db, lambda: schedule(narrow, start, 60), code="PT409", hint="outside_student_window",
                      who="the mentor", what="booking 01:30-03:30 (wall clock) into a 01:00-03:00 slot")

    wide = chicago_request(sessions, SPRING, "01:00", "04:00")
    session = schedule(wide, start, 60)
    assert (session["scheduled_at"], session["ends_at"]) == (start, start + dt.timedelta(minutes=60)), (
        "the session is stored as the instant given and lasts 60 real minutes"
    )


def test_a_slot_inside_the_spring_forward_gap_can_never_be_booked(db: Database, sessions: Sessions) -> None:
    booking = chicago_request(sessions, SPRING, "02:00", "03:00")
    for when, why in [(utc(SPRING, "07:30"), "01:30 CST (before the gap)"),
                      (utc(SPRING, "08:00"), "03:00 CDT (right after the gap)"),
                      (utc(SPRING, "07:59"), "01:59 CST")]:
        refused_unchanged(db, partial(schedule, booking, when, 30), code="PT409",
                          hint="outside_student_window", who="the mentor",
                          what=f"booking {why} into a slot that does not exist that night")


def test_a_nonexistent_local_time_is_read_as_the_time_after_the_gap(db: Database, sessions: Sessions) -> None:
    naive = db.scalar("select '2027-03-14 02:30'::timestamp at time zone %s", (CHICAGO,))
    assert naive == utc(SPRING, "08:30"), "PostgreSQL reads 02:30 on spring-forward night as 03:30 CDT"
    assert wall_clock(db, naive) == "2027-03-14 03:30"

    in_gap_slot = chicago_request(sessions, SPRING, "02:00", "03:30")
    refused_unchanged(db, lambda: schedule(in_gap_slot, naive, 30), code="PT409", hint="outside_student_window",
                      who="the mentor",
                      what="booking a naive 02:30 that is really 03:30-04:00 into a slot ending 03:30")
    after_gap = chicago_request(sessions, SPRING, "03:00", "05:00")
    assert schedule(after_gap, naive, 30)["scheduled_at"] == utc(SPRING, "08:30")


# ---------------------------------------------------------------------------------------------------------
# Fall back: 2027-11-07, 02:00 CDT -> 01:00 CST
# ---------------------------------------------------------------------------------------------------------

def test_both_1_30s_of_the_fall_back_night_are_distinct_bookable_instants(db: Database, sessions: Sessions) -> None:
    first_130, second_130 = utc(FALL, "06:30"), utc(FALL, "07:30")
    assert wall_clock(db, first_130) == wall_clock(db, second_130) == "2027-11-07 01:30", "01:30 happens twice"

    mentor = sessions.mentor()
    a = chicago_request(sessions, FALL, "01:00", "02:00", mentor=mentor)
    b = chicago_request(sessions, FALL, "01:00", "02:00", mentor=mentor)
    s1, s2 = schedule(a, first_130, 30), schedule(b, second_130, 30)
    assert (s1["scheduled_at"], s2["scheduled_at"]) == (first_130, second_130), (
        "the two 01:30s are stored as the two different instants"
    )
    assert s2["scheduled_at"] - s1["ends_at"] == dt.timedelta(minutes=30), (
        "the same mentor holds both: they are an hour apart in real time, so they do not overlap"
    )


def test_a_session_through_the_repeated_hour_follows_the_wall_clock(db: Database, sessions: Sessions) -> None:
    start = utc(FALL, "06:30")  # 01:30 CDT; 60 real minutes later it is 01:30 CST again
    assert wall_clock(db, start + dt.timedelta(hours=1)) == "2027-11-07 01:30"

    short_slot = chicago_request(sessions, FALL, "01:00", "01:45")
    refused_unchanged(db, lambda: schedule(short_slot, start, 60), code="PT409", hint="outside_student_window",
                      who="the mentor",
                      what="booking 01:30 CDT for an hour (the clock reaches 02:00 before going back) into 01:00-01:45")
    whole_hour = chicago_request(sessions, FALL, "01:00", "02:00")
    session = schedule(whole_hour, start, 60)
    assert session["ends_at"] - session["scheduled_at"] == dt.timedelta(hours=1), (
        "the session lasts one real hour although the wall clock shows 01:30 at both ends"
    )


def test_after_the_fall_back_the_second_hour_is_checked_in_standard_time(db: Database, sessions: Sessions) -> None:
    booking = chicago_request(sessions, FALL, "01:00", "02:00")
    refused_unchanged(db, lambda: schedule(booking, utc(FALL, "07:30"), 60), code="PT409",
                      hint="outside_student_window", who="the mentor",
                      what="booking 01:30 CST for an hour (until 02:30 CST) into 01:00-02:00")
    assert schedule(booking, utc(FALL, "07:00"), 60)["scheduled_at"] == utc(FALL, "07:00"), (
        "01:00-02:00 CST fits"
    )


def test_an_ambiguous_local_time_is_read_as_the_second_occurrence(db: Database, sessions: Sessions) -> None:
    naive = db.scalar("select '2027-11-07 01:30'::timestamp at time zone %s", (CHICAGO,))
    assert naive == utc(FALL, "07:30"), "PostgreSQL reads an ambiguous 01:30 as standard time (CST)"
    booking = chicago_request(sessions, FALL, "01:00", "02:00")
    assert schedule(booking, naive, 30)["scheduled_at"] == utc(FALL, "07:30")


def test_a_mentor_window_is_absolute_time_across_the_change(db: Database, sessions: Sessions) -> None:
    booking = chicago_request(sessions, FALL, "00:00", "04:00")
    db.query("insert into public.mini_mentorship_availability (mentor_id, available_from, available_until, timezone) "
             "values (%s, %s, %s, %s)", (booking.mentor, utc(FALL, "06:00"), utc(FALL, "07:00"), CHICAGO))
    # The window is the FIRST 01:00-02:00 (CDT); the second 01:30 (CST) is outside it.
    refused_unchanged(db, lambda: schedule(booking, utc(FALL, "07:30"), 30), code="PT409",
                      hint="outside_mentor_availability", who="the mentor",
                      what="booking the second 01:30 in a window covering only the first")
    assert schedule(booking, utc(FALL, "06:30"), 30)["status"] == "scheduled"
