"""The Supabase-linter (splinter) equivalent checks: each one finds what it is meant to find."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from typer.testing import CliRunner

from mini_mentorship import lint
from mini_mentorship.cli import app
from mini_mentorship.testing.database import Database

# For each lint: SQL that creates exactly one offending object, and the object the lint must name.
OFFENDERS = {
    "0001_unindexed_foreign_keys": (
        "create table public.lint_parent (id int primary key);"
        "create table public.lint_child (id int primary key, parent_id int references public.lint_parent (id));"
        "alter table public.lint_parent enable row level security;"
        "alter table public.lint_child enable row level security;",
        "public.lint_child",
    ),
    "0002_auth_users_exposed": (
        "create view public.lint_people with (security_invoker = true) as select id, email from auth.users;"
        "grant select on public.lint_people to authenticated;",
        "public.lint_people",
    ),
    "0003_auth_rls_initplan": (
        "create table public.lint_t (id uuid primary key); alter table public.lint_t enable row level security;"
        "create policy p on public.lint_t for select to authenticated using (id = auth.uid());",
        "public.lint_t",
    ),
    "0006_multiple_permissive_policies": (
        "create table public.lint_t (id uuid primary key); alter table public.lint_t enable row level security;"
        "create policy a on public.lint_t for select to authenticated using (id = (select auth.uid()));"
        "create policy b on public.lint_t for select to authenticated using (true);",
        "public.lint_t",
    ),
    "0007_policy_exists_rls_disabled": (
        "create table public.lint_t (id uuid primary key);"
        "create policy p on public.lint_t for select to authenticated using (true);",
        "public.lint_t",
    ),
    "0008_rls_enabled_no_policy": (
        "create table public.lint_t (id uuid primary key); alter table public.lint_t enable row level security;",
        "public.lint_t",
    ),
    "0009_duplicate_index": (
        "create table public.lint_t (id uuid primary key, n int); alter table public.lint_t enable row level security;"
        "create policy p on public.lint_t for select to authenticated using (true);"
        "create index lint_a on public.lint_t (n); create index lint_b on public.lint_t (n);",
        "public.lint_t",
    ),
    "0010_security_definer_view": (
        "create view public.lint_v as select 1 as one;",
        "public.lint_v",
    ),
    "0011_function_search_path_mutable": (
        "create function public.lint_f() returns int language sql as 'select 1';",
        "public.lint_f()",
    ),
    "0013_rls_disabled_in_public": (
        "create table public.lint_t (id uuid primary key);",
        "public.lint_t",
    ),
    "0004_no_primary_key": (
        "create table public.lint_t (n int);",
        "public.lint_t",
    ),
    "0014_extension_in_public": (
        "create extension pg_trgm schema public;",
        "pg_trgm",
    ),
    "0015_rls_references_user_metadata": (
        "create table public.lint_t (id uuid primary key); alter table public.lint_t enable row level security;"
        "create policy p on public.lint_t for select to authenticated "
        "using ((select auth.jwt()) -> 'user_metadata' ->> 'role' = 'admin');",
        "public.lint_t",
    ),
    "0016_materialized_view_in_api": (
        "create materialized view public.lint_mv as select 1 as one;"
        "grant select on public.lint_mv to authenticated;",
        "public.lint_mv",
    ),
    "0017_foreign_table_in_api": (
        "create foreign data wrapper lint_fdw; create server lint_server foreign data wrapper lint_fdw;"
        "create foreign table public.lint_ft (id int) server lint_server;"
        "grant select on public.lint_ft to anon;",
        "public.lint_ft",
    ),
    "0018_unsupported_reg_types": (
        "create table private.lint_t (id int primary key, handler regproc);",
        "private.lint_t",
    ),
    "0021_fkey_to_auth_unique": (
        "create table private.lint_t (id int primary key, phone text references auth.users (phone));"
        "create index on private.lint_t (phone);",
        "private.lint_t",
    ),
    "0022_extension_versions_outdated": (
        "create extension pg_trgm version '1.3' schema extensions;",
        "pg_trgm",
    ),
    "0023_sensitive_columns_exposed": (
        "create table public.lint_t (id int primary key, password text);"
        "grant select on public.lint_t to anon;",
        "public.lint_t",
    ),
    "0024_permissive_rls_policy": (
        "create table public.lint_t (id uuid primary key); alter table public.lint_t enable row level security;"
        "create policy p on public.lint_t for delete to authenticated using (true);",
        "public.lint_t",
    ),
    "0025_public_bucket_allows_listing": (
        "insert into storage.buckets (id, name, public) values ('lint-avatars', 'lint-avatars', true);"
        "create policy \"Anyone can list avatars\" on storage.objects for select "
        "using (bucket_id = 'lint-avatars');",
        "storage.buckets/lint-avatars",
    ),
    "0026_pg_graphql_anon_table_exposed": (
        "create table public.lint_t (id int primary key, note text);"
        "alter table public.lint_t enable row level security;"
        "grant select (id) on public.lint_t to anon;",
        "public.lint_t",
    ),
    "0027_pg_graphql_authenticated_table_exposed": (
        "create table public.lint_t (id int primary key); alter table public.lint_t enable row level security;"
        "grant select on public.lint_t to authenticated;",
        "public.lint_t",
    ),
    "0028_anon_security_definer_function_executable": (
        "create function public.lint_f() returns int language sql security definer set search_path = '' "
        "as 'select 1';"
        "grant execute on function public.lint_f() to anon;",
        "public.lint_f()",
    ),
    "0029_authenticated_security_definer_function_executable": (
        "create function public.lint_f() returns int language sql security definer set search_path = '' "
        "as 'select 1';"
        "revoke execute on function public.lint_f() from public;"
        "grant execute on function public.lint_f() to authenticated;",
        "public.lint_f()",
    ),
}

# Lints 0026/0027 look only once pg_graphql is installed. pg_graphql does not ship with PostgreSQL, so these
# tests install an empty extension of that name from a temporary directory (PostgreSQL 18's
# extension_control_path) before taking the baseline.
GRAPHQL_LINTS = {"0026_pg_graphql_anon_table_exposed", "0027_pg_graphql_authenticated_table_exposed"}


def install_empty_pg_graphql(conn: psycopg.Connection) -> None:
    if conn.info.server_version < 180000:
        pytest.skip("needs PostgreSQL 18's extension_control_path to stand in for pg_graphql")
    folder = Path(tempfile.mkdtemp(prefix="lint-pg-graphql-"))
    (folder / "extension").mkdir()  # PostgreSQL looks in <path element>/extension
    (folder / "extension" / "pg_graphql.control").write_text(
        "comment = 'empty stand-in for pg_graphql (lint tests)'\ndefault_version = '0.0'\nrelocatable = true\n"
    )
    (folder / "extension" / "pg_graphql--0.0.sql").write_text("-- empty\n")
    for path in (folder, *folder.rglob("*")):
        path.chmod(0o755)  # the server may run as another user
    try:
        conn.execute(sql.SQL("set extension_control_path = {}").format(sql.Literal(f"{folder}:$system")))
        conn.execute("create extension pg_graphql schema extensions")
    finally:
        shutil.rmtree(folder)


def test_every_lint_has_an_offender_case() -> None:
    assert sorted(OFFENDERS) == lint.lint_names()


@pytest.mark.parametrize("name", sorted(OFFENDERS))
def test_each_lint_finds_its_offender_and_nothing_else_new(db: Database, name: str) -> None:
    offending_sql, expected_object = OFFENDERS[name]
    with psycopg.connect(db.url, autocommit=True) as conn:
        if name in GRAPHQL_LINTS:
            install_empty_pg_graphql(conn)
        before = {(f.lint, f.object) for f in lint.run_lints(conn)}
        conn.execute(offending_sql)
        found = [f for f in lint.run_lint(conn, name) if (f.lint, f.object) not in before]
    assert [f.object for f in found] == [expected_object], f"{name} should flag exactly {expected_object}"


def test_lints_read_the_exposed_schemas_from_pgrst_db_schemas(db: Database) -> None:
    with psycopg.connect(db.url, autocommit=True) as conn:
        conn.execute("create schema hidden; create table hidden.t (id int)")
        assert not [f for f in lint.run_lint(conn, "0013_rls_disabled_in_public") if f.object == "hidden.t"]
        conn.execute("set pgrst.db_schemas = 'public, hidden'")
        assert [f.object for f in lint.run_lint(conn, "0013_rls_disabled_in_public") if f.object == "hidden.t"] == [
            "hidden.t"
        ]


def test_every_lint_runs_on_a_database_without_supabase(fresh_url: str) -> None:
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        assert lint.run_lints(conn) == [], "an empty database has nothing to report, auth and storage absent"


def test_allowlist_entries_need_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "allow.toml"
    path.write_text('[[allow]]\nlint = "0008_rls_enabled_no_policy"\nobject = "public.t"\nreason = ""\n')
    with pytest.raises(ValueError, match="reason"):
        lint.load_allowlist(path)


def test_cli_lint_fails_on_a_finding_and_passes_when_allowed(db: Database, project: Path) -> None:
    with psycopg.connect(db.url, autocommit=True) as conn:
        baseline = lint.run_lints(conn)
        conn.execute("create table public.lint_t (id uuid primary key)")
    entries = [*baseline, lint.Finding("0013_rls_disabled_in_public", "public.lint_t", "")]
    runner = CliRunner()
    failing = runner.invoke(app, ["db", "lint", "--db-url", db.url, "--project-dir", str(project)])
    assert failing.exit_code == 1 and "public.lint_t" in failing.output
    (project / "supabase" / "lint_allowlist.toml").write_text(
        "".join(
            f'[[allow]]\nlint = "{f.lint}"\nobject = "{f.object}"\nreason = "accepted in this test"\n\n'
            for f in entries
        )
    )
    passing = runner.invoke(app, ["db", "lint", "--json", "--db-url", db.url, "--project-dir", str(project)])
    assert passing.exit_code == 0, passing.output


# What a real Supabase project holds besides the toolkit: objects of Supabase's own schemas that would trip
# the lints if they were the project's. The linter must skip them all, as Supabase's own linter does (the
# first three are what `db lint` reported on a database built from Supabase's init scripts and migrations).
SUPABASE_OWNED_OFFENDERS = """
create index lint_users_email_a on auth.users (email);
create index lint_users_email_b on auth.users (email);
create index lint_objects_bucket_a on storage.objects (bucket_id);
create index lint_objects_bucket_b on storage.objects (bucket_id);
create schema graphql_public;
grant usage on schema graphql_public to anon, authenticated;
create function graphql_public.graphql(query text default null) returns jsonb language sql as $$ select '{}'::jsonb $$;
create function graphql_public.definer() returns int language sql security definer as 'select 1';
grant execute on function graphql_public.definer() to anon, authenticated;
create table graphql_public.lint_no_rls (n int, password text);
grant select on graphql_public.lint_no_rls to anon, authenticated;
create materialized view graphql_public.lint_mv as select 1 as one;
grant select on graphql_public.lint_mv to anon;
create table auth.lint_audit (
    id int, user_id uuid references auth.users (id), phone text references auth.users (phone)
);
create function extensions.lint_helper() returns int language sql as 'select 1';
create schema realtime;
create table realtime.lint_messages (topic text, handler regproc);
alter table realtime.lint_messages enable row level security;
create policy "lint listen" on realtime.lint_messages for all to authenticated using (true)
    with check ((select auth.jwt()) -> 'user_metadata' ->> 'room' = topic);
create schema vault;
create table vault.lint_secrets (secret text);
create schema supabase_functions;
create function supabase_functions.http_request() returns trigger language plpgsql as $$ begin return new; end $$;
create schema graphql;
create extension pg_trgm version '1.3' schema graphql;
create policy "lint storage delete" on storage.objects for delete to authenticated using (true);
"""


def plant_supabase_owned_offenders(conn: psycopg.Connection) -> None:
    conn.execute(SUPABASE_OWNED_OFFENDERS)
    # Supabase exposes graphql_public (and here storage, to be strict) besides public.
    conn.execute("set pgrst.db_schemas = 'public, graphql_public, storage'")


def test_supabase_owned_objects_are_never_findings(db: Database) -> None:
    with psycopg.connect(db.url, autocommit=True) as conn:
        before = {(f.lint, f.object) for f in lint.run_lints(conn)}
        plant_supabase_owned_offenders(conn)
        new = [f for f in lint.run_lints(conn) if (f.lint, f.object) not in before]
    assert not new, "findings on Supabase's own objects:\n" + "\n".join(
        f"  {f.lint} {f.object}: {f.detail}" for f in new
    )


def test_a_supabase_project_with_the_toolkit_has_zero_findings(db: Database) -> None:
    with psycopg.connect(db.url, autocommit=True) as conn:
        plant_supabase_owned_offenders(conn)
        findings = lint.run_lints(conn)
    assert not findings, "findings:\n" + "\n".join(f"  {f.lint} {f.object}: {f.detail}" for f in findings)


def test_the_migrated_database_has_no_unexplained_findings(db: Database, project_dir: Path) -> None:
    with psycopg.connect(db.url, autocommit=True) as conn:
        findings = lint.run_lints(conn)
    allowed = lint.load_allowlist(project_dir / "supabase" / "lint_allowlist.toml")
    failing = lint.unexplained(findings, allowed)
    assert not failing, "Supabase linter findings:\n" + "\n".join(f"  {f.lint} {f.object}: {f.detail}" for f in failing)
