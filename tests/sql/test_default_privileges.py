"""The toolkit leaves the host's default privileges alone (issue 12 item 8).

Every function the migrations create closes itself (explicit revokes), so nothing depends on the migrating
role's default privileges; and after migrating, the host's defaults are what they were before, so a function
the host creates later gets PostgreSQL's (or the host's own) defaults, not the toolkit's.
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from mini_mentorship import db as dbmod
from mini_mentorship import migrate as migrations
from mini_mentorship.settings import Settings
from mini_mentorship.testing.database import Database

DEFAULTS = """
    select d.defaclrole::regrole::text as role, coalesce(n.nspname, '(global)') as schema,
           d.defaclobjtype as kind,
           array(select a::text from unnest(d.defaclacl) as a order by 1) as acl
    from pg_catalog.pg_default_acl as d
    left join pg_catalog.pg_namespace as n on n.oid = d.defaclnamespace
    order by 1, 2, 3
"""

HOST_FUNCTIONS = """
    select p.oid::regprocedure::text as function, p.proacl::text as acl
    from pg_catalog.pg_proc as p
    join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
    where n.nspname in ('public', 'app') and p.proname like 'host\\_%'
    order by 1
"""

HOST_APP = """
    create function public.host_report() returns integer language sql as 'select 1';
    create function public.host_secret() returns integer language sql as 'select 2';
    revoke execute on function public.host_secret() from public;
    create function app.host_helper() returns integer language sql as 'select 3';
"""

# The host's own default privileges, set before the toolkit is installed.
SCENARIOS: dict[str, tuple[bool, str]] = {
    # plain PostgreSQL / current Supabase projects: PostgreSQL's built-in defaults
    "built-in defaults": (False, ""),
    # a host that closed functions itself (basejump's first migration does exactly this) and has its own rule
    "host closed functions itself": (
        False,
        """
        alter default privileges revoke execute on functions from public;
        alter default privileges in schema public revoke execute on functions from anon, authenticated;
        alter default privileges in schema app grant execute on functions to authenticated;
        """,
    ),
    # Supabase's historical defaults: everything in public granted to the API roles
    "supabase historical auto-expose": (True, ""),
    # the same, hardened by the host (tables and functions closed to the API roles)
    "auto-expose hardened by the host": (
        True,
        """
        alter default privileges in schema public revoke all on tables from anon, authenticated;
        alter default privileges in schema public revoke execute on functions from anon, authenticated;
        """,
    ),
}


def _executors(conn: psycopg.Connection[dict[str, Any]], function: str) -> set[str]:
    """Who may execute `function`: PUBLIC (built-in default or explicit) and the API roles."""
    row = conn.execute(
        """
        select coalesce(p.proacl is null or exists (
                   select from aclexplode(p.proacl) as a where a.grantee = 0 and a.privilege_type = 'EXECUTE'),
               false) as public,
               has_function_privilege('anon', p.oid, 'execute') as anon,
               has_function_privilege('authenticated', p.oid, 'execute') as authenticated
        from pg_catalog.pg_proc as p where p.oid = %s::regprocedure
        """,
        (function,),
    ).fetchone()
    assert row is not None
    return {name for name, allowed in row.items() if allowed}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_migrating_leaves_the_hosts_defaults_and_functions_as_they_were(
    fresh_url: str, settings: Settings, scenario: str
) -> None:
    auto_expose, host_defaults = SCENARIOS[scenario]
    with dbmod.connect(fresh_url) as plain, psycopg.connect(fresh_url, autocommit=True, row_factory=dict_row) as conn:
        dbmod.ensure_standin(plain, auto_expose=auto_expose)
        conn.execute("create schema app")
        if host_defaults:
            conn.execute(host_defaults)
        conn.execute(HOST_APP)
        defaults_before = conn.execute(DEFAULTS).fetchall()
        functions_before = conn.execute(HOST_FUNCTIONS).fetchall()
        created_before = _executors(conn, "public.host_report()")

        migrations.migrate(plain, settings.migrations_dir)

        assert conn.execute(DEFAULTS).fetchall() == defaults_before, (
            f"{scenario}: the migrations changed the host's default privileges"
        )
        assert conn.execute(HOST_FUNCTIONS).fetchall() == functions_before, (
            f"{scenario}: the migrations changed the privileges of the host's functions"
        )
        conn.execute("create function public.host_later() returns integer language sql as 'select 4'")
        assert _executors(conn, "public.host_later()") == created_before, (
            f"{scenario}: a function the host creates after migrating must get the same privileges as one "
            "it created before"
        )


def test_a_host_function_created_after_migrating_gets_postgresqls_default(fresh_url: str, settings: Settings) -> None:
    with psycopg.connect(fresh_url, autocommit=True, row_factory=dict_row) as conn:
        dbmod.migrate_database(fresh_url, settings)
        conn.execute("create function public.host_later() returns integer language sql as 'select 4'")
        assert conn.execute("select proacl from pg_proc where oid = 'public.host_later()'::regprocedure"
                            ).fetchone() == {"proacl": None}, "the built-in default: EXECUTE for PUBLIC"


def test_no_function_of_the_toolkit_is_executable_by_public(db: Database) -> None:
    """Every function in public and private carries its own ACL without PUBLIC, whatever the defaults were."""
    rows = db.query(
        """
        select p.oid::regprocedure::text as function
        from pg_catalog.pg_proc as p
        join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
        where n.nspname in ('public', 'private')
          and (p.proacl is null
               or exists (select from aclexplode(p.proacl) as a
                          where a.grantee = 0 and a.privilege_type = 'EXECUTE'))
        """
    )
    assert rows == [], f"PUBLIC may execute: {[r['function'] for r in rows]}"
    assert db.scalar(
        "select count(*) from pg_proc p join pg_namespace n on n.oid = p.pronamespace "
        "where n.nspname in ('public', 'private')"
    ) > 20


def test_the_migrated_database_keeps_postgresqls_default_for_functions(db: Database) -> None:
    """No global default-privileges entry for functions is left behind by the toolkit."""
    assert db.query(
        "select defaclacl::text from pg_default_acl where defaclnamespace = 0 and defaclobjtype = 'f'"
    ) == []
