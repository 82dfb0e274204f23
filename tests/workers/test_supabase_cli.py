"""Interop with the real Supabase CLI (npm `supabase`, pinned in package.json) on our test servers.

The CLI works here for every command that takes --db-url and needs no Docker. It needs TCP URLs with
sslmode=disable, which is how the test servers listen.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from mini_mentorship import db as dbmod
from mini_mentorship import migrate as migrations
from mini_mentorship.settings import Settings
from mini_mentorship.testing.servers import EmbeddedServer
from tests.conftest import PROJECT_DIR

CLI = PROJECT_DIR / "node_modules" / ".bin" / "supabase"

pytestmark = [
    pytest.mark.cli,
    pytest.mark.skipif(
        not CLI.exists(), reason="Supabase CLI not installed (scripts/test installs it with npm ci when npm exists)"
    ),
]


def supabase(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SUPABASE_TELEMETRY_DISABLED": "1", "DO_NOT_TRACK": "1"}
    result = subprocess.run(
        [str(CLI), "--workdir", str(project), *args],
        capture_output=True, text=True, timeout=240, env=env, cwd=project, check=False,
    )
    assert result.returncode == 0, f"supabase {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def with_standin(url: str) -> str:
    with dbmod.connect(url) as conn:
        dbmod.ensure_standin(conn)
    return url


def test_cli_push_then_our_runner_finds_nothing_to_do(fresh_url: str, project: Path) -> None:
    supabase(project, "db", "push", "--db-url", with_standin(fresh_url), "--yes")
    migrations_dir = project / "supabase" / "migrations"
    with dbmod.connect(fresh_url) as conn:
        states = migrations.status(conn, migrations_dir)
        assert states and {s.state for s in states} == {migrations.State.APPLIED}, states
        assert migrations.migrate(conn, migrations_dir) == []
        recorded: dict[str, list[str]] = dict(
            conn.execute("select version, statements from supabase_migrations.schema_migrations").fetchall()
        )
    for migration in migrations.discover(migrations_dir):
        assert recorded[migration.version] == migration.statements, (
            f"{migration.path.name}: the CLI split it into other statements than our runner does"
        )


def test_our_runner_then_cli_migration_list_is_in_sync(fresh_url: str, project: Path) -> None:
    dbmod.migrate_database(fresh_url, dbmod_settings(project))
    listing = supabase(project, "migration", "list", "--db-url", fresh_url).stdout
    rows = [
        [cell.strip() for cell in line.replace("`", "").split("|")]
        for line in listing.splitlines()
        if re.match(r"^\s*`?\d{14}`?\s*\|", line)
    ]
    versions = [m.version for m in migrations.discover(project / "supabase" / "migrations")]
    assert [row[0] for row in rows] == versions, listing
    for local, remote, *_ in rows:
        assert local == remote, f"the CLI sees local {local!r} but remote {remote!r}:\n{listing}"
    pushed = supabase(project, "db", "push", "--db-url", fresh_url, "--yes", "--dry-run")
    assert "up to date" in (pushed.stdout + pushed.stderr).lower()


def test_cli_db_lint_reports_no_errors(pg: EmbeddedServer, db_url_for_lint: str, project: Path) -> None:
    # --fail-on error makes the CLI exit non-zero on any finding, which supabase() turns into a failure.
    result = supabase(project, "db", "lint", "--db-url", db_url_for_lint, "--level", "error", "--fail-on", "error")
    assert "Linting schema: public" in result.stderr, "the lint must have covered our schema"
    assert '"issues"' not in result.stdout, result.stdout


def dbmod_settings(project: Path) -> Settings:
    return Settings(project_dir=project, database_url=None)


@pytest.fixture
def db_url_for_lint(pg: EmbeddedServer, fresh_url: str, project: Path) -> str:
    with dbmod.connect(fresh_url) as conn:
        available = conn.execute(
            "select exists (select from pg_available_extensions where name = 'plpgsql_check')"
        ).fetchone()
    if not available or not available[0]:
        pytest.skip(f"plpgsql_check is not available on {pg.kind.label} (Debian postgresql-15-plpgsql-check)")
    dbmod.migrate_database(fresh_url, dbmod_settings(project))
    return fresh_url
