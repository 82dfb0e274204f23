"""First-time users (issue 12, item 3).

Where the toolkit created the minimal public.users, signing up (an insert into auth.users, as Supabase Auth
does) creates the profile row from raw_user_meta_data, validated; where the host has its own table, nothing is
created. Either way, a user without a profile who posts a request gets PT409 profile_missing, not 23503.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from mini_mentorship import db as dbmod
from mini_mentorship.settings import Settings
from mini_mentorship.testing.api import Api
from mini_mentorship.testing.database import Database
from tests.sql.requests_support import create_request, refused
from tests.sql.test_host_prerequisites import HOST_TABLES

AsUser = Callable[[uuid.UUID], Api]


def sign_up(db: Database, email: str | None, meta: Any) -> uuid.UUID:
    """What Supabase Auth does on sign-up: one insert into auth.users."""
    uid = uuid.uuid4()
    db.query("insert into auth.users (id, email, aud, role, raw_user_meta_data) "
             "values (%s, %s, 'authenticated', 'authenticated', %s)", (uid, email, json.dumps(meta)))
    return uid


def profile(db: Database, uid: uuid.UUID) -> dict[str, Any] | None:
    rows = db.query("select email, full_name, timezone from public.users where id = %s", (uid,))
    return rows[0] if rows else None


def test_signing_up_creates_the_profile_from_the_metadata(db: Database) -> None:
    uid = sign_up(db, "ada@example.test", {"full_name": "  Ada Lovelace  ", "timezone": "Europe/London"})
    assert profile(db, uid) == {"email": "ada@example.test", "full_name": "Ada Lovelace",
                                "timezone": "Europe/London"}, "name trimmed, zone kept"
    oauth = sign_up(db, "grace@example.test", {"name": "Grace Hopper"})
    assert profile(db, oauth) == {"email": "grace@example.test", "full_name": "Grace Hopper", "timezone": "UTC"}, (
        "OAuth providers send `name`; no zone means UTC")


@pytest.mark.parametrize("meta", [
    {"full_name": "   ", "timezone": "Mars/Olympus_Mons"},
    {"full_name": 42, "timezone": ["Europe/Paris"]},
    {"timezone": "x" * 10_000},
    "not an object",
    None,
])
def test_bad_or_missing_metadata_falls_back_to_defaults(db: Database, meta: Any) -> None:
    uid = sign_up(db, "x@example.test", meta)
    assert profile(db, uid) == {"email": "x@example.test", "full_name": None, "timezone": "UTC"}


def test_a_long_name_is_bounded(db: Database) -> None:
    uid = sign_up(db, "long@example.test", {"full_name": "n" * 5000})
    found = profile(db, uid)
    assert found is not None and found["full_name"] == "n" * 200


def test_a_user_without_an_email_gets_no_profile_and_a_clear_error_when_posting(
    db: Database, as_user: AsUser
) -> None:
    uid = sign_up(db, None, {"full_name": "Phone User"})
    assert profile(db, uid) is None, "notifications need an address: no profile without an email"
    before = db.scalar("select count(*) from public.mini_mentorship_requests")
    err = refused(lambda: create_request(as_user(uid)), code="PT409", hint="profile_missing",
                  who="a user without a profile", what="posting a request")
    assert err.http_status == 409 and "profile" in err.message and "docs/security.md" in err.message
    assert db.scalar("select count(*) from public.mini_mentorship_requests") == before, "nothing was created"


def test_the_service_role_posting_for_a_user_without_a_profile_gets_the_same_error(
    db: Database, as_service_role: Api
) -> None:
    uid = sign_up(db, "gone@example.test", {})
    db.query("delete from public.users where id = %s", (uid,))
    refused(lambda: create_request(as_service_role, student_id=uid), code="PT409", hint="profile_missing",
            who="the service role", what="posting for a user without a profile")


def test_a_user_with_a_profile_posts_as_before(db: Database, as_user: AsUser) -> None:
    uid = sign_up(db, "new@example.test", {"full_name": "New Student", "timezone": "Asia/Tokyo"})
    request = create_request(as_user(uid))
    assert request["student_id"] == uid


def test_a_host_with_its_own_users_table_gets_no_trigger_but_the_same_error(
    fresh_url: str, settings: Settings
) -> None:
    with dbmod.connect(fresh_url) as plain:
        dbmod.ensure_standin(plain)
    with psycopg.connect(fresh_url, autocommit=True, row_factory=dict_row) as conn:
        conn.execute(HOST_TABLES)
        dbmod.migrate_database(fresh_url, settings)
        triggers = conn.execute(
            "select tgname from pg_trigger where tgrelid = 'auth.users'::regclass and not tgisinternal order by 1"
        ).fetchall()
        assert triggers == [{"tgname": "mini_mentorship_withdraw_deleted_account"}], (
            "the host's own sign-up code owns its users table: no profile trigger")
        uid = uuid.uuid4()
        conn.execute("insert into auth.users (id, email) values (%s, 'host@example.test')", (uid,))
        assert conn.execute("select count(*) as n from public.users").fetchone() == {"n": 0}
        claims = json.dumps({"sub": str(uid), "role": "authenticated"})
        with pytest.raises(psycopg.Error) as info, conn.transaction():
            conn.execute("set local role authenticated")
            conn.execute("select set_config('request.jwt.claims', %s, true)", (claims,))
            conn.execute(
                "insert into public.mini_mentorship_requests (title, description, session_type) "
                "values ('A title long enough', 'A description that is long enough to pass.', 'career_advice')"
            )
        assert (info.value.sqlstate, info.value.diag.message_hint) == ("PT409", "profile_missing")
