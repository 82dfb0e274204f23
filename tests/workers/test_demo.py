"""`mini-mentorship demo` (what scripts/demo runs) resets, migrates, seeds and reports."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from mini_mentorship.cli import app


def test_demo_resets_migrates_seeds_and_summarises(fresh_url: str, project: Path) -> None:
    result = CliRunner().invoke(app, ["demo", "--db-url", fresh_url, "--project-dir", str(project)])
    assert result.exit_code == 0, result.output
    migrations = len(list((project / "supabase" / "migrations").glob("*.sql")))
    assert f"{migrations} migrations applied, seed loaded" in result.output
    assert "mentorship_profiles" in result.output and "users" in result.output
