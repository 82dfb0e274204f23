"""The local Supabase stand-in behaves like Supabase where our SQL depends on it."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from mini_mentorship.testing.api import Api, ApiError
from mini_mentorship.testing.database import Database
from mini_mentorship.testing.servers import EmbeddedServer


def test_each_server_is_the_postgresql_major_it_claims_to_be(pg: EmbeddedServer, db: Database) -> None:
    expected = {"pg18": 18, "pg15": 15}[pg.kind.label]
    server_version = int(db.scalar("show server_version_num")) // 10000
    assert server_version == expected, f"the {pg.kind.label} run talked to PostgreSQL {server_version}"


def test_auth_uid_and_jwt_return_the_callers_claims_inside_a_request(
    make_user: Callable[..., uuid.UUID], as_user: Callable[[uuid.UUID], Api]
) -> None:
    uid = make_user("student", email="ada@example.test")
    row = as_user(uid).query(
        "select auth.uid() as uid, auth.role() as role, auth.email() as email, auth.jwt() ->> 'sub' as sub"
    )[0]
    assert row == {"uid": uid, "role": "authenticated", "email": "ada@example.test", "sub": str(uid)}


def test_auth_functions_are_null_outside_a_request(db: Database) -> None:
    row = db.query("select auth.uid() as uid, auth.role() as role, auth.email() as email, auth.jwt() as jwt")[0]
    assert row == {"uid": None, "role": None, "email": None, "jwt": None}


def test_auth_uid_reads_the_legacy_per_claim_setting_first(db: Database) -> None:
    legacy, current = uuid.uuid4(), uuid.uuid4()
    with db.conn.transaction():
        db.query("select set_config('request.jwt.claim.sub', %s, true)", (str(legacy),))
        db.query("select set_config('request.jwt.claims', %s, true)", (f'{{"sub": "{current}"}}',))
        assert db.scalar("select auth.uid()") == legacy


def test_empty_claim_settings_read_as_null(db: Database) -> None:
    with db.conn.transaction():
        db.query("select set_config('request.jwt.claim.sub', '', true)")
        db.query("select set_config('request.jwt.claims', '', true)")
        assert db.scalar("select auth.uid()") is None
        assert db.scalar("select auth.jwt()") is None


def test_anon_cannot_read_auth_users(as_anon: Api, make_user: Callable[..., uuid.UUID]) -> None:
    make_user("student")
    with pytest.raises(ApiError) as denied:
        as_anon.query("select * from auth.users")
    assert denied.value.code == "42501", "anon reading auth.users must be refused by privileges"
    assert denied.value.http_status == 401, "PostgREST answers an anonymous 42501 with 401"


def test_signed_in_users_cannot_read_auth_users_either(
    make_user: Callable[..., uuid.UUID], as_user: Callable[[uuid.UUID], Api]
) -> None:
    with pytest.raises(ApiError) as denied:
        as_user(make_user("student")).query("select email from auth.users")
    assert (denied.value.code, denied.value.http_status) == ("42501", 403)


def test_api_roles_match_supabase(db: Database) -> None:
    roles = {
        r["rolname"]: r
        for r in db.query(
            "select rolname, rolcanlogin, rolinherit, rolbypassrls from pg_roles "
            "where rolname in ('anon', 'authenticated', 'service_role', 'authenticator')"
        )
    }
    assert not roles["anon"]["rolcanlogin"] and not roles["authenticated"]["rolcanlogin"]
    assert roles["service_role"]["rolbypassrls"], "service_role bypasses RLS on Supabase"
    assert roles["authenticator"]["rolcanlogin"] and not roles["authenticator"]["rolinherit"]
    members = {
        r["rolname"]
        for r in db.query(
            "select r.rolname from pg_auth_members m join pg_roles r on r.oid = m.roleid "
            "join pg_roles a on a.oid = m.member where a.rolname = 'authenticator'"
        )
    }
    assert members >= {"anon", "authenticated", "service_role"}


def test_pgrst_db_schemas_is_set_on_the_database(db: Database) -> None:
    assert db.scalar(
        "select s.setconfig from pg_db_role_setting s join pg_database d on d.oid = s.setdatabase "
        "where d.datname = current_database() and s.setrole = 0"
    ) == ["pgrst.db_schemas=public"]


def test_auth_user_insert_needs_only_id_and_email(db: Database) -> None:
    uid = uuid.uuid4()
    db.query("insert into auth.users (id, email) values (%s, 'x@example.test')", (uid,))
    assert db.scalar("select created_at is not null from auth.users where id = %s", (uid,))


def test_auto_expose_mode_matches_the_run(pg: EmbeddedServer, db: Database) -> None:
    granted = db.scalar(
        "select count(*) > 0 from pg_default_acl d join pg_namespace n on n.oid = d.defaclnamespace "
        "where n.nspname = 'public' and d.defaclobjtype = 'r' "
        "and array_to_string(d.defaclacl, ',') like '%%anon=%%'"
    )
    assert granted is pg.kind.auto_expose, "the stand-in's default-privilege mode must follow the run's setting"


def test_the_standin_is_not_reapplied_where_auth_exists(pg: EmbeddedServer, db: Database) -> None:
    from mini_mentorship.db import connect, ensure_standin

    with connect(db.url) as conn:
        assert ensure_standin(conn) is False
