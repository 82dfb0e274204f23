"""`supabase/policies/*.sql` versus the database: the policy and grant drift check.

The policy files are the readable source of truth for RLS and grants; the migrations must carry exactly the
same. To compare, we snapshot what the API roles can do in the database (RLS flags, policies, table, column
and function grants), then — inside a transaction that is always rolled back — strip every policy and grant
from the exposed objects, apply the policy files onto that bare schema, snapshot again, and diff the two.
The database is never changed, so the check is safe to run against any environment.

Scope: mini-mentorship's own objects, i.e. tables in public named `mini_mentorship_*`, functions in public
whose name contains `mini`, everything in `private`, and the Storage policies of our bucket. The host app's
tables (users, mentorship_profiles) keep the host's own policies.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

API_ROLES = ("anon", "authenticated", "service_role")

SNAPSHOT_QUERIES: dict[str, str] = {
    "rls": """
        select format('%I.%I rls=%s force=%s', n.nspname, c.relname, c.relrowsecurity, c.relforcerowsecurity)
        from pg_catalog.pg_class as c
        join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm') and c.relname like 'mini\\_mentorship\\_%'
    """,
    "policy": """
        select format('%I.%I %L %s %s to %s using (%s) with check (%s)', p.schemaname, p.tablename,
                      p.policyname, p.permissive, p.cmd, array_to_string(p.roles, ','),
                      coalesce(p.qual, ''), coalesce(p.with_check, ''))
        from pg_catalog.pg_policies as p
        where (p.schemaname = 'public' and p.tablename like 'mini\\_mentorship\\_%')
           or (p.schemaname = 'storage' and concat(p.qual, p.with_check) like '%mini-mentorship-files%')
    """,
    "table_grant": """
        select format('%I.%I %s %s', g.table_schema, g.table_name, g.grantee, g.privilege_type)
        from information_schema.role_table_grants as g
        where g.table_schema = 'public' and g.table_name like 'mini\\_mentorship\\_%'
          and g.grantee in ('anon', 'authenticated', 'service_role', 'PUBLIC')
    """,
    "column_grant": """
        select format('%I.%I.%I %s %s', n.nspname, c.relname, a.attname, r.rolname, x.privilege_type)
        from pg_catalog.pg_attribute as a
        join pg_catalog.pg_class as c on c.oid = a.attrelid
        join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
        cross join lateral aclexplode(a.attacl) as x
        join pg_catalog.pg_roles as r on r.oid = x.grantee
        where n.nspname = 'public' and c.relname like 'mini\\_mentorship\\_%' and a.attacl is not null
          and r.rolname in ('anon', 'authenticated', 'service_role')
    """,
    "function_grant": """
        select format('%I.%I(%s) %s', n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid),
                      coalesce(r.rolname, 'PUBLIC'))
        from pg_catalog.pg_proc as p
        join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
        cross join lateral aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) as x
        left join pg_catalog.pg_roles as r on r.oid = x.grantee
        where ((n.nspname = 'public' and p.proname like '%mini%') or n.nspname = 'private')
          and x.privilege_type = 'EXECUTE'
          and (x.grantee = 0 or r.rolname in ('anon', 'authenticated', 'service_role'))
    """,
}

STRIP_TABLES = """
select n.nspname, c.relname, c.relkind
from pg_catalog.pg_class as c
join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm') and c.relname like 'mini\\_mentorship\\_%'
"""
STRIP_POLICIES = """
select schemaname, tablename, policyname from pg_catalog.pg_policies
where (schemaname = 'public' and tablename like 'mini\\_mentorship\\_%')
   or (schemaname = 'storage' and concat(qual, with_check) like '%mini-mentorship-files%')
"""
STRIP_FUNCTIONS = """
select p.oid::regprocedure::text
from pg_catalog.pg_proc as p
join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
where ((n.nspname = 'public' and p.proname like '%mini%') or n.nspname = 'private') and p.prokind in ('f', 'p')
"""


def snapshot(conn: psycopg.Connection[Any]) -> list[str]:
    """Everything the API roles are allowed, one sorted line per fact."""
    lines: list[str] = []
    for kind, query in SNAPSHOT_QUERIES.items():
        lines.extend(f"{kind}: {row[0]}" for row in conn.execute(query).fetchall())
    return sorted(lines)


def strip(conn: psycopg.Connection[Any]) -> None:
    """Remove every policy, RLS flag and API-role grant from public tables and public/private functions."""
    roles = sql.SQL(", ").join(sql.Identifier(r) for r in API_ROLES)
    for schema, table, policy in conn.execute(STRIP_POLICIES).fetchall():
        conn.execute(
            sql.SQL("drop policy {} on {}.{}").format(
                sql.Identifier(policy), sql.Identifier(schema), sql.Identifier(table)
            )
        )
    for schema, table, kind in conn.execute(STRIP_TABLES).fetchall():
        target = sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(table))
        if kind in ("r", "p"):
            conn.execute(sql.SQL("alter table {} disable row level security").format(target))
            conn.execute(sql.SQL("alter table {} no force row level security").format(target))
            columns = [
                r[0]
                for r in conn.execute(
                    "select attname from pg_attribute where attrelid = %s::regclass and attnum > 0 "
                    "and not attisdropped",
                    (f'"{schema}"."{table}"',),
                ).fetchall()
            ]
            if columns:
                conn.execute(
                    sql.SQL("revoke all ({}) on {} from public, {}").format(
                        sql.SQL(", ").join(sql.Identifier(c) for c in columns), target, roles
                    )
                )
        conn.execute(sql.SQL("revoke all on {} from public, {}").format(target, roles))
    for (signature,) in conn.execute(STRIP_FUNCTIONS).fetchall():
        conn.execute(sql.SQL("revoke all on function {} from public, {}").format(sql.SQL(signature), roles))


def policy_files(policies_dir: Path) -> list[Path]:
    return sorted(policies_dir.glob("*.sql"))


def declared(conn: psycopg.Connection[Any], policies_dir: Path) -> list[str]:
    """The snapshot the policy files alone produce on this database's bare schema (rolled back)."""
    try:
        with conn.transaction(force_rollback=True):
            strip(conn)
            for path in policy_files(policies_dir):
                conn.execute(path.read_text(encoding="utf-8"))
            return snapshot(conn)
    except psycopg.Error as exc:
        raise PolicyError(f"applying supabase/policies failed: {str(exc).strip()}") from exc


class PolicyError(RuntimeError):
    """The policy files could not be applied."""


def drift(conn: psycopg.Connection[Any], policies_dir: Path) -> list[str]:
    """A unified diff between the database (---) and supabase/policies (+++); empty when they agree."""
    actual = snapshot(conn)
    wanted = declared(conn, policies_dir)
    return list(
        difflib.unified_diff(actual, wanted, "database (migrations)", "supabase/policies", lineterm="", n=0)
    )
