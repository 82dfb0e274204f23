"""The Supabase-linter (splinter) equivalent checks: each one finds what it is meant to find."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from mini_mentorship import lint
from mini_mentorship.cli import app
from tests.conftest import Database

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
}


def test_every_lint_has_an_offender_case() -> None:
    assert sorted(OFFENDERS) == lint.lint_names()


@pytest.mark.parametrize("name", sorted(OFFENDERS))
def test_each_lint_finds_its_offender_and_nothing_else_new(db: Database, name: str) -> None:
    offending_sql, expected_object = OFFENDERS[name]
    with psycopg.connect(db.url, autocommit=True) as conn:
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


def test_the_migrated_database_has_no_unexplained_findings(db: Database, project_dir: Path) -> None:
    with psycopg.connect(db.url, autocommit=True) as conn:
        findings = lint.run_lints(conn)
    allowed = lint.load_allowlist(project_dir / "supabase" / "lint_allowlist.toml")
    failing = lint.unexplained(findings, allowed)
    assert not failing, "Supabase linter findings:\n" + "\n".join(f"  {f.lint} {f.object}: {f.detail}" for f in failing)
