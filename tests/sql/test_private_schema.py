"""The private schema holds internals: the API roles can use nothing in it but the policy helpers."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from mini_mentorship.testing.api import Api, ApiError
from mini_mentorship.testing.database import Database

POLICY_HELPERS = {
    "is_admin", "is_pool_mentor", "is_claiming_mentor_of_file", "is_own_request_file", "readable_request_ids",
    "participant_session_ids",
}
# The filters of security-invoker views in public (the view of the same name calls it as the caller).
VIEW_FILTERS = {"mini_mentorship_people"}


def test_only_policy_helpers_and_rpc_implementations_are_executable_by_api_roles(db: Database) -> None:
    """`authenticated` may execute the policy helpers, the filters of the public views and, for each public RPC
    (security invoker), the private security-definer function of the same name that implements it; nothing
    else, and anon nothing at all."""
    rows = db.query(
        "select p.proname, r.rolname from pg_proc p join pg_namespace n on n.oid = p.pronamespace "
        "cross join (values ('anon'), ('authenticated'), ('service_role')) as r (rolname) "
        "where n.nspname = 'private' and has_function_privilege(r.rolname, p.oid, 'execute')"
    )
    executable = {(r["proname"], r["rolname"]) for r in rows}
    rpc_names = {
        r["proname"]
        for r in db.query(
            "select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace "
            "where n.nspname = 'public' and has_function_privilege('authenticated', p.oid, 'execute')"
        )
    }
    allowed = {(name, "authenticated") for name in POLICY_HELPERS | VIEW_FILTERS | rpc_names}
    assert executable <= allowed, f"not expected to be executable: {sorted(executable - allowed)}"
    assert {(name, "authenticated") for name in POLICY_HELPERS} <= executable


def test_no_private_table_or_view_is_readable_by_api_roles(db: Database) -> None:
    rows = db.query(
        "select c.relname, r.rolname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
        "cross join (values ('anon'), ('authenticated'), ('service_role')) as r (rolname) "
        "where n.nspname = 'private' and c.relkind in ('r', 'v', 'm', 'p') "
        "and has_table_privilege(r.rolname, c.oid, 'select,insert,update,delete')"
    )
    assert rows == [], "private tables (the outbox among them) must be invisible to the API roles"
    assert db.scalar("select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                     "where n.nspname = 'private' and c.relname = 'outbox'") == 1


def test_anon_cannot_even_look_into_private(as_anon: Api) -> None:
    with pytest.raises(ApiError) as denied:
        as_anon.query("select * from private.outbox")
    assert denied.value.code == "42501"


def test_signed_in_users_cannot_read_the_outbox_or_call_sweeps(
    make_user: Callable[..., uuid.UUID], as_user: Callable[[uuid.UUID], Api]
) -> None:
    api = as_user(make_user("mentor"))
    for statement in ("select * from private.outbox", "select private.expire_requests()",
                      "select * from private.people"):
        with pytest.raises(ApiError) as denied:
            api.query(statement)
        assert denied.value.code == "42501", f"a signed-in user ran {statement!r}"
