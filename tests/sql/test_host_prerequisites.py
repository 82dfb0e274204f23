"""The host-prerequisites migration: creates minimal host tables on a fresh project, leaves a host's own alone."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from mini_mentorship import db as dbmod
from mini_mentorship.settings import Settings
from mini_mentorship.testing.api import Api, ApiError
from mini_mentorship.testing.database import Database

HOST_TABLES = """
create table public.users (
    id uuid primary key references auth.users (id),
    email text not null,
    full_name text,
    timezone text,
    avatar_url text,
    plan text not null default 'free'
);
create table public.mentorship_profiles (
    user_id uuid primary key references public.users (id),
    profile_type text not null,
    in_matching_pool boolean not null default false,
    bio text
);
create policy "host app policy" on public.users for select using (true);
grant select on public.users to anon;
"""

SNAPSHOT_SQL = """
select c.relname,
       c.relrowsecurity as rls,
       obj_description(c.oid, 'pg_class') as comment,
       array(select a.attname || ':' || format_type(a.atttypid, a.atttypmod) from pg_attribute a
             where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped order by a.attnum) as columns,
       array(select p.polname from pg_policy p where p.polrelid = c.oid order by 1) as policies,
       array(select indexrelid::regclass::text from pg_index where indrelid = c.oid order by 1) as indexes,
       c.relacl::text as acl
from pg_class c
where c.oid in ('public.users'::regclass, 'public.mentorship_profiles'::regclass)
order by c.relname
"""


def snapshot(conn: psycopg.Connection[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = conn.execute(SNAPSHOT_SQL).fetchall()
    data = conn.execute(
        "select (select json_agg(u order by u.id) from public.users u) as users, "
        "(select json_agg(p order by p.user_id) from public.mentorship_profiles p) as profiles"
    ).fetchone()
    return [*rows, dict(data or {})]


def test_migrations_leave_existing_host_tables_untouched(fresh_url: str, settings: Settings) -> None:
    uid = uuid.uuid4()
    with dbmod.connect(fresh_url) as plain:
        dbmod.ensure_standin(plain)
    with psycopg.connect(fresh_url, autocommit=True, row_factory=dict_row) as conn:
        conn.execute(HOST_TABLES)
        conn.execute("insert into auth.users (id, email) values (%s, 'host@example.test')", (uid,))
        conn.execute(
            "insert into public.users (id, email, full_name, timezone, plan) "
            "values (%s, 'host@example.test', 'Host User', 'Asia/Tokyo', 'pro')",
            (uid,),
        )
        conn.execute(
            "insert into public.mentorship_profiles (user_id, profile_type, in_matching_pool, bio) "
            "values (%s, 'mentor', true, 'hi')",
            (uid,),
        )
        before = snapshot(conn)
        dbmod.migrate_database(fresh_url, settings)
        after = snapshot(conn)
        assert after == before, "the host app's users/mentorship_profiles must not change in any way"
        person = conn.execute("select * from private.people where id = %s", (uid,)).fetchone()
        assert person == {"id": uid, "email": "host@example.test", "display_name": "Host User",
                          "timezone": "Asia/Tokyo"}
        assert conn.execute("select private.is_pool_mentor(%s) as pool", (uid,)).fetchone() == {"pool": True}


def test_a_fresh_project_gets_minimal_host_tables_with_rls(db: Database) -> None:
    rows = db.query(
        "select relname, relrowsecurity from pg_class where oid in "
        "('public.users'::regclass, 'public.mentorship_profiles'::regclass) order by 1"
    )
    assert rows == [
        {"relname": "mentorship_profiles", "relrowsecurity": True},
        {"relname": "users", "relrowsecurity": True},
    ]


def test_users_see_only_their_own_profile_rows(
    make_user: Callable[..., uuid.UUID], as_user: Callable[[uuid.UUID], Api], as_anon: Api
) -> None:
    me = make_user("student")
    make_user("mentor")
    assert [r["id"] for r in as_user(me).query("select id from public.users")] == [me]
    for table in ("users", "mentorship_profiles"):
        with pytest.raises(ApiError) as anon_denied:
            as_anon.query(f"select * from public.{table}")
        assert anon_denied.value.http_status == 401, f"anon must not read public.{table} in either grant mode"
    assert [r["user_id"] for r in as_user(me).query("select user_id from public.mentorship_profiles")] == [me]
    with pytest.raises(ApiError) as denied:
        as_user(me).execute("update public.mentorship_profiles set in_matching_pool = true")
    assert denied.value.code == "42501", "a user must not be able to put themselves into the matching pool"


def test_people_view_falls_back_to_the_email_name_and_utc(db: Database, make_user: Callable[..., uuid.UUID]) -> None:
    uid = make_user("student", email="nameless@example.test")
    db.query("update public.users set full_name = null, timezone = '' where id = %s", (uid,))
    assert db.query("select display_name, timezone from private.people where id = %s", (uid,)) == [
        {"display_name": "nameless", "timezone": "UTC"}
    ]


def test_private_helpers_are_not_callable_by_anon(as_anon: Api) -> None:
    with pytest.raises(ApiError) as denied:
        as_anon.query("select private.is_admin()")
    assert denied.value.code == "42501", "anon must not be able to call private.is_admin()"
