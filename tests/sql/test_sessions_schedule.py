"""schedule_mini_session and reschedule_mini_session: who may call them, the time checks, what they leave behind."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest

from mini_mentorship.testing.api import Api
from mini_mentorship.testing.database import Database
from tests.sql.builders import (
    Booking,
    Sessions,
    db_now,
    event_names,
    events,
    outbox_rows,
    refused_unchanged,
    request_row,
    session_row,
)

MakeUser = Callable[..., uuid.UUID]
AsUser = Callable[[uuid.UUID], Api]
UTC = dt.UTC


@pytest.fixture
def sessions(db: Database, make_user: MakeUser, as_user: AsUser) -> Sessions:
    return Sessions(db, make_user, as_user)


def at(day: dt.date, hhmm: str) -> dt.datetime:
    hour, minute = map(int, hhmm.split(":"))
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def schedule(booking: Booking, when: dt.datetime, duration: int = 60, **options: Any) -> dict[str, Any]:
    options.setdefault("meeting_link", "https://meet.jit.si/mini-test")
    result: dict[str, Any] = booking.as_mentor.rpc(
        "schedule_mini_session", request_id=booking.request_id, scheduled_at=when, duration_minutes=duration,
        **options,
    )
    return result


# ---------------------------------------------------------------------------------------------------------
# schedule_mini_session: the happy path
# ---------------------------------------------------------------------------------------------------------

def test_the_claiming_mentor_schedules_a_session_and_the_request_becomes_scheduled(
    db: Database, sessions: Sessions
) -> None:
    booking = sessions.claimed(timezone="Europe/Paris")
    when = (db_now(db) + dt.timedelta(days=3)).replace(minute=0, second=0, microsecond=0)

    session = schedule(booking, when, 45, meeting_link="https://meet.jit.si/abc")

    assert session["request_id"] == booking.request_id, "the session serves the scheduled request"
    assert (session["student_id"], session["mentor_id"]) == (booking.student, booking.mentor), (
        "the session belongs to the request's student and the claiming mentor"
    )
    assert session["scheduled_at"] == when and session["ends_at"] == when + dt.timedelta(minutes=45), (
        "the session starts at the chosen instant and lasts the chosen 45 minutes"
    )
    assert (session["status"], session["sequence"]) == ("scheduled", 0), "a new session is scheduled, sequence 0"
    assert (session["meeting_type"], session["meeting_platform"]) == ("virtual", "jitsi"), (
        "meeting type and platform default to a virtual Jitsi meeting"
    )
    assert session["timezone"] == "Europe/Paris", "the session's zone defaults to the request's zone"
    assert session["meeting_link"] == "https://meet.jit.si/abc"
    assert session_row(db, session["id"]) == session, "the returned row is the stored row"

    request = request_row(db, booking.request_id)
    assert (request["status"], request["claimed_by_mentor_id"]) == ("scheduled", booking.mentor), (
        "scheduling moves the request claimed -> scheduled and keeps the claim"
    )
    trail = events(db, booking.request_id)
    assert [(e["event"], e["from_status"], e["to_status"], e["actor_id"], e["actor_role"]) for e in trail[2:]] == [
        ("session.scheduled", None, "scheduled", booking.mentor, "mentor"),
        ("request.scheduled", "claimed", "scheduled", booking.mentor, "mentor"),
    ], "scheduling writes session.scheduled then request.scheduled, both by the mentor"
    assert trail[2]["session_id"] == session["id"]
    assert outbox_rows(db, "meeting_link") == [], "a session that already has its link needs no meeting-link job"


def test_a_virtual_session_without_a_link_queues_one_meeting_link_job(db: Database, sessions: Sessions) -> None:
    booking = sessions.claimed()
    session = schedule(booking, db_now(db) + dt.timedelta(days=2), meeting_link=None, meeting_platform="zoom")

    jobs = outbox_rows(db, "meeting_link")
    assert [(j["kind"], j["template"], j["status"], j["payload"], j["dedupe_key"]) for j in jobs] == [
        ("meeting_link", None, "pending", {"session_id": str(session["id"]), "sequence": 0},
         f"meeting_link:{session['id']}:0"),
    ], "scheduling a Zoom session without a link must queue exactly one meeting-link job (ids only)"
    assert jobs[0]["run_at"] <= db_now(db), "the job is due at once"


@pytest.mark.parametrize(
    ("meeting_type", "platform", "link", "location"),
    [
        ("phone", "phone", None, None),
        ("in-person", "other", None, "Library, room 2"),
        ("virtual", "teams", "https://teams.example.test/x", None),
    ],
)
def test_sessions_that_need_no_generated_link_queue_nothing(
    db: Database, sessions: Sessions, meeting_type: str, platform: str, link: str | None, location: str | None
) -> None:
    booking = sessions.claimed()
    session = schedule(booking, db_now(db) + dt.timedelta(days=2), meeting_type=meeting_type,
                       meeting_platform=platform, meeting_link=link, location=location)
    assert (session["meeting_type"], session["meeting_platform"], session["location"]) == (
        meeting_type, platform, location
    )
    assert outbox_rows(db, "meeting_link") == [], (
        f"a {meeting_type} {platform} session must not queue a meeting-link job"
    )


def test_the_session_zone_can_be_chosen(db: Database, sessions: Sessions) -> None:
    booking = sessions.claimed(timezone="UTC")
    session = schedule(booking, db_now(db) + dt.timedelta(days=2), timezone="Asia/Tokyo")
    assert session["timezone"] == "Asia/Tokyo"


# ---------------------------------------------------------------------------------------------------------
# schedule_mini_session: who may call it
# ---------------------------------------------------------------------------------------------------------

def test_only_the_claiming_mentor_may_schedule(
    db: Database, sessions: Sessions, as_user: AsUser, as_admin: Api, as_anon: Api
) -> None:
    booking = sessions.claimed()
    when = db_now(db) + dt.timedelta(days=2)
    args = {"request_id": booking.request_id, "scheduled_at": when, "duration_minutes": 60}
    other_mentor = as_user(sessions.mentor())
    outsider = as_user(sessions.student())

    refused_unchanged(db, lambda: as_anon.rpc("schedule_mini_session", **args), code="42501", hint=None,
                      status=401, who="anon", what="scheduling a session")
    # Only pool mentors schedule: anyone else is told so before any request is looked up (issue 8).
    refused_unchanged(db, lambda: booking.as_student.rpc("schedule_mini_session", **args), code="42501",
                      hint="not_pool_mentor", status=403, who="the request's student",
                      what="scheduling their own request")
    refused_unchanged(db, lambda: as_admin.rpc("schedule_mini_session", **args), code="42501",
                      hint="not_pool_mentor", status=403, who="an admin", what="scheduling a request")
    refused_unchanged(db, lambda: other_mentor.rpc("schedule_mini_session", **args), code="PT404",
                      hint="request_not_found", status=404, who="another pool mentor",
                      what="scheduling a request claimed by someone else (not visible to them)")
    refused_unchanged(db, lambda: outsider.rpc("schedule_mini_session", **args), code="42501",
                      hint="not_pool_mentor", status=403, who="another student", what="scheduling a request")
    missing = {**args, "request_id": uuid.uuid4()}
    refused_unchanged(db, lambda: booking.as_mentor.rpc("schedule_mini_session", **missing),
                      code="PT404", hint="request_not_found", status=404, who="the mentor",
                      what="scheduling a request that does not exist")


def test_a_mentor_whose_claim_was_released_can_no_longer_schedule(db: Database, sessions: Sessions) -> None:
    booking = sessions.claimed()
    booking.as_mentor.rpc("release_mini_request", request_id=booking.request_id, reason="too busy")
    refused_unchanged(
        db, lambda: schedule(booking, db_now(db) + dt.timedelta(days=2)), code="42501", hint="not_claiming_mentor",
        who="a pool mentor who released the claim", what="scheduling the now open request",
    )


@pytest.mark.parametrize("state", ["scheduled", "cancelled"])
def test_only_a_claimed_request_can_be_scheduled(db: Database, sessions: Sessions, state: str) -> None:
    booking = sessions.claimed()
    if state == "scheduled":
        schedule(booking, db_now(db) + dt.timedelta(days=2))
    else:
        booking.as_student.rpc("cancel_mini_request", request_id=booking.request_id, reason="found help")
    err = refused_unchanged(
        db, lambda: schedule(booking, db_now(db) + dt.timedelta(days=5)), code="PT409", hint="request_not_claimed",
        status=409, who="the claiming mentor", what=f"scheduling a {state} request",
    )
    assert err.message, "the refusal has a message for the UI"


# ---------------------------------------------------------------------------------------------------------
# schedule_mini_session: arguments
# ---------------------------------------------------------------------------------------------------------

BAD_ARGUMENTS: list[tuple[str, Any, str]] = [
    ("request_id", None, "request_id"),
    ("scheduled_at", None, "scheduled_at"),
    ("scheduled_at", "past", "scheduled_at"),
    ("duration_minutes", None, "duration_minutes"),
    ("duration_minutes", 90, "duration_minutes"),
    ("duration_minutes", 0, "duration_minutes"),
    ("meeting_type", None, "meeting_type"),
    ("meeting_type", "carrier-pigeon", "meeting_type"),
    ("meeting_platform", None, "meeting_platform"),
    ("meeting_platform", "skype", "meeting_platform"),
    ("meeting_link", "javascript:alert(1)", "meeting_link"),
    ("meeting_link", "https://meet.example.test/" + "x" * 2048, "meeting_link"),
    ("location", "L" * 501, "location"),
    ("timezone", "PST", "timezone"),
    ("timezone", "Mars/Olympus_Mons", "timezone"),
    ("timezone", "", "timezone"),
    ("timezone", "UTC+02:00", "timezone"),
]


@pytest.mark.parametrize(("arg", "value", "hint"), BAD_ARGUMENTS,
                         ids=[f"{a}-{i}" for i, (a, _, _) in enumerate(BAD_ARGUMENTS)])
def test_bad_arguments_are_22023_naming_the_argument(
    db: Database, sessions: Sessions, arg: str, value: Any, hint: str
) -> None:
    booking = sessions.claimed()
    args: dict[str, Any] = {
        "request_id": booking.request_id,
        "scheduled_at": db_now(db) + dt.timedelta(days=2),
        "duration_minutes": 60,
        "meeting_link": "https://meet.jit.si/x",
    }
    args[arg] = db_now(db) - dt.timedelta(minutes=1) if value == "past" else value
    err = refused_unchanged(
        db, lambda: booking.as_mentor.rpc("schedule_mini_session", **args), code="22023", hint=hint, status=400,
        who="the claiming mentor", what=f"scheduling with {arg}={value!r:.40}",
    )
    assert err.message and "violates" not in err.message, "the message is written for a UI, not a constraint name"


def test_in_person_needs_a_location_and_other_platforms_need_a_link(db: Database, sessions: Sessions) -> None:
    booking = sessions.claimed()
    when = db_now(db) + dt.timedelta(days=2)
    refused_unchanged(db, lambda: schedule(booking, when, meeting_type="in-person", meeting_platform="other",
                                           meeting_link=None, location="  "),
                      code="22023", hint="location", who="the mentor", what="scheduling in person without a place")
    refused_unchanged(db, lambda: schedule(booking, when, meeting_platform="other", meeting_link=None),
                      code="22023", hint="meeting_link", who="the mentor",
                      what="scheduling a meeting on another platform without its link")


def test_a_teams_session_gets_its_link_from_the_worker(db: Database, sessions: Sessions) -> None:
    booking = sessions.claimed()
    session = schedule(booking, db_now(db) + dt.timedelta(days=2), meeting_platform="teams", meeting_link=None)
    assert (session["meeting_platform"], session["meeting_link"]) == ("teams", None)
    [job] = outbox_rows(db, "meeting_link")
    assert job["dedupe_key"] == f"meeting_link:{session['id']}:0", "the worker makes Teams links too"


# ---------------------------------------------------------------------------------------------------------
# schedule_mini_session: the student's window (request timezone) and the mentor's availability
# ---------------------------------------------------------------------------------------------------------

def test_the_session_must_fall_inside_the_students_dates(db: Database, sessions: Sessions) -> None:
    today = db_now(db).date()
    start, end = today + dt.timedelta(days=3), today + dt.timedelta(days=5)
    booking = sessions.claimed(date_start=start, date_end=end)

    for when, why in [
        (at(start - dt.timedelta(days=1), "12:00"), "the day before the first preferred date"),
        (at(end + dt.timedelta(days=1), "12:00"), "the day after the last preferred date"),
        (at(end, "23:30"), "a session that runs past midnight after the last date"),
    ]:
        refused_unchanged(db, partial(schedule, booking, when), code="PT409",
                          hint="outside_student_window", status=409, who="the mentor", what=f"scheduling {why}")
    assert schedule(booking, at(end, "23:00"))["status"] == "scheduled", (
        "a session ending exactly at midnight after the last date is inside the range"
    )


def test_the_session_must_fit_inside_one_of_the_students_slots(db: Database, sessions: Sessions) -> None:
    day = db_now(db).date() + dt.timedelta(days=3)
    weekday = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][day.weekday()]
    other_day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][(day.weekday() + 1) % 7]
    slots: list[dict[str, Any]] = [
        {"start": "09:00", "end": "12:00"}, {"start": "18:00", "end": "20:00", "days": [other_day]}
    ]
    booking = sessions.claimed(slots=slots, date_start=day, date_end=day + dt.timedelta(days=1))

    for when, why in [
        (at(day, "08:30"), "starting before the slot"),
        (at(day, "11:30"), "running past the end of the slot"),
        (at(day, "13:00"), "between slots"),
        (at(day, "18:30"), f"in a slot that is only for {other_day}, on a {weekday}"),
    ]:
        refused_unchanged(db, partial(schedule, booking, when), code="PT409",
                          hint="outside_student_window", who="the mentor", what=f"scheduling {why}")
    assert schedule(booking, at(day, "11:00"))["status"] == "scheduled", (
        "a session ending exactly at the end of a slot fits"
    )


def test_slots_with_days_are_read_on_the_requests_local_day(db: Database, sessions: Sessions) -> None:
    # 2027-01-04 is a Monday. 23:30 Monday in Los Angeles is 07:30 Tuesday in UTC: the slot's "mon" means the
    # student's Monday.
    booking = sessions.claimed(
        timezone="America/Los_Angeles", date_start=dt.date(2027, 1, 4), date_end=dt.date(2027, 1, 10),
        slots=[{"start": "22:00", "end": "23:59", "days": ["mon"]}],
    )
    refused_unchanged(db, lambda: schedule(booking, dt.datetime(2027, 1, 4, 22, 30, tzinfo=UTC), 60),
                      code="PT409", hint="outside_student_window", who="the mentor",
                      what="scheduling 22:30 UTC Monday (14:30 in Los Angeles)")
    when = dt.datetime(2027, 1, 5, 6, 30, tzinfo=UTC)  # Monday 22:30 in Los Angeles
    assert schedule(booking, when, 60)["scheduled_at"] == when


def test_a_request_without_dates_or_slots_accepts_any_future_time(db: Database, sessions: Sessions) -> None:
    booking = sessions.claimed()
    db.query("update public.mini_mentorship_requests set preferred_date_start = null, preferred_date_end = null "
             "where id = %s", (booking.request_id,))
    when = db_now(db) + dt.timedelta(days=200)
    assert schedule(booking, when)["scheduled_at"] == when, "no dates and no slots: any future time fits"


def add_window(db: Database, mentor: uuid.UUID, start: dt.datetime, end: dt.datetime, *, free: bool = True) -> None:
    db.query(
        "insert into public.mini_mentorship_availability (mentor_id, available_from, available_until, is_available, "
        "blocked_reason) values (%s, %s, %s, %s, %s)",
        (mentor, start, end, free, None if free else "dentist"),
    )


def test_a_mentor_with_availability_windows_schedules_only_inside_them(db: Database, sessions: Sessions) -> None:
    booking = sessions.claimed()
    day = db_now(db).date() + dt.timedelta(days=4)
    add_window(db, booking.mentor, at(day, "09:00"), at(day, "10:00"))
    add_window(db, booking.mentor, at(day, "10:00"), at(day, "11:00"))  # adjacent: joins the first
    add_window(db, booking.mentor, at(day, "14:00"), at(day, "15:00"), free=False)

    for when, why in [
        (at(day, "08:30"), "starting before the windows"),
        (at(day, "10:30"), "running past the end of the joined windows"),
        (at(day, "16:00"), "outside every window"),
    ]:
        refused_unchanged(db, partial(schedule, booking, when), code="PT409",
                          hint="outside_mentor_availability", status=409, who="the mentor",
                          what=f"scheduling {why}")
    assert schedule(booking, at(day, "09:30"))["status"] == "scheduled", (
        "a session across two adjacent windows fits their union"
    )


def test_blocked_windows_apply_even_to_a_mentor_without_free_windows(db: Database, sessions: Sessions) -> None:
    booking = sessions.claimed()
    day = db_now(db).date() + dt.timedelta(days=4)
    add_window(db, booking.mentor, at(day, "14:00"), at(day, "15:00"), free=False)
    # An old free window (in the past) does not restrict the future.
    add_window(db, booking.mentor, db_now(db) - dt.timedelta(days=3), db_now(db) - dt.timedelta(days=2))
    refused_unchanged(db, lambda: schedule(booking, at(day, "14:30"), 30), code="PT409",
                      hint="outside_mentor_availability", who="the mentor", what="scheduling in a blocked window")
    assert schedule(booking, at(day, "15:00"))["status"] == "scheduled", (
        "without current free windows the mentor is available any time except blocked windows"
    )


def test_another_mentors_windows_do_not_matter(db: Database, sessions: Sessions) -> None:
    booking = sessions.claimed()
    day = db_now(db).date() + dt.timedelta(days=4)
    add_window(db, sessions.mentor(), at(day, "09:00"), at(day, "10:00"))
    assert schedule(booking, at(day, "16:00"))["status"] == "scheduled"


# ---------------------------------------------------------------------------------------------------------
# schedule_mini_session: double booking (sequential; the concurrent race is in test_sessions_concurrency.py)
# ---------------------------------------------------------------------------------------------------------

def test_a_mentor_cannot_be_double_booked(db: Database, sessions: Sessions) -> None:
    mentor = sessions.mentor()
    first, second = sessions.claimed(mentor=mentor), sessions.claimed(mentor=mentor)
    day = db_now(db).date() + dt.timedelta(days=3)
    schedule(first, at(day, "10:00"), 60)

    err = refused_unchanged(db, lambda: schedule(second, at(day, "10:30"), 30), code="PT409", hint="mentor_busy",
                            status=409, who="a mentor", what="scheduling a second session overlapping the first")
    assert "23P01" not in err.message and err.code != "23P01", "the exclusion violation must be translated"
    assert schedule(second, at(day, "11:00"), 30)["status"] == "scheduled", (
        "back-to-back sessions ([10:00, 11:00) then 11:00) do not overlap"
    )


def test_a_student_cannot_be_double_booked(db: Database, sessions: Sessions) -> None:
    student = sessions.student()
    first, second = sessions.claimed(student=student), sessions.claimed(student=student)
    day = db_now(db).date() + dt.timedelta(days=3)
    schedule(first, at(day, "10:00"), 60)
    refused_unchanged(db, lambda: schedule(second, at(day, "09:30"), 45), code="PT409", hint="student_busy",
                      status=409, who="another mentor",
                      what="scheduling the same student's other request over their first session")


def test_a_cancelled_session_frees_its_time(db: Database, sessions: Sessions) -> None:
    mentor = sessions.mentor()
    first, second = sessions.claimed(mentor=mentor), sessions.claimed(mentor=mentor)
    day = db_now(db).date() + dt.timedelta(days=3)
    session = schedule(first, at(day, "10:00"), 60)
    first.as_student.rpc("cancel_mini_session", session_id=session["id"], reason=None)
    assert schedule(second, at(day, "10:00"), 60)["status"] == "scheduled"


# ---------------------------------------------------------------------------------------------------------
# reschedule_mini_session
# ---------------------------------------------------------------------------------------------------------

def test_the_mentor_moves_a_scheduled_session(db: Database, sessions: Sessions) -> None:
    booking = sessions.scheduled()
    old = booking.session
    assert old is not None
    new_time = old["scheduled_at"] + dt.timedelta(days=1, hours=2)

    moved = booking.as_mentor.rpc("reschedule_mini_session", session_id=booking.session_id,
                                  scheduled_at=new_time, reason="  conference clash  ")

    assert (moved["scheduled_at"], moved["ends_at"]) == (new_time, new_time + dt.timedelta(minutes=60)), (
        "the session moves and keeps its duration"
    )
    assert (moved["status"], moved["sequence"]) == ("scheduled", 1), "a move bumps the ICS sequence"
    assert moved["reschedule_reason"] == "conference clash", "the trimmed reason is stored"
    assert moved["rescheduled_at"] is not None
    assert request_row(db, booking.request_id)["status"] == "scheduled", "the request stays scheduled"
    last = events(db, booking.request_id)[-1]
    assert (last["event"], last["actor_id"], last["reason"]) == (
        "session.rescheduled", booking.mentor, "conference clash"
    ), "a move writes session.rescheduled with the reason, by the mentor"
    assert last["detail"]["sequence"] == 1
    assert dt.datetime.fromisoformat(last["detail"]["previous_scheduled_at"]) == old["scheduled_at"]
    assert dt.datetime.fromisoformat(last["detail"]["scheduled_at"]) == new_time

    again = booking.as_mentor.rpc("reschedule_mini_session", session_id=booking.session_id,
                                  scheduled_at=new_time + dt.timedelta(hours=1), reason="once more")
    assert again["sequence"] == 2, "every move bumps the sequence"


def test_only_the_sessions_mentor_may_reschedule(
    db: Database, sessions: Sessions, as_user: AsUser, as_admin: Api, as_anon: Api
) -> None:
    booking = sessions.scheduled()
    args = {"session_id": booking.session_id,
            "scheduled_at": db_now(db) + dt.timedelta(days=5), "reason": "clash"}
    refused_unchanged(db, lambda: as_anon.rpc("reschedule_mini_session", **args), code="42501", hint=None,
                      status=401, who="anon", what="moving a session")
    refused_unchanged(db, lambda: booking.as_student.rpc("reschedule_mini_session", **args), code="42501",
                      hint="not_session_mentor", status=403, who="the student", what="moving their session")
    refused_unchanged(db, lambda: as_admin.rpc("reschedule_mini_session", **args), code="42501",
                      hint="not_session_mentor", status=403, who="an admin", what="moving a session")
    refused_unchanged(db, lambda: as_user(sessions.mentor()).rpc("reschedule_mini_session", **args),
                      code="PT404", hint="session_not_found", status=404, who="another mentor",
                      what="moving someone else's session")
    refused_unchanged(db, lambda: booking.as_mentor.rpc("reschedule_mini_session",
                                                        **{**args, "session_id": uuid.uuid4()}),
                      code="PT404", hint="session_not_found", who="the mentor", what="moving a missing session")


@pytest.mark.parametrize(
    ("arg", "value", "hint"),
    [
        ("session_id", None, "session_id"),
        ("scheduled_at", None, "scheduled_at"),
        ("scheduled_at", "past", "scheduled_at"),
        ("scheduled_at", "same", "scheduled_at"),
        ("reason", None, "reason"),
        ("reason", "   ", "reason"),
        ("reason", "r" * 1001, "reason"),
    ],
)
def test_reschedule_arguments_are_checked(db: Database, sessions: Sessions, arg: str, value: Any, hint: str) -> None:
    booking = sessions.scheduled()
    assert booking.session is not None
    args: dict[str, Any] = {"session_id": booking.session_id,
                            "scheduled_at": db_now(db) + dt.timedelta(days=5), "reason": "clash"}
    if arg == "scheduled_at" and value == "past":
        value = db_now(db) - dt.timedelta(hours=1)
    elif arg == "scheduled_at" and value == "same":
        value = booking.session["scheduled_at"]
    args[arg] = value
    refused_unchanged(db, lambda: booking.as_mentor.rpc("reschedule_mini_session", **args), code="22023",
                      hint=hint, status=400, who="the mentor", what=f"moving a session with {arg}={value!r:.30}")


def test_a_move_gets_the_same_time_checks_as_scheduling(db: Database, sessions: Sessions) -> None:
    today = db_now(db).date()
    mentor = sessions.mentor()
    other = sessions.scheduled(mentor=mentor, starts_at=at(today + dt.timedelta(days=6), "10:00"))
    booking = sessions.scheduled(mentor=mentor, starts_at=at(today + dt.timedelta(days=4), "10:00"),
                                 date_end=today + dt.timedelta(days=10))
    assert other.session is not None

    def move(when: dt.datetime) -> Any:
        return booking.as_mentor.rpc("reschedule_mini_session", session_id=booking.session_id,
                                     scheduled_at=when, reason="clash")

    refused_unchanged(db, lambda: move(at(today + dt.timedelta(days=11), "10:00")), code="PT409",
                      hint="outside_student_window", who="the mentor", what="moving past the student's dates")
    refused_unchanged(db, lambda: move(at(today + dt.timedelta(days=6), "10:30")), code="PT409", hint="mentor_busy",
                      who="the mentor", what="moving onto their other session")
    add_window(db, mentor, at(today + dt.timedelta(days=5), "09:00"), at(today + dt.timedelta(days=5), "12:00"))
    refused_unchanged(db, lambda: move(at(today + dt.timedelta(days=5), "13:00")), code="PT409",
                      hint="outside_mentor_availability", who="the mentor", what="moving outside their windows")
    assert move(at(today + dt.timedelta(days=5), "11:00"))["sequence"] == 1
    assert move(at(today + dt.timedelta(days=5), "10:30"))["sequence"] == 2, (
        "a session may move onto a time overlapping its own previous time"
    )


@pytest.mark.parametrize("state", ["in-progress", "completed", "cancelled", "no-show"])
def test_only_a_scheduled_session_can_be_moved(db: Database, sessions: Sessions, state: str) -> None:
    booking = sessions.in_progress() if state != "cancelled" else sessions.scheduled()
    if state == "completed":
        booking.as_mentor.rpc("complete_mini_session", session_id=booking.session_id, mentor_notes=None,
                              topics_covered=None, action_items=None, follow_up_needed=False,
                              actual_duration_minutes=30)
    elif state == "cancelled":
        booking.as_student.rpc("cancel_mini_session", session_id=booking.session_id, reason=None)
    elif state == "no-show":
        booking.as_student.rpc("mark_mini_no_show", session_id=booking.session_id, absent="mentor")
    assert session_row(db, booking.session_id)["status"] == state
    refused_unchanged(
        db, lambda: booking.as_mentor.rpc("reschedule_mini_session", session_id=booking.session_id,
                                          scheduled_at=db_now(db) + dt.timedelta(days=3), reason="later"),
        code="PT409", hint="session_not_scheduled", status=409, who="the mentor", what=f"moving a {state} session",
    )


def test_event_names_of_a_scheduled_request(db: Database, sessions: Sessions) -> None:
    booking = sessions.scheduled()
    assert event_names(db, booking.request_id) == [
        "request.created", "request.claimed", "session.scheduled", "request.scheduled"
    ]
