"""mini_mentorship_analytics: every success metric of the plan, for admins only."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any

import pytest

from mini_mentorship.testing.api import Api
from mini_mentorship.testing.database import Database
from tests.sql.builders import Sessions, backdate_events, db_now, refused_unchanged
from tests.sql.requests_support import create_request

MakeUser = Callable[..., uuid.UUID]
AsUser = Callable[[uuid.UUID], Api]
HOUR = dt.timedelta(hours=1)

EMPTY_FIGURES: dict[str, Any] = {
    "requests": 0,
    "requests_by_status": {"open": 0, "claimed": 0, "scheduled": 0, "completed": 0, "cancelled": 0, "expired": 0},
    "request_cancellation_rate": None,
    "follow_up_requests": 0,
    "claimed_requests": 0,
    "claim_rate": None,
    "average_request_to_claim_seconds": None,
    "schedulings": 0,
    "average_claim_to_scheduled_seconds": None,
    "sessions": 0,
    "ended_sessions": 0,
    "completed_sessions": 0,
    "cancelled_sessions": 0,
    "no_show_sessions": 0,
    "completion_rate": None,
    "no_show_rate": None,
    "session_cancellation_rate": None,
    "follow_up_needed_rate": None,
    "average_student_rating": None,
    "student_ratings": 0,
    "average_mentor_rating": None,
    "mentor_ratings": 0,
    "student_rating_distribution": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0},
    "mentor_rating_distribution": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0},
}
NO_CLAIMS = [
    {"bucket": "under 1 h", "min_seconds": None, "max_seconds": 3600, "claims": 0},
    {"bucket": "1 to 6 h", "min_seconds": 3600, "max_seconds": 21600, "claims": 0},
    {"bucket": "6 to 24 h", "min_seconds": 21600, "max_seconds": 86400, "claims": 0},
    {"bucket": "1 to 3 days", "min_seconds": 86400, "max_seconds": 259200, "claims": 0},
    {"bucket": "over 3 days", "min_seconds": 259200, "max_seconds": None, "claims": 0},
]


@pytest.fixture
def sessions(db: Database, make_user: MakeUser, as_user: AsUser) -> Sessions:
    return Sessions(db, make_user, as_user)


def close_to(actual: Any, expected: float, tolerance: float = 3) -> bool:
    return actual is not None and abs(float(actual) - expected) <= tolerance


def test_the_plans_success_metrics_over_a_small_history(db: Database, sessions: Sessions, as_admin: Api) -> None:
    s1, s2, s3, s4 = (sessions.student() for _ in range(4))
    days = dt.timedelta(days=1)

    # r1: interview prep, completed with a follow-up, rated 5 by the student and 4 by the mentor. It waited 3 h
    # for its claim and was scheduled 2 h after the claim.
    r1 = sessions.completed(student=s1, session_type="interview_prep", follow_up=True, starts_in=2 * days)
    backdate_events(db, r1.request_id, "request.created", 5 * HOUR)
    backdate_events(db, r1.request_id, "request.claimed", 2 * HOUR)
    r1.as_student.rpc("rate_mini_session", session_id=r1.session_id, rating=5, feedback=None)
    r1.as_mentor.rpc("rate_mini_session", session_id=r1.session_id, rating=4, feedback=None)
    # r2: interview prep, the student did not show up.
    r2 = sessions.started(student=s1, session_type="interview_prep", starts_in=3 * days)
    r2.as_mentor.rpc("join_mini_session", session_id=r2.session_id)  # the reporter was there (issue 8)
    r2.as_mentor.rpc("mark_mini_no_show", session_id=r2.session_id, absent="student")
    # r3: career advice, completed without follow-up, rated 3 by the student.
    r3 = sessions.completed(student=s2, session_type="career_advice", starts_in=4 * days)
    r3.as_student.rpc("rate_mini_session", session_id=r3.session_id, rating=3, feedback="ok")
    # r4: career advice, the student cancelled the session.
    r4 = sessions.scheduled(student=s2, session_type="career_advice", starts_in=5 * days)
    r4.as_student.rpc("cancel_mini_session", session_id=r4.session_id, reason=None)
    # r5: resume review, still open; r6: resume review, cancelled before any claim.
    create_request(sessions.as_user(s3), session_type="resume_review")
    r6 = create_request(sessions.as_user(s4), session_type="resume_review")
    sessions.as_user(s4).rpc("cancel_mini_request", request_id=r6["id"], reason="found help")

    report = as_admin.rpc("mini_mentorship_analytics")

    assert (report["since"], report["until"]) == (None, None), "no bounds: all time"
    assert report["requests"] == 6
    assert report["requests_by_status"] == {
        "open": 1, "claimed": 0, "scheduled": 0, "completed": 2, "cancelled": 3, "expired": 0
    }
    assert report["request_cancellation_rate"] == 0.5, "3 of 6 requests ended cancelled"
    assert (report["claimed_requests"], report["claim_rate"]) == (4, Decimal("0.6667"))
    assert close_to(report["average_request_to_claim_seconds"], 3 * 3600 / 4), (
        "request -> first claim: 3 h for r1 and about 0 for the three others"
    )
    assert report["schedulings"] == 4
    assert close_to(report["average_claim_to_scheduled_seconds"], 2 * 3600 / 4), (
        "claim -> scheduled: 2 h for r1 and about 0 for the three others"
    )
    assert (report["sessions"], report["ended_sessions"], report["completed_sessions"],
            report["cancelled_sessions"], report["no_show_sessions"]) == (4, 4, 2, 1, 1)
    assert (report["completion_rate"], report["no_show_rate"], report["session_cancellation_rate"]) == (
        0.5, 0.25, 0.25
    ), "over the 4 ended sessions: 2 completed, 1 no-show, 1 cancelled"
    assert report["follow_up_needed_rate"] == 0.5, "1 of 2 completed sessions needs a follow-up"
    assert (report["average_student_rating"], report["student_ratings"]) == (4.0, 2)
    assert (report["average_mentor_rating"], report["mentor_ratings"]) == (4.0, 1)
    assert report["student_rating_distribution"] == {"1": 0, "2": 0, "3": 1, "4": 0, "5": 1}
    assert report["mentor_rating_distribution"] == {"1": 0, "2": 0, "3": 0, "4": 1, "5": 0}
    assert [b["claims"] for b in report["time_to_claim_distribution"]] == [3, 1, 0, 0, 0], (
        "request -> first claim: three claimed at once, r1 after 3 h"
    )
    week = db.scalar("select to_char(date_trunc('week', now() at time zone 'UTC'), 'YYYY-MM-DD')")
    assert report["requests_per_week"] == [{
        "week": week, "requests": 6, "open": 1, "claimed": 0, "scheduled": 0, "completed": 2, "cancelled": 3,
        "expired": 0,
    }], "requests per ISO week (named by its Monday), by current status"
    assert (report["students"], report["repeat_students"], report["repeat_student_rate"]) == (4, 2, 0.5), (
        "s1 and s2 asked twice, s3 and s4 once"
    )
    month = db.scalar("select to_char(now() at time zone 'UTC', 'YYYY-MM')")
    assert report["requests_per_month"] == [{"month": month, "requests": 6}]

    by_type = report["by_session_type"]
    assert set(by_type) == {"interview_prep", "career_advice", "resume_review"}
    prep = by_type["interview_prep"]
    assert (prep["requests"], prep["completion_rate"], prep["no_show_rate"], prep["follow_up_needed_rate"]) == (
        2, 0.5, 0.5, 1.0
    )
    assert close_to(prep["average_request_to_claim_seconds"], 3 * 3600 / 2)
    assert close_to(prep["average_claim_to_scheduled_seconds"], 2 * 3600 / 2)
    assert (prep["average_student_rating"], prep["average_mentor_rating"]) == (5.0, 4.0)
    advice = by_type["career_advice"]
    assert (advice["completion_rate"], advice["session_cancellation_rate"], advice["average_student_rating"]) == (
        0.5, 0.5, 3.0
    )
    review = by_type["resume_review"]
    assert (review["requests"], review["claimed_requests"], review["sessions"], review["completion_rate"]) == (
        2, 0, 0, None
    ), "a type without sessions has no completion rate (null, not 0)"
    assert review["requests_by_status"]["cancelled"] == 1 and review["request_cancellation_rate"] == 0.5


def test_claim_times_count_the_first_claim_and_the_claim_before_scheduling(
    db: Database, sessions: Sessions, as_admin: Api, as_user: AsUser
) -> None:
    booking = sessions.claimed()
    backdate_events(db, booking.request_id, "request.created", 4 * HOUR)
    backdate_events(db, booking.request_id, "request.claimed", 3 * HOUR)  # first claim: 1 h after creation
    booking.as_mentor.rpc("release_mini_request", request_id=booking.request_id, reason="no time")
    second = sessions.mentor()
    as_user(second).rpc("claim_mini_request", request_id=booking.request_id)
    as_user(second).rpc("schedule_mini_session", request_id=booking.request_id,
                        scheduled_at=db_now(db) + 2 * dt.timedelta(days=1), duration_minutes=30,
                        meeting_link="https://meet.jit.si/x")

    report = as_admin.rpc("mini_mentorship_analytics")
    assert close_to(report["average_request_to_claim_seconds"], 3600), "request -> FIRST claim is one hour"
    assert close_to(report["average_claim_to_scheduled_seconds"], 0), (
        "claim -> scheduled is measured from the claim that led to the scheduling (the re-claim)"
    )
    assert report["claimed_requests"] == 1, "a request claimed twice counts once"


def test_the_period_selects_requests_by_creation(db: Database, sessions: Sessions, as_admin: Api) -> None:
    student = sessions.student()
    api = sessions.as_user(student)
    ids = [create_request(api, session_type=t)["id"] for t in ("other", "other", "technical_help")]
    for request_id, created in zip(ids, ["2026-09-10T12:00:00Z", "2026-10-05T12:00:00Z"], strict=False):
        db.query("update public.mini_mentorship_requests set created_at = %s where id = %s", (created, request_id))

    everything = as_admin.rpc("mini_mentorship_analytics")
    month = db.scalar("select to_char(now() at time zone 'UTC', 'YYYY-MM')")
    assert everything["requests_per_month"] == [
        {"month": "2026-09", "requests": 1}, {"month": "2026-10", "requests": 1}, {"month": month, "requests": 1}
    ], "requests per calendar month (UTC), oldest first"
    assert everything["repeat_students"] == 1

    october = as_admin.rpc("mini_mentorship_analytics", since="2026-10-01T00:00:00Z", until="2026-11-01T00:00:00Z")
    assert october["requests"] == 1 and october["requests_per_month"] == [{"month": "2026-10", "requests": 1}]
    assert october["since"] is not None and october["until"] is not None
    assert october["repeat_students"] == 0, "repeat usage is counted inside the period"

    since_october = as_admin.rpc("mini_mentorship_analytics", since="2026-10-01T00:00:00Z")
    assert since_october["requests"] == 2, "only a lower bound: everything from October on"
    until_october = as_admin.rpc("mini_mentorship_analytics", until="2026-10-01T00:00:00Z")
    assert until_october["requests"] == 1, "only an upper bound (exclusive)"
    assert set(until_october["by_session_type"]) == {"other"}


def test_an_empty_period_has_zero_counts_and_null_rates(as_admin: Api) -> None:
    report = as_admin.rpc("mini_mentorship_analytics", since="2020-01-01T00:00:00Z", until="2020-01-01T00:00:00Z")
    assert {k: report[k] for k in EMPTY_FIGURES} == EMPTY_FIGURES, "nothing to count: zeros, and null rates"
    assert (report["students"], report["repeat_students"], report["repeat_student_rate"]) == (0, 0, None)
    assert report["requests_per_month"] == [] and report["by_session_type"] == {}
    assert report["requests_per_week"] == [] and report["time_to_claim_distribution"] == NO_CLAIMS, (
        "every claim bucket is listed, with 0"
    )


def test_the_report_is_one_typed_row(db: Database, as_admin: Api) -> None:
    """Supabase's type generator types a row's columns; a bare json result would be `Json` in TypeScript."""
    result = db.scalar(
        "select format_type(p.prorettype, null) from pg_catalog.pg_proc as p "
        "where p.oid = 'public.mini_mentorship_analytics(timestamptz, timestamptz)'::regprocedure"
    )
    assert result == "mini_mentorship_analytics_report"
    columns = db.query(
        "select a.attname as name, format_type(a.atttypid, a.atttypmod) as type from pg_catalog.pg_attribute as a "
        "where a.attrelid = 'public.mini_mentorship_analytics_report'::regclass and a.attnum > 0 order by a.attnum"
    )
    types = {c["name"]: c["type"] for c in columns}
    assert types["requests"] == "bigint" and types["claim_rate"] == "numeric"
    assert types["since"] == "timestamp with time zone" and types["by_session_type"] == "jsonb"
    report = as_admin.rpc("mini_mentorship_analytics")
    assert isinstance(report, dict) and list(report) == [c["name"] for c in columns], (
        "the RPC answers one object (PostgREST: a single composite), its keys in the type's order"
    )


def test_only_admins_see_analytics(
    db: Database, sessions: Sessions, as_anon: Api, as_service_role: Api, as_admin: Api
) -> None:
    student, mentor = sessions.as_user(sessions.student()), sessions.as_user(sessions.mentor())
    refused_unchanged(db, lambda: as_anon.rpc("mini_mentorship_analytics"), code="42501", hint=None, status=401,
                      who="anon", what="reading analytics")
    for api, who in [(student, "a student"), (mentor, "a pool mentor")]:
        refused_unchanged(db, partial(api.rpc, "mini_mentorship_analytics"), code="42501", hint="not_admin",
                          status=403, who=who, what="reading analytics")
    refused_unchanged(db, lambda: as_service_role.rpc("mini_mentorship_analytics"), code="42501", hint=None,
                      who="the service role", what="calling the admin RPC without a user")
    refused_unchanged(db, lambda: as_admin.rpc("mini_mentorship_analytics", since="2026-10-02T00:00:00Z",
                                               until="2026-10-01T00:00:00Z"),
                      code="22023", hint="since", status=400, who="an admin",
                      what="asking for a period that ends before it starts")
