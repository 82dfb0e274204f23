"""Files of the separate temporary projects the plugin tests run pytest in (tests/testing/test_plugin.py)."""

from __future__ import annotations

# The ten-line test of docs/testing.md, verbatim.
TEN_LINES = '''
def test_a_mentor_outside_the_pool_cannot_claim_a_request(make_user, as_user):
    student = as_user(make_user("student"))
    [request] = student.query(
        "insert into mini_mentorship_requests (title, description, session_type)"
        " values ('Mock interview', 'One system design problem, please.', 'interview_prep') returning id"
    )
    mentor = as_user(make_user("mentor", in_pool=False))
    with mentor.refused(status=403, hint="not_pool_mentor"):
        mentor.rpc("claim_mini_request", request_id=request["id"])
'''

CALLERS = '''
import pytest


def test_every_caller_as_postgrest_runs_it(db, make_user, as_user, as_anon, as_admin, as_service_role):
    uid = make_user("student", app_metadata={"tier": "gold"}, user_metadata={"avatar": "a.png"})
    ada = as_user(uid)
    jwt = ada.query("select auth.jwt() as jwt")[0]["jwt"]
    assert (jwt["sub"], jwt["app_metadata"]["tier"], jwt["user_metadata"]) == (str(uid), "gold", {"avatar": "a.png"})
    assert ada.query("select private.is_admin() as admin") == [{"admin": False}]
    as_ada_admin = as_user(uid, app_metadata={"role": "admin"})
    assert as_ada_admin.query("select private.is_admin() as admin") == [{"admin": True}]
    assert as_admin.query("select private.is_admin() as admin") == [{"admin": True}]
    with as_anon.refused(status=401, code="42501"):
        as_anon.query("select * from public.mini_mentorship_requests")
    assert as_service_role.query("select count(*) as n from public.users") == [{"n": 2}]
    assert db.scalar("select count(*) from auth.users") == 2


def test_refused_names_what_differs(as_anon):
    with pytest.raises(AssertionError, match="but the call succeeded"):
        with as_anon.refused(status=401):
            as_anon.query("select 1 as one")
    with pytest.raises(AssertionError, match=r"expected a refusal with status=404.*got HTTP 401 42501"):
        with as_anon.refused(status=404):
            as_anon.query("select * from public.mini_mentorship_requests")


def test_a_failing_test_after_writes(db, make_user, as_user):
    student = as_user(make_user("student"))
    student.query(
        "insert into mini_mentorship_requests (title, description, session_type)"
        " values ('Left behind?', 'This request must not survive the failing test.', 'interview_prep')"
    )
    db.query("update public.users set full_name = 'Changed' where id = %s", (student.uid,))
    assert False, "deliberately failing after writes"
'''

# conftest.py of the embedded project: which server, and the host's own column filled by the hook.
EMBEDDED_CONFTEST = '''
from mini_mentorship.testing.servers import ServerKind


def pytest_mm_server_kinds(config):
    return [ServerKind({label!r}, auto_expose={auto_expose!r})]


def pytest_mm_user_created(db, uid, kind, fields):
    db.query("update public.users set full_name = %s where id = %s", (fields.get("nickname"), uid))
'''

EMBEDDED_ONLY = '''
def test_the_host_hook_fills_its_columns(make_user, as_user, pg):
    uid = make_user("student", nickname="Ada")
    assert as_user(uid).query("select full_name from public.users") == [{{"full_name": "Ada"}}]
    assert pg.kind.label == {label!r}
'''

ATTACHED_ONLY = '''
import psycopg
import pytest


def test_a_commit_is_impossible(db, make_user):
    make_user("student")
    with pytest.raises(psycopg.ProgrammingError):
        db.conn.commit()


def test_make_user_refuses_fields_nobody_stores(make_user):
    with pytest.raises(TypeError, match="pytest_mm_user_created"):
        make_user("student", nickname="Ada")


def test_databases_of_its_own_are_skipped(fresh_url):
    raise AssertionError("never runs when attached")
'''
