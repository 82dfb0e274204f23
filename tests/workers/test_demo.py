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
    output = " ".join(result.output.split())  # the table wraps long cells
    assert "mentorship_profiles" in output and "mini_mentorship_sessions" in output
    assert "request_not_open" in output, "the second mentor's claim is refused"
    assert "not_pool_mentor" in output, "a mentor outside the pool cannot browse"
    assert "request.created" in output and "session.scheduled" in output, "the audit trail is shown"
    assert "meeting_link pending" in output, "scheduling a Jitsi session queues the link job"
