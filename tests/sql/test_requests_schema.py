"""The lifecycle schema: documentation, RLS, grants, indexes, overlap and uniqueness invariants."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

import psycopg
import pytest

from mini_mentorship.testing.api import Api, ApiError
from mini_mentorship.testing.database import Database
from tests.sql.requests_support import Lifecycle, create_request, refused

MakeUser = Callable[..., uuid.UUID]
AsUser = Callable[[uuid.UUID], Api]

TABLES = [
    "mini_mentorship_requests",
    "mini_mentorship_sessions",
    "mini_mentorship_availability",
    "mini_mentorship_events",
]
RPCS = {
    "claim_mini_request": "uuid",
    "release_mini_request": "uuid, text",
    "cancel_mini_request": "uuid, text",
    "browse_mini_requests": "text[], integer[], text[], text[], text, text, integer",
}


@pytest.fixture
def lc(db: Database, make_user: MakeUser) -> Lifecycle:
    return Lifecycle(db, make_user)


def test_every_lifecycle_table_has_row_level_security(db: Database) -> None:
    rows = db.query(
        "select c.relname, c.relrowsecurity from pg_class as c where c.relnamespace = 'public'::regnamespace "
        "and c.relname = any(%s)", (TABLES,)
    )
    assert {r["relname"]: r["relrowsecurity"] for r in rows} == dict.fromkeys(TABLES, True), (
        "RLS must be enabled on every lifecycle table"
    )


def test_every_table_and_column_is_commented(db: Database) -> None:
    missing = db.query(
        """
        select c.relname, a.attname
        from pg_class as c
        join pg_attribute as a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
        where c.relnamespace = 'public'::regnamespace and c.relname = any(%s)
          and coalesce(col_description(c.oid, a.attnum), '') = ''
        union all
        select c.relname, null
        from pg_class as c
        where c.relnamespace = 'public'::regnamespace and c.relname = any(%s)
          and coalesce(obj_description(c.oid, 'pg_class'), '') = ''
        """,
        ([*TABLES, "mini_mentorship_request_listing"], TABLES),
    )
    assert missing == [], f"every lifecycle table and column needs a comment saying what and why: {missing}"
    assert db.scalar("select obj_description('public.mini_mentorship_request_listing'::regtype, 'pg_type')"), (
        "the browse result type needs a comment"
    )


def test_every_function_of_ours_is_commented(db: Database) -> None:
    missing = db.query(
        """
        select p.oid::regprocedure::text as fn
        from pg_proc as p
        where p.pronamespace in ('public'::regnamespace, 'private'::regnamespace)
          and not exists (select from pg_depend as d where d.objid = p.oid and d.deptype = 'e')
          and coalesce(obj_description(p.oid, 'pg_proc'), '') = ''
        """
    )
    assert missing == [], f"functions without a comment: {[m['fn'] for m in missing]}"


def test_rpcs_are_security_invoker_wrappers_over_private_security_definer_implementations(db: Database) -> None:
    """Issue 8 part 9: what the Data API exposes is security invoker; the privileged body lives in private."""
    for name, args in RPCS.items():
        for schema, definer in (("public", False), ("private", True)):
            signature = f"{schema}.{name}({args})"
            row = db.query(
                "select p.prosecdef, p.proconfig, "
                "has_function_privilege('anon', p.oid, 'execute') as anon, "
                "has_function_privilege('authenticated', p.oid, 'execute') as authenticated, "
                "has_function_privilege('service_role', p.oid, 'execute') as service_role "
                "from pg_proc as p where p.oid = %s::regprocedure", (signature,)
            )[0]
            kind = "security definer" if definer else "security invoker"
            # a private body may also pin plpgsql's plan cache to custom plans (issue 15: browse's optional
            # filters must fold away on every call, which a cached generic plan cannot do)
            allowed = [['search_path=""']]
            if definer:
                allowed.append(['search_path=""', "plan_cache_mode=force_custom_plan"])
            assert row["prosecdef"] is definer and row["proconfig"] in allowed, (
                f"{signature} must be {kind} with search_path = ''"
            )
            assert (row["anon"], row["authenticated"], row["service_role"]) == (False, True, False), (
                f"{signature} must be executable by authenticated only"
            )


def test_sweeps_are_not_executable_by_any_api_role(db: Database) -> None:
    for signature in ("private.expire_requests()", "private.release_stale_claims(interval)",
                      "private.release_departed_claims()"):
        for role in ("anon", "authenticated", "service_role"):
            assert not db.scalar("select has_function_privilege(%s, %s::regprocedure, 'execute')",
                                 (role, signature)), f"{role} must not be able to execute {signature}"


def test_every_foreign_key_column_is_indexed(db: Database) -> None:
    tables = [f"public.{t}" for t in TABLES]
    fks = db.query(
        """
        select c.conrelid::regclass::text as tbl, a.attname,
               exists (
                   select from pg_index as i where i.indrelid = c.conrelid and i.indkey[0] = c.conkey[1]
               ) as indexed
        from pg_constraint as c
        join pg_attribute as a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
        where c.contype = 'f' and c.conrelid = any(%s::regclass[])
        """,
        (tables,),
    )
    assert len(fks) >= 10, f"expected the lifecycle tables' foreign keys, found {fks}"
    assert [f for f in fks if not f["indexed"]] == [], "every foreign key column needs an index"


def test_foreign_keys_point_at_users_and_requests_only_without_a_cycle(db: Database) -> None:
    fks = db.query(
        "select conrelid::regclass::text as src, confrelid::regclass::text as dst from pg_constraint "
        "where contype = 'f' and conrelid::regclass::text like '%%mini_mentorship%%'"
    )
    targets = {(r["src"].split(".")[-1], r["dst"].split(".")[-1]) for r in fks}
    assert ("mini_mentorship_requests", "mini_mentorship_sessions") not in targets, (
        "requests must not reference sessions (the plan's circular foreign key)"
    )
    assert {dst for _, dst in targets} == {"users", "mini_mentorship_requests"}, targets
    assert db.scalar("select count(*) from information_schema.columns where table_name = "
                     "'mini_mentorship_requests' and column_name = 'scheduled_session_id'") == 0


def test_btree_gist_lives_in_the_extensions_schema(db: Database) -> None:
    assert db.scalar("select extnamespace::regnamespace::text from pg_extension where extname = 'btree_gist'") \
        == "extensions"


def test_table_privileges_of_the_api_roles(db: Database) -> None:
    def table_privs(role: str, table: str) -> set[str]:
        return {
            p for p in ("select", "insert", "update", "delete", "truncate", "references", "trigger")
            if db.scalar("select has_table_privilege(%s, %s, %s)", (role, f"public.{table}", p))
        }

    for table in TABLES:
        assert table_privs("anon", table) == set(), f"anon must have no privilege on {table}"
    for table in ("mini_mentorship_requests", "mini_mentorship_sessions", "mini_mentorship_events"):
        assert table_privs("authenticated", table) == {"select"}, (
            f"authenticated may only read {table} (writes go through RPCs and the column-level insert)"
        )
    assert table_privs("authenticated", "mini_mentorship_availability") == {"select", "delete"}
    insertable = {
        r["column_name"] for r in db.query(
            "select column_name from information_schema.column_privileges where grantee = 'authenticated' "
            "and table_name = 'mini_mentorship_requests' and privilege_type = 'INSERT'"
        )
    }
    assert insertable == {
        "student_id", "title", "description", "session_type", "preferred_duration_minutes", "urgency",
        "preferred_date_start", "preferred_date_end", "preferred_time_slots", "timezone", "tags",
        "relevant_experience", "specific_questions", "resume_url", "portfolio_url", "follow_up_of",
        "follow_up_exclusive",
    }, "a student may insert only the request columns they fill in"
    assert table_privs("service_role", "mini_mentorship_events") == {"select"}, (
        "even the service role may only read the audit trail"
    )


def test_timezones_are_validated_on_every_lifecycle_table(db: Database, lc: Lifecycle, as_user: AsUser) -> None:
    mentor = lc.mentor()
    refused(
        lambda: as_user(mentor).query(
            "insert into public.mini_mentorship_availability (available_from, available_until, timezone) "
            "values (now(), now() + interval '1 hour', 'CEST')"
        ),
        code="22023", hint="timezone", who="a mentor", what="adding availability in the zone 'CEST'",
    )
    zones = db.scalar("select count(*) from private.timezone_names")
    assert zones > 300, "the zone cache must hold the server's IANA names"
    assert db.scalar("select private.is_valid_timezone('America/Indiana/Indianapolis')")
    assert not db.scalar("select private.is_valid_timezone('+05:00')"), "a UTC offset is not a zone name"


# ---------------------------------------------------------------------------------------------------------
# Sessions: one live session per request, no overlaps per participant
# ---------------------------------------------------------------------------------------------------------

# Session starts lie within the scheduling horizon (private.settings().max_schedule_ahead, 1 year): a month
# and two months from today.
DAY1 = (dt.date.today() + dt.timedelta(days=30)).isoformat()
DAY2 = (dt.date.today() + dt.timedelta(days=61)).isoformat()


def add_session(db: Database, request_id: uuid.UUID, start: str, minutes: int = 60) -> None:
    db.query(
        "insert into public.mini_mentorship_sessions "
        "(request_id, student_id, mentor_id, scheduled_at, duration_minutes, timezone) "
        "select id, student_id, claimed_by_mentor_id, %s::timestamptz, %s, 'UTC' "
        "from public.mini_mentorship_requests where id = %s",
        (start, minutes, request_id),
    )


def sqlstate_of(db: Database, request_id: uuid.UUID, start: str, minutes: int = 60) -> str | None:
    try:
        add_session(db, request_id, start, minutes)
    except psycopg.Error as err:
        return err.diag.sqlstate
    return None


def test_a_request_has_at_most_one_live_session(db: Database, lc: Lifecycle) -> None:
    req = lc.request("claimed")
    add_session(db, req["id"], f"{DAY1} 10:00Z")
    assert sqlstate_of(db, req["id"], f"{DAY2} 10:00Z") == "23505", (
        "a second live session for the same request must violate the one-live-session index"
    )
    db.query("update public.mini_mentorship_sessions set status = 'cancelled' where request_id = %s", (req["id"],))
    assert sqlstate_of(db, req["id"], f"{DAY2} 10:00Z") is None, "after a cancellation, it can be rescheduled"


def test_a_mentor_cannot_hold_overlapping_live_sessions(db: Database, lc: Lifecycle) -> None:
    mentor = lc.mentor()
    first, second, third = (lc.request("claimed", mentor=mentor) for _ in range(3))
    add_session(db, first["id"], f"{DAY1} 10:00Z", 60)
    assert sqlstate_of(db, second["id"], f"{DAY1} 10:30Z", 30) == "23P01", (
        "a mentor's second session overlapping the first must violate the exclusion constraint"
    )
    assert sqlstate_of(db, second["id"], f"{DAY1} 11:00Z", 30) is None, "back-to-back sessions are fine"
    db.query("update public.mini_mentorship_sessions set status = 'cancelled' where request_id = %s",
             (first["id"],))
    assert sqlstate_of(db, third["id"], f"{DAY1} 10:00Z", 45) is None, "a cancelled session frees the slot"


def test_a_student_cannot_hold_overlapping_live_sessions(db: Database, lc: Lifecycle) -> None:
    student = lc.student()
    first, second = lc.request("claimed", student=student), lc.request("claimed", student=student)
    add_session(db, first["id"], f"{DAY1} 10:00Z", 45)
    assert sqlstate_of(db, second["id"], f"{DAY1} 10:15Z", 30) == "23P01", (
        "a student's overlapping second session (with another mentor) must be refused"
    )


# ---------------------------------------------------------------------------------------------------------
# Read policies
# ---------------------------------------------------------------------------------------------------------

def test_participants_read_sessions_admins_list_them_nobody_else_sees_them(
    db: Database, lc: Lifecycle, as_user: AsUser, as_admin: Api
) -> None:
    session = lc.session("scheduled")
    for who, uid in (("the student", session["student_id"]), ("the mentor", session["mentor_id"])):
        assert [r["id"] for r in as_user(uid).query("select id from public.mini_mentorship_sessions")] == [
            session["id"]
        ], f"{who} must read their session"
    assert as_user(lc.mentor()).query("select id from public.mini_mentorship_sessions") == [], (
        "a mentor who is not a participant must not see the session"
    )
    assert len(as_admin.rpc("admin_list_mini_sessions")) == 1, "an admin lists sessions through the admin RPC"
    assert len(as_admin.rpc("admin_list_mini_requests")) == 1, "an admin lists requests through the admin RPC"
    assert as_admin.query("select id from public.mini_mentorship_sessions") == [], (
        "the row policy has no admin arm (issue 15): an admin who is not a participant reads no session there"
    )


def test_students_read_the_history_of_their_own_requests_only(
    db: Database, lc: Lifecycle, as_user: AsUser, as_admin: Api
) -> None:
    student = lc.student()
    mine = create_request(as_user(student))
    lc.request("claimed")
    seen = as_user(student).query("select distinct request_id from public.mini_mentorship_events")
    assert seen == [{"request_id": mine["id"]}], "a student reads only their own requests' events"
    assert as_user(lc.mentor()).query("select * from public.mini_mentorship_events") == []
    assert len({e["request_id"] for e in as_admin.rpc("admin_list_mini_events")}) == 2, (
        "an admin reads every request's history through admin_list_mini_events"
    )


def test_nobody_writes_requests_or_sessions_directly_through_the_api(
    db: Database, lc: Lifecycle, as_user: AsUser
) -> None:
    session = lc.session("scheduled")
    for who, uid in (("the student", session["student_id"]), ("the mentor", session["mentor_id"])):
        for statement in (
            "update public.mini_mentorship_requests set status = 'completed'",
            "delete from public.mini_mentorship_requests",
            "update public.mini_mentorship_sessions set mentor_rating = 5",
            "delete from public.mini_mentorship_sessions",
        ):
            with pytest.raises(ApiError) as denied:
                as_user(uid).execute(statement)
            assert denied.value.code == "42501", f"{who} running {statement!r} must be refused"


# ---------------------------------------------------------------------------------------------------------
# Availability
# ---------------------------------------------------------------------------------------------------------

def test_mentors_manage_only_their_own_availability(
    db: Database, lc: Lifecycle, as_user: AsUser, as_admin: Api
) -> None:
    owner, other = lc.mentor(), lc.mentor()
    window = as_user(owner).query(
        "insert into public.mini_mentorship_availability (available_from, available_until, timezone) "
        "values (now() + interval '1 day', now() + interval '1 day 2 hours', 'Europe/Berlin') returning *"
    )[0]
    assert window["mentor_id"] == owner, "a new window belongs to the calling mentor by default"

    api = as_user(owner)
    api.execute("update public.mini_mentorship_availability set is_available = false, "
                "blocked_reason = 'Conference' where id = %s", (window["id"],))
    row = db.query("select * from public.mini_mentorship_availability where id = %s", (window["id"],))[0]
    assert (row["is_available"], row["blocked_reason"]) == (False, "Conference")
    assert row["updated_at"] > window["updated_at"], "updated_at moves on update"

    intruder = as_user(other)
    assert intruder.query("select * from public.mini_mentorship_availability") == [], (
        "another mentor must not see the window"
    )
    assert intruder.execute("update public.mini_mentorship_availability set is_available = true") == 0, (
        "another mentor's update must touch no row"
    )
    assert intruder.execute("delete from public.mini_mentorship_availability") == 0, (
        "another mentor's delete must touch no row"
    )
    refused(
        lambda: intruder.query(
            "insert into public.mini_mentorship_availability (mentor_id, available_from, available_until) "
            "values (%s, now(), now() + interval '1 hour')", (owner,)
        ),
        code="42501", hint=None, who="a mentor", what="adding availability for another mentor",
    )
    refused(
        lambda: intruder.execute("update public.mini_mentorship_availability set mentor_id = %s", (other,)),
        code="42501", hint=None, who="a mentor", what="re-assigning availability (column not granted)",
    )
    assert len(as_admin.rpc("admin_list_mini_availability")) == 1, "admins list every window through the RPC"
    assert api.execute("delete from public.mini_mentorship_availability where id = %s", (window["id"],)) == 1


def test_requests_default_expiry_and_updated_at(db: Database, lc: Lifecycle) -> None:
    req = lc.request("open")
    assert req["expires_at"] - req["created_at"] == dt.timedelta(days=7)
    db.query("update public.mini_mentorship_requests set title = 'Changed' where id = %s", (req["id"],))
    assert db.scalar("select updated_at from public.mini_mentorship_requests where id = %s",
                     (req["id"],)) > req["updated_at"], "updated_at must be maintained by the trigger"
