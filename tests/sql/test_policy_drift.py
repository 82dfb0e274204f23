"""supabase/policies/*.sql and the migrations never disagree on RLS, policies and grants."""

from __future__ import annotations

from pathlib import Path

import psycopg
from typer.testing import CliRunner

from mini_mentorship import policies
from mini_mentorship.cli import app
from mini_mentorship.testing.database import Database
from mini_mentorship.testing.servers import EmbeddedServer


def test_policy_files_on_a_bare_schema_equal_the_migrated_database(
    pg: EmbeddedServer, db: Database, project_dir: Path
) -> None:
    """Migrations in one database; the policy files on the stripped schema of another; same result."""
    bare_url = pg.new_database()
    with psycopg.connect(db.url, autocommit=True) as migrated, psycopg.connect(bare_url, autocommit=True) as bare:
        policies.strip(bare)
        assert not [line for line in policies.snapshot(bare) if line.startswith(("policy", "table_grant"))], (
            "stripping must leave no policy or grant behind"
        )
        for path in policies.policy_files(project_dir / "supabase" / "policies"):
            bare.execute(path.read_text())
        actual, declared = policies.snapshot(migrated), policies.snapshot(bare)
    missing = sorted(set(actual) - set(declared))
    extra = sorted(set(declared) - set(actual))
    assert not missing and not extra, (
        "the migrations and supabase/policies disagree\n"
        + "".join(f"  only in the migrated database: {line}\n" for line in missing)
        + "".join(f"  only in supabase/policies:     {line}\n" for line in extra)
    )


def test_the_snapshot_covers_every_kind_of_fact(db: Database) -> None:
    with psycopg.connect(db.url, autocommit=True) as conn:
        kinds = {line.split(":", 1)[0] for line in policies.snapshot(conn)}
    assert kinds == {"rls", "policy", "table_grant", "column_grant", "function_grant"}


def test_cli_check_passes_on_the_migrated_database_and_changes_nothing(db: Database, project: Path) -> None:
    with psycopg.connect(db.url, autocommit=True) as conn:
        before = policies.snapshot(conn)
    result = CliRunner().invoke(app, ["db", "policies", "--check", "--db-url", db.url, "--project-dir", str(project)])
    assert result.exit_code == 0, result.output
    assert "match" in result.output
    with psycopg.connect(db.url, autocommit=True) as conn:
        assert policies.snapshot(conn) == before, "the check must roll everything back"


def test_cli_check_shows_a_readable_diff_on_drift(db: Database, project: Path) -> None:
    requests = project / "supabase" / "policies" / "mini_mentorship_requests.sql"
    requests.write_text(requests.read_text().replace("    relevant_experience, specific_questions, ", "    "))
    with psycopg.connect(db.url, autocommit=True) as conn:
        conn.execute("grant delete on public.mini_mentorship_sessions to authenticated")
    result = CliRunner().invoke(app, ["db", "policies", "--check", "--db-url", db.url, "--project-dir", str(project)])
    assert result.exit_code == 1
    assert "-column_grant: public.mini_mentorship_requests.relevant_experience authenticated INSERT" in result.output
    assert "-table_grant: public.mini_mentorship_sessions authenticated DELETE" in result.output
    assert "disagree" in result.output


def test_cli_check_reports_a_broken_policy_file(db: Database, project: Path) -> None:
    broken = project / "supabase" / "policies" / "zz_broken.sql"
    broken.write_text("create policy oops on public.nowhere using (true);")
    result = CliRunner().invoke(app, ["db", "policies", "--check", "--db-url", db.url, "--project-dir", str(project)])
    assert result.exit_code == 1
    assert "applying supabase/policies failed" in result.output and "Traceback" not in result.output


def test_cli_policies_without_check_explains_itself(project: Path) -> None:
    result = CliRunner().invoke(app, ["db", "policies", "--project-dir", str(project)])
    assert result.exit_code == 1 and "--check" in result.output
