"""public.mini_mentorship_people: who is the other person? (issue 12, item 2).

A participant reads the display name, time zone and avatar (never the email) of the people they share a request
or a session with; an admin reads everyone; nobody else is listed. Read through from(), as supabase-js does.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

import psycopg
import pytest

from mini_mentorship.testing.api import Api, ApiError
from mini_mentorship.testing.database import Database
from tests.sql.builders import Sessions

MakeUser = Callable[..., uuid.UUID]
AsUser = Callable[[uuid.UUID], Api]
PEOPLE = "select * from public.mini_mentorship_people"


@pytest.fixture
def sessions(db: Database, make_user: MakeUser, as_user: AsUser) -> Sessions:
    return Sessions(db, make_user, as_user)


def ids(api: Api, where: str = "") -> set[uuid.UUID]:
    return {row["id"] for row in api.query(PEOPLE + where)}


def test_a_student_reads_the_mentor_of_their_session_and_the_mentor_reads_the_student(
    db: Database, sessions: Sessions, make_user: MakeUser
) -> None:
    student = make_user("student", full_name="Ada Lovelace", timezone="Europe/London")
    mentor = make_user("mentor", timezone="Asia/Kolkata", email="grace.hopper@example.test")
    db.query("update public.users set full_name = null where id = %s", (mentor,))
    booking = sessions.scheduled(student=student, mentor=mentor)

    rows = booking.as_student.query(PEOPLE + " where id = %s", (mentor,))
    assert rows == [{"id": mentor, "display_name": "grace.hopper", "timezone": "Asia/Kolkata", "avatar_url": None}], (
        "the student reads the mentor's name (the email's local part when the profile has none), zone, no avatar")
    assert set(rows[0]) == {"id", "display_name", "timezone", "avatar_url"}, "never the email"
    assert booking.as_mentor.query(PEOPLE + " where id = %s", (student,)) == [
        {"id": student, "display_name": "Ada Lovelace", "timezone": "Europe/London", "avatar_url": None}]
    assert ids(booking.as_student) == {student, mentor}, "themself and the other participant, nobody else"


def test_a_claim_shares_names_until_it_is_released(db: Database, sessions: Sessions, as_user: AsUser) -> None:
    booking = sessions.claimed()
    assert ids(booking.as_student) == {booking.student, booking.mentor}
    assert ids(booking.as_mentor) == {booking.mentor, booking.student}
    booking.as_mentor.rpc("release_mini_request", request_id=booking.request_id, reason="busy")
    assert ids(booking.as_student) == {booking.student}, "a released claim shares nothing any more"
    assert ids(booking.as_mentor) == {booking.mentor}


def test_outsiders_see_only_themselves_and_admins_see_everyone(
    db: Database, sessions: Sessions, make_user: MakeUser, as_user: AsUser, as_admin: Api
) -> None:
    booking = sessions.scheduled()
    stranger = make_user("mentor")
    pool_mentor_reads = ids(as_user(stranger))
    assert pool_mentor_reads == {stranger}, "a pool mentor who claimed nothing reads only themself"
    everyone = {r["id"] for r in db.query("select id from private.people")}
    assert ids(as_admin) == everyone and {booking.student, booking.mentor, stranger} <= everyone


def test_anon_and_the_service_role_cannot_read_it(as_anon: Api, as_service_role: Api) -> None:
    for who, api in (("anon", as_anon), ("the service role", as_service_role)):
        with pytest.raises(ApiError) as info:
            api.query(PEOPLE)
        assert info.value.code == "42501", f"{who} has no SELECT on the view"


def test_the_view_is_read_only_with_a_client_error(sessions: Sessions, db: Database) -> None:
    booking = sessions.claimed()
    for statement in (
        "insert into public.mini_mentorship_people (id, display_name) values (gen_random_uuid(), 'x')",
        f"update public.mini_mentorship_people set display_name = 'x' where id = '{booking.mentor}'",
        f"delete from public.mini_mentorship_people where id = '{booking.mentor}'",
    ):
        with pytest.raises(ApiError) as info:
            booking.as_student.query(statement)
        assert info.value.code == "42501" and info.value.http_status < 500, statement
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="read-only"):
        db.query("insert into public.mini_mentorship_people (id, display_name) values (gen_random_uuid(), 'x')")


def test_the_hosts_avatar_column_is_shown_when_it_exists(db: Database, sessions: Sessions) -> None:
    booking = sessions.scheduled()
    db.query("alter table public.users add column avatar_url text")
    db.query("update public.users set avatar_url = 'https://cdn.example.test/m.png' where id = %s", (booking.mentor,))
    [row] = booking.as_student.query(PEOPLE + " where id = %s", (booking.mentor,))
    assert row["avatar_url"] == "https://cdn.example.test/m.png"


def test_a_signed_in_users_read_is_served_by_the_indexes(db: Database, sessions: Sessions) -> None:
    """The plans of the function's statements (auto_explain, nested statements), read as the student with
    sequential scans priced out: every table is reached through an index."""
    booking = sessions.scheduled()
    plans: list[str] = []
    db.conn.add_notice_handler(lambda diag: plans.append(diag.message_primary or ""))
    claims = json.dumps({"sub": str(booking.student), "role": "authenticated"})
    with db.conn.transaction():
        db.query("load 'auto_explain'")
        for setting in ("auto_explain.log_min_duration = 0", "auto_explain.log_nested_statements = on",
                        "auto_explain.log_level = notice", "enable_seqscan = off", "role authenticated"):
            db.query(f"set local {setting}")
        db.query("select set_config('request.jwt.claims', %s, true)", (claims,))
        rows = db.query("select id from public.mini_mentorship_people")
    assert {r["id"] for r in rows} == {booking.student, booking.mentor}
    plan = "\n".join(plans)
    assert "Seq Scan" not in plan, plan
    for index in ("mini_mentorship_requests_student_id_idx", "mini_mentorship_requests_claimed_by_mentor_id_idx",
                  "mini_mentorship_sessions_student_id_idx", "mini_mentorship_sessions_mentor_id_idx",
                  "users_pkey"):
        assert index in plan, f"{index} serves the read:\n{plan}"
