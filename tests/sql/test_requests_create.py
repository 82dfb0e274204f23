"""createRequest: a plain insert into mini_mentorship_requests, made safe by grants, RLS and a trigger."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from mini_mentorship.testing.api import Api
from mini_mentorship.testing.database import Database
from tests.sql.requests_support import (
    create_request,
    events,
    insert_query,
    refused,
    snapshot,
    valid_request,
)

MakeUser = Callable[..., uuid.UUID]
AsUser = Callable[[uuid.UUID], Api]


def test_a_student_creates_an_open_request_owned_by_them_that_expires_in_7_days(
    db: Database, make_user: MakeUser, as_user: AsUser
) -> None:
    student = make_user("student")
    row = create_request(as_user(student))

    assert row["student_id"] == student, "the request must belong to the student who inserted it"
    assert row["status"] == "open", "a new request must be open"
    assert row["expires_at"] - row["created_at"] == dt.timedelta(days=7), (
        "a new request must expire exactly 7 days after it was created"
    )
    assert row["claimed_by_mentor_id"] is None and row["claimed_at"] is None, "a new request is unclaimed"
    assert row["release_count"] == 0 and row["cancelled_at"] is None, "a new request has no history"
    assert row["tags"] == ["system-design", "interviews"], "tags must be trimmed and lower-cased"
    assert row["preferred_time_slots"] == [{"start": "09:00", "end": "12:00", "days": ["mon", "wed"]}]

    trail = events(db, row["id"])
    assert [(e["event"], e["from_status"], e["to_status"], e["actor_id"], e["actor_role"]) for e in trail] == [
        ("request.created", None, "open", student, "student")
    ], "creating a request must write exactly one request.created event naming the student"


def test_a_student_may_name_themselves_as_the_student(make_user: MakeUser, as_user: AsUser) -> None:
    student = make_user("student")
    row = create_request(as_user(student), student_id=student)
    assert row["student_id"] == student, "a student naming themselves as student_id must be accepted"


def test_a_student_cannot_create_a_request_for_someone_else(
    db: Database, make_user: MakeUser, as_user: AsUser
) -> None:
    student, other = make_user("student"), make_user("student")
    before = snapshot(db)
    err = refused(
        lambda: create_request(as_user(student), student_id=other),
        code="42501", hint="student_id_mismatch",
        who="a student", what="creating a request in another student's name",
    )
    assert err.http_status == 403, "a refused insert by a signed-in user is HTTP 403"
    assert snapshot(db) == before, "a refused createRequest must leave no row and no event behind"


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("status", "claimed"),
        ("claimed_by_mentor_id", "mentor"),
        ("claimed_at", "2020-01-01T00:00:00Z"),
        ("expires_at", "2099-01-01T00:00:00Z"),
        ("created_at", "2020-01-01T00:00:00Z"),
        ("release_count", 5),
        ("cancelled_at", "2020-01-01T00:00:00Z"),
    ],
)
def test_a_student_cannot_set_columns_the_database_owns(
    db: Database, make_user: MakeUser, as_user: AsUser, column: str, value: Any
) -> None:
    student = make_user("student")
    if value == "mentor":
        value = make_user("mentor")
    before = snapshot(db)
    refused(
        lambda: create_request(as_user(student), **{column: value}),
        code="42501", hint=None,
        who="a student", what=f"inserting a request with {column} set (column-level INSERT grant)",
    )
    assert snapshot(db) == before, f"a refused insert naming {column} must change nothing"


def test_anon_cannot_create_requests(db: Database, make_user: MakeUser, as_anon: Api) -> None:
    student = make_user("student")
    err = refused(
        lambda: create_request(as_anon, student_id=student),
        code="42501", hint=None, who="anon", what="inserting a request",
    )
    assert err.http_status == 401, "PostgREST answers an anonymous 42501 with 401"
    assert db.scalar("select count(*) from public.mini_mentorship_requests") == 0


BAD_FIELDS: list[tuple[str, Any, str]] = [
    ("title", None, "title"),
    ("title", "", "title"),
    ("title", "   ", "title"),
    ("title", "x" * 201, "title"),
    ("description", None, "description"),
    ("description", "", "description"),
    ("description", "y" * 5001, "description"),
    ("session_type", "coffee_chat", "session_type"),
    ("session_type", None, "session_type"),
    ("preferred_duration_minutes", 90, "preferred_duration_minutes"),
    ("preferred_duration_minutes", None, "preferred_duration_minutes"),
    ("urgency", "asap", "urgency"),
    ("urgency", None, "urgency"),
    ("timezone", "PST", "timezone"),
    ("timezone", "Mars/Olympus", "timezone"),
    ("timezone", "", "timezone"),
    ("timezone", None, "timezone"),
    ("preferred_time_slots", {"start": "09:00", "end": "10:00"}, "preferred_time_slots"),
    ("preferred_time_slots", [{"start": "9:00", "end": "10:00"}], "preferred_time_slots"),
    ("preferred_time_slots", [{"start": "10:00", "end": "09:00"}], "preferred_time_slots"),
    ("preferred_time_slots", [{"start": "10:00", "end": "10:00"}], "preferred_time_slots"),
    ("preferred_time_slots", [{"start": "09:00"}], "preferred_time_slots"),
    ("preferred_time_slots", [{"start": "09:00", "end": "24:00"}], "preferred_time_slots"),
    ("preferred_time_slots", [{"start": 900, "end": 1000}], "preferred_time_slots"),
    ("preferred_time_slots", [{"start": "09:00", "end": "10:00", "room": "A"}], "preferred_time_slots"),
    ("preferred_time_slots", [{"start": "09:00", "end": "10:00", "days": []}], "preferred_time_slots"),
    ("preferred_time_slots", [{"start": "09:00", "end": "10:00", "days": ["monday"]}], "preferred_time_slots"),
    ("preferred_time_slots", [{"start": "09:00", "end": "10:00", "days": ["mon", "mon"]}],
     "preferred_time_slots"),
    ("preferred_time_slots", ["09:00-10:00"], "preferred_time_slots"),
    ("preferred_time_slots", [{"start": "09:00", "end": "10:00"}] * 21, "preferred_time_slots"),
    ("tags", [f"tag{i}" for i in range(11)], "tags"),
    ("tags", ["t" * 41], "tags"),
    ("tags", ["  "], "tags"),
    ("tags", ["ok", None], "tags"),
    ("relevant_experience", "e" * 2001, "relevant_experience"),
    ("specific_questions", "q" * 2001, "specific_questions"),
    ("resume_url", "javascript:alert(1)", "resume_url"),
    ("resume_url", "https://example.test/" + "r" * 2048, "resume_url"),
    ("portfolio_url", "ftp://example.test/portfolio", "portfolio_url"),
    ("portfolio_url", "https://exa mple.test", "portfolio_url"),
]


@pytest.mark.parametrize(("field", "value", "hint"), BAD_FIELDS,
                         ids=[f"{f}-{i}" for i, (f, _, _) in enumerate(BAD_FIELDS)])
def test_bad_input_is_refused_with_22023_naming_the_field(
    db: Database, make_user: MakeUser, as_user: AsUser, field: str, value: Any, hint: str
) -> None:
    student = make_user("student")
    before = snapshot(db)
    err = refused(
        lambda: create_request(as_user(student), **{field: value}),
        code="22023", hint=hint, who="a student", what=f"creating a request with {field}={value!r:.60}",
    )
    assert err.http_status == 400, "bad input is HTTP 400"
    assert err.message and not err.message.startswith("new row"), "the message must be written for a UI"
    assert snapshot(db) == before, "a refused createRequest must change nothing"


def test_date_range_must_be_ordered_and_not_in_the_past(make_user: MakeUser, as_user: AsUser) -> None:
    student = make_user("student")
    today = dt.date.today()
    refused(
        lambda: create_request(as_user(student), preferred_date_start=today + dt.timedelta(days=5),
                               preferred_date_end=today + dt.timedelta(days=2)),
        code="22023", hint="preferred_date_end", who="a student", what="giving an end date before the start",
    )
    refused(
        lambda: create_request(as_user(student), preferred_date_start=today - dt.timedelta(days=30),
                               preferred_date_end=today - dt.timedelta(days=10)),
        code="22023", hint="preferred_date_end", who="a student", what="giving a date range in the past",
    )
    row = create_request(as_user(student), preferred_date_start=today, preferred_date_end=today)
    assert row["preferred_date_start"] == row["preferred_date_end"] == today, "a one-day range is fine"


def test_limits_are_inclusive_and_input_is_normalised(make_user: MakeUser, as_user: AsUser) -> None:
    student = make_user("student")
    row = create_request(
        as_user(student),
        title="  " + "t" * 200 + "  ",
        description="d" * 5000,
        tags=["Go", "go", " GO ", "k8s"] + [f"t{i}" for i in range(8)],
        preferred_time_slots=None,
        relevant_experience="   ",
        specific_questions="",
        resume_url=None,
        portfolio_url="HTTPS://Example.test/p",
        timezone="America/Argentina/Buenos_Aires",
    )
    assert row["title"] == "t" * 200, "a 200-character title (after trimming) must be accepted"
    assert len(row["description"]) == 5000, "a 5000-character description must be accepted"
    assert row["tags"] == ["go", "k8s"] + [f"t{i}" for i in range(8)], "tags must be de-duplicated in order"
    assert row["preferred_time_slots"] == [], "no time slots means an empty list"
    assert row["relevant_experience"] is None and row["specific_questions"] is None, "blank text becomes null"
    assert row["portfolio_url"] == "HTTPS://Example.test/p"


def test_a_signed_in_user_sees_only_their_own_new_request(make_user: MakeUser, as_user: AsUser) -> None:
    student, other = make_user("student"), make_user("student")
    row = create_request(as_user(student))
    mine = as_user(student).query("select id from public.mini_mentorship_requests")
    theirs = as_user(other).query("select id from public.mini_mentorship_requests")
    assert [r["id"] for r in mine] == [row["id"]], "the student must read back their own request"
    assert theirs == [], "another student must not see the request"


def test_the_service_role_creates_a_request_for_a_named_student(
    db: Database, make_user: MakeUser, as_service_role: Api
) -> None:
    student = make_user("student")
    row = create_request(as_service_role, student_id=student, expires_at="2099-01-01T00:00:00Z")
    assert row["student_id"] == student and row["status"] == "open"
    assert row["expires_at"] - row["created_at"] == dt.timedelta(days=7), (
        "even the service role cannot choose the expiry of a new request"
    )
    created = events(db, row["id"])[0]
    assert (created["actor_id"], created["actor_role"]) == (None, "service_role"), (
        "a request created by the service role is recorded as such"
    )


def test_the_service_role_must_name_the_student(db: Database, as_service_role: Api) -> None:
    refused(lambda: create_request(as_service_role), code="22023", hint="student_id",
            who="the service role", what="creating a request without a student")


def test_no_writer_can_create_a_request_in_another_state_or_already_claimed(
    db: Database, make_user: MakeUser, as_service_role: Api
) -> None:
    student, mentor = make_user("student"), make_user("mentor")
    for status in ("claimed", "scheduled", "completed", "cancelled", "expired"):
        def create_in_state(status: str = status) -> dict[str, Any]:
            return create_request(as_service_role, student_id=student, status=status)

        refused(create_in_state, code="PT409", hint="invalid_transition",
                who="the service role", what=f"creating a request directly in state {status}")
        query, params = insert_query("mini_mentorship_requests", valid_request(student_id=student, status=status))
        with pytest.raises(Exception, match="must start as"):
            db.query(query, params)
    refused(lambda: create_request(as_service_role, student_id=student, claimed_by_mentor_id=mentor),
            code="22023", hint="claimed_by_mentor_id",
            who="the service role", what="creating an already-claimed request")
    assert db.scalar("select count(*) from public.mini_mentorship_requests") == 0
