"""`mini-mentorship demo` (what scripts/demo runs) resets, migrates, seeds, walks a mentorship, drains the outbox."""

from __future__ import annotations

import re
from pathlib import Path

import psycopg
from typer.testing import CliRunner

from mini_mentorship.cli import app


def test_demo_resets_migrates_seeds_and_summarises(fresh_url: str, project: Path) -> None:
    result = CliRunner().invoke(app, ["demo", "--db-url", fresh_url, "--project-dir", str(project)],
                                env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.output.splitlines()) <= 100, "readable at 100 columns"
    migrations = len(list((project / "supabase" / "migrations").glob("*.sql")))
    assert f"{migrations} migrations applied, seed loaded" in result.output
    output = " ".join(result.output.split())  # the table wraps long cells
    assert "mentorship_profiles" in output and "mini_mentorship_sessions" in output
    assert "request_not_open" in output, "the second mentor's claim is refused"
    assert "not_pool_mentor" in output, "a mentor outside the pool cannot browse"
    assert "request.created" in output and "session.scheduled" in output, "the audit trail is shown"

    queued, drained = output.split("Running the worker once")
    assert "What the mentorship queued" in queued
    for row in ("email │ request_created │ Ada Lovelace │ pending",
                "email │ request_claimed │ Ada Lovelace │ pending",
                "meeting_link │ - │ session v0 │ pending", "meeting_link │ - │ session v1 │ pending"):
        assert row in queued, f"the queued jobs are listed: {row}"
    assert "session_scheduled" not in queued, "the session is announced only once its link exists"

    for template, recipient in (("request_created", "1"), ("request_claimed", "1"),
                                ("session_scheduled", "1"), ("session_scheduled", "11")):
        assert f"[console email] template={template} recipient=00000000-0000-4000-a000-0000000000{recipient:0>2}" \
            in drained, "the console handler prints each email into the demo's output"
    assert "worker done: 5 succeeded, 1 cancelled, 0 to retry, 0 failed" in drained
    for row in ("email │ request_created │ Ada Lovelace │ succeeded",
                "email │ request_claimed │ Ada Lovelace │ succeeded",
                "meeting_link │ - │ session v0 │ cancelled │ 1 │ the session was moved",
                "meeting_link │ - │ session v1 │ succeeded",
                "email │ session_scheduled │ Ada Lovelace │ succeeded",
                "email │ session_scheduled │ Linus Mentor │ succeeded"):
        assert row in drained, f"the drained outbox is listed: {row}"
    assert re.search(r"written by the worker: https://meet\.jit\.si/mini-mentorship-[0-9a-f]{32}", drained)

    with psycopg.connect(fresh_url) as conn:
        left = conn.execute("select status, count(*) from private.outbox group by status order by status").fetchall()
    assert left == [("cancelled", 1), ("succeeded", 5)], "no job is left pending, running or failed"
