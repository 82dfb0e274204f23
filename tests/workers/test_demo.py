"""`mini-mentorship demo` (what scripts/demo runs) tells the whole story end to end, readable at 100 columns,
and starts clean when run again."""

from __future__ import annotations

import email
import email.policy
import re
import time
from collections import Counter
from pathlib import Path

import psycopg
from typer.testing import CliRunner

from mini_mentorship.cli import app
from mini_mentorship.demo.community import ASKS

SUBJECTS = {
    "Your Mini Mentorship Request Has Been Posted": 9,
    "A Mentor Claimed Your Mini Mentorship Request!": 2,
    "Your Mini Mentorship Session is Scheduled": 4,
    "Mini Mentorship Session Cancelled": 2,
    "Reminder: Mini Mentorship Session Tomorrow": 2,
    "Reminder: Mini Mentorship Session in 1 Hour": 2,
    "How was your Mini Mentorship Session?": 2,
    "Mini Mentorship Session Marked as a No-Show": 2,
    "Your Mini Mentorship Request Has Expired": 7,
}


def run_demo(url: str, project: Path) -> str:
    started = time.monotonic()
    result = CliRunner().invoke(app, ["demo", "--db-url", url, "--project-dir", str(project)],
                                env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started < 120, "the demo takes under two minutes"
    return result.output


def test_the_demo_tells_the_whole_story(fresh_url: str, project: Path) -> None:
    output = run_demo(fresh_url, project)
    assert max(len(line) for line in output.splitlines()) <= 100, "readable at 100 columns"
    migrations = len(list((project / "supabase" / "migrations").glob("*.sql")))
    assert f"{migrations} migrations applied, seed loaded" in output
    text = " ".join(output.split())

    for zone in ("America/Chicago", "Europe/Berlin", "Asia/Kolkata", "Australia/Sydney", "Asia/Tokyo"):
        assert zone in text, f"the community spans time zones: {zone}"
    for session_type in ("interview_prep", "resume_review", "career_advice", "skill_learning", "project_guidance",
                         "technical_help", "portfolio_review", "networking_advice", "other"):
        assert session_type in text, f"a request of every type: {session_type}"
    for ask in ASKS:
        assert any(ask.session_type in line and ask.title in line for line in output.splitlines()), (
            f"the requests table shows {ask.title!r} on one line (no wrapped cells at 100 columns)"
        )
    assert "Ken browses open requests → refused 42501 not_pool_mentor" in text, "only pool mentors browse"
    assert "Mock system-design interview (high)" in text, "a pool mentor browses with filters"

    race = re.findall(r"(Linus|Barbara) claims Ada's interview prep → (won|refused PT409 request_not_open)", text)
    assert sorted(outcome for _, outcome in race) == ["refused PT409 request_not_open", "won"], (
        "two mentors race for one request: one wins, the other is refused"
    )
    winner = next(who for who, outcome in race if outcome == "won")
    loser = next(who for who, outcome in race if outcome != "won")
    assert f"{winner} won; {loser}'s app shows the refusal" in text
    assert "Ada tries to join already → refused PT409 too_early" in text
    assert re.search(r"the Jitsi link, written by the worker: https://meet\.jit\.si/mini-mentorship-[0-9a-f]{32}",
                     text)
    assert "Priya reads her request (from().select) → status open: back in the pool" in text, (
        "the mentor's cancellation reopens the request"
    )
    ticks = re.findall(r"tick --now \S+ (\d+) expired, 0 stale claims released, (\d+) reminders queued", text)
    assert ticks == [("0", "2"), ("0", "2"), ("7", "0")], "24 h and 1 h reminders, then the week-later expiry"
    assert "Ada rates it again → refused PT409 already_rated" in text
    assert "Grace tries to rate it → refused PT409 session_not_completed" in text
    assert "failed" not in text.replace("0 failed", ""), "the worker never fails a job"
    assert "Mini-mentorship analytics, all time" in text and "Time from request to first claim" in text

    mail_dir = project / ".mini-mentorship" / "demo-mail"
    mails = [email.message_from_bytes(f.read_bytes(), policy=email.policy.default) for f in
             sorted(mail_dir.glob("*.eml"))]
    assert Counter(str(m["Subject"]) for m in mails) == SUBJECTS, "every email of the story, written to the sink"
    assert f"{len(mails)} emails written to" in text
    assert re.search(r"ada\.student │ Reminder: Session in 1 Hour │ \w+ \d+ \w+ \d{4}, 11:00 C[SD]T", text), (
        "Ada's 1 h reminder shows 11:00 in Chicago"
    )

    with psycopg.connect(fresh_url) as conn:
        sessions: dict[str, str] = dict(conn.execute(
            "select p.display_name, s.status from public.mini_mentorship_sessions as s "
            "join private.people as p on p.id = s.student_id order by s.created_at"
        ).fetchall())
        ratings = conn.execute(
            "select student_rating, mentor_rating from public.mini_mentorship_sessions where status = 'completed'"
        ).fetchall()
        statuses: dict[str, int] = dict(conn.execute(
            "select status, count(*) from public.mini_mentorship_requests group by status"
        ).fetchall())
        left = conn.execute("select count(*) from private.outbox where status not in ('succeeded', 'cancelled')"
                            ).fetchone()
    assert sessions == {"Ada Lovelace": "completed", "Priya Raman": "cancelled", "Grace Hopper": "no-show"}
    assert ratings == [(5, 4)], "both sides rated the completed session"
    assert statuses["completed"] == 1 and statuses["expired"] == 7, "one completed, seven expired a week later"
    assert left == (0,), "the worker delivered everything"


def test_the_demo_starts_clean_when_run_again(fresh_url: str, project: Path) -> None:
    first = run_demo(fresh_url, project)
    second = run_demo(fresh_url, project)
    count = re.compile(r"(\d+) emails written to")
    assert count.findall(first) == count.findall(second) == ["32"], "the same story, the same emails"
    assert len(list((project / ".mini-mentorship" / "demo-mail").glob("*.eml"))) == 32
