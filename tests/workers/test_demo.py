"""`mini-mentorship demo` (what scripts/demo runs) resets, migrates, seeds, walks a mentorship, drains the outbox,
ticks as of 23 h and 50 min before the session, and lists the emails delivered to the file sink."""

from __future__ import annotations

import email
import email.policy
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

    assert "worker done: 5 succeeded, 1 cancelled, 0 to retry, 0 failed" in drained
    assert re.search(r"written by the worker: https://meet\.jit\.si/mini-mentorship-[0-9a-f]{32}", drained)
    ticks = re.findall(r"tick as of \S+: 0 expired, 0 stale claims released, 0 departed mentors' claims released, "
                       r"(\d) reminders queued; the worker once: worker done: (\d) succeeded", drained)
    assert ticks == [("2", "2"), ("2", "2")], "the tick 23 h and 50 min before queues and sends 2 reminders each"
    for row in ("email │ request_created │ Ada Lovelace │ succeeded",
                "email │ request_claimed │ Ada Lovelace │ succeeded",
                "meeting_link │ - │ session v1 │ succeeded",
                "email │ session_scheduled │ Ada Lovelace │ succeeded",
                "email │ session_scheduled │ Linus Mentor │ succeeded",
                "email │ reminder_24h │ Ada Lovelace │ succeeded", "email │ reminder_1h │ Linus Mentor │ succeeded"):
        assert row in drained, f"the drained outbox is listed: {row}"

    mail_dir = project / ".mini-mentorship" / "demo-mail"
    files = sorted(mail_dir.glob("*.eml"))
    assert len(files) == 8, "created, claimed, scheduled x2, 24 h x2, 1 h x2 delivered to the file sink"
    subjects = [email.message_from_bytes(f.read_bytes(), policy=email.policy.default)["Subject"] for f in files]
    assert sorted(subjects[:2]) == ["A Mentor Claimed Your Mini Mentorship Request!",
                                    "Your Mini Mentorship Request Has Been Posted"], "file names sort by time"
    assert subjects[2:] == ["Your Mini Mentorship Session is Scheduled"] * 2 + [
        "Reminder: Mini Mentorship Session Tomorrow"] * 2 + ["Reminder: Mini Mentorship Session in 1 Hour"] * 2
    listing = drained.split("Emails delivered to")[1]
    assert "Reminder: Mini Mentorship" in listing, "the delivered emails are listed"
    assert "ada.student@example.test" in listing and "linus.mentor@example.test" in listing
    assert "11:00" in listing and "(America/Chicago)" in listing, "the session time in the recipient's zone"
    first_reminder = email.message_from_bytes(files[4].read_bytes(), policy=email.policy.default)
    plain = first_reminder.get_body(preferencelist=("plain",))
    assert plain is not None
    assert re.search(r"When: \w+day \d+ \w+ \d{4}, 11:00 C[SD]T \(America/Chicago\)", plain.get_content())

    with psycopg.connect(fresh_url) as conn:
        left = conn.execute("select status, count(*) from private.outbox group by status order by status").fetchall()
    assert left == [("cancelled", 1), ("succeeded", 9)], "no job is left pending, running or failed"
    assert "The scheduled emails carry the worker's meeting link" in result.output
    assert re.search(r"with a calendar invite \(\.ics\):\s+https://meet\.jit\.si/mini-mentorship-[0-9a-f]{32}",
                     result.output), "the scheduled emails carry the Jitsi link the worker made, and an invite"
