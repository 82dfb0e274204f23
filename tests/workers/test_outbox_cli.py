"""`mini-mentorship outbox ...` against a real database: what operators see and do, and their mistakes."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from psycopg.types.json import Jsonb
from typer.testing import CliRunner, Result

from mini_mentorship.cli import app
from mini_mentorship.testing.database import Database

runner = CliRunner()


def outbox(db: Database, *args: str) -> Result:
    return runner.invoke(app, ["outbox", *args, "--db-url", db.url])


def ok_json(db: Database, *args: str) -> Any:
    result = outbox(db, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def failed_with(result: Result, words: str) -> None:
    """A user error: exit status 1 and one clear line on stderr, never a traceback."""
    assert result.exit_code == 1, f"expected exit 1, got {result.exit_code}: {result.output}"
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), f"one error line expected, got {result.stderr!r}"
    assert words in lines[0], f"{words!r} not in {lines[0]!r}"
    assert "Traceback" not in result.output


def add_job(
    db: Database, *, kind: str = "email", status: str = "pending", age: str = "0 seconds", attempts: int = 0,
    last_error: str | None = None, run_in: str = "0 seconds",
) -> uuid.UUID:
    """A job in a given state, its timestamps `age` in the past (private.outbox, as the owner)."""
    job_id = uuid.uuid4()
    template = "request_created" if kind == "email" else None
    with db.conn.transaction():
        db.query("alter table private.outbox disable trigger set_updated_at")
        db.query(
            "insert into private.outbox (id, kind, template, payload, dedupe_key, status, attempts, last_error, "
            "locked_by, locked_until, run_at, created_at, updated_at) "
            "values (%(id)s, %(kind)s, %(template)s, %(payload)s, %(key)s, %(status)s, %(attempts)s, %(error)s, "
            "case when %(status)s = 'running' then 'worker-1' end, "
            "case when %(status)s = 'running' then now() + interval '1 minute' end, "
            "now() - %(age)s::interval + %(run_in)s::interval, now() - %(age)s::interval, now() - %(age)s::interval)",
            {"id": job_id, "kind": kind, "template": template, "payload": Jsonb({"request_id": str(uuid.uuid4())}),
             "key": f"test:{job_id}", "status": status, "attempts": attempts, "error": last_error,
             "age": age, "run_in": run_in},
        )
        db.query("alter table private.outbox enable trigger set_updated_at")
    return job_id


def job(db: Database, job_id: uuid.UUID) -> dict[str, Any]:
    rows = db.query("select * from private.outbox where id = %s", (job_id,))
    assert rows, f"job {job_id} is gone"
    return rows[0]


# ---------------------------------------------------------------------------------------------------------
# stats
# ---------------------------------------------------------------------------------------------------------

def test_stats_counts_jobs_by_status_and_kind_and_shows_the_queue_health(db: Database) -> None:
    add_job(db, age="10 minutes")
    add_job(db, age="2 minutes")
    add_job(db, run_in="1 hour")  # pending, not due yet
    add_job(db, kind="meeting_link", status="running")
    add_job(db, status="failed", attempts=5, last_error="smtp 550", age="5 minutes")
    add_job(db, status="failed", attempts=5, last_error="smtp 550", age="2 hours")
    add_job(db, status="pending", attempts=2, last_error="resend 429")
    add_job(db, kind="meeting_link", status="succeeded")

    stats = ok_json(db, "stats")
    assert stats["total"] == 8
    assert stats["by_status"] == {
        "pending": {"email": 4, "meeting_link": 0},
        "running": {"email": 0, "meeting_link": 1},
        "succeeded": {"email": 0, "meeting_link": 1},
        "failed": {"email": 2, "meeting_link": 0},
        "cancelled": {"email": 0, "meeting_link": 0},
    }, "every status and kind is listed, zeros included"
    assert stats["due"] == 3, "a pending job due later is not due"
    assert 590 <= stats["oldest_due_age_seconds"] < 700, "the oldest due job has waited about ten minutes"
    assert stats["failed_last_hour"] == 1, "only the job that gave up within the hour counts"
    assert (stats["retrying"], stats["expired_leases"]) == (1, 0)

    text = outbox(db, "stats")
    assert text.exit_code == 0, text.output
    assert "outbox: 8 jobs" in text.stdout and "failed in the last hour: 1" in text.stdout
    assert "oldest due job waiting: 10m" in text.stdout


def test_stats_of_an_empty_outbox(db: Database) -> None:
    stats = ok_json(db, "stats")
    assert (stats["total"], stats["due"], stats["oldest_due_age_seconds"]) == (0, 0, None)
    assert "oldest due job waiting: -" in outbox(db, "stats").stdout


def test_stats_counts_jobs_the_lifecycle_queued(db: Database, make_user: Any, as_user: Any) -> None:
    from tests.sql.requests_support import create_request

    create_request(as_user(make_user("student")))
    assert ok_json(db, "stats")["by_status"]["pending"]["email"] == 1, "createRequest's email is in the stats"


# ---------------------------------------------------------------------------------------------------------
# list and show
# ---------------------------------------------------------------------------------------------------------

def test_list_filters_by_status_and_kind_newest_first(db: Database) -> None:
    old = add_job(db, status="failed", attempts=5, last_error="boom", age="1 day")
    new = add_job(db, status="failed", attempts=5, last_error="boom again", age="1 hour")
    add_job(db, kind="meeting_link", status="failed", attempts=5, last_error="zoom 500")
    add_job(db)

    listed = ok_json(db, "list", "--status", "failed", "--kind", "email")
    assert [j["id"] for j in listed] == [str(new), str(old)], "failed emails only, newest first"
    assert listed[0]["last_error"] == "boom again" and listed[0]["attempts"] == 5
    assert len(ok_json(db, "list")) == 4
    assert len(ok_json(db, "list", "--limit", "2")) == 2

    text = outbox(db, "list", "--status", "failed")
    assert text.exit_code == 0 and "3 jobs" in text.stdout


def test_show_prints_one_job(db: Database) -> None:
    job_id = add_job(db, status="failed", attempts=5, last_error="smtp 550 mailbox unavailable")
    shown = ok_json(db, "show", str(job_id))
    assert (shown["id"], shown["status"]) == (str(job_id), "failed")
    assert shown["last_error"] == "smtp 550 mailbox unavailable"
    assert shown["dedupe_key"] == f"test:{job_id}" and set(shown["payload"]) == {"request_id"}
    text = outbox(db, "show", str(job_id))
    assert text.exit_code == 0 and "last_error:" in text.stdout and "smtp 550" in text.stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["list", "--status", "stuck"], "unknown status 'stuck'"),
        (["list", "--kind", "sms"], "unknown kind 'sms'"),
        (["list", "--limit", "0"], "bad limit 0"),
        (["show", "not-a-uuid"], "not a job id: 'not-a-uuid'"),
        (["show", "00000000-0000-0000-0000-000000000000"], "no job with id 00000000-0000-0000-0000-000000000000"),
        (["retry", "42"], "not a job id: '42'"),
        (["retry", "00000000-0000-0000-0000-000000000000"], "no job with id"),
        (["retry"], "say which job to retry"),
        (["retry", "00000000-0000-0000-0000-000000000000", "--failed"], "say which job to retry"),
        (["cancel", "nope"], "not a job id: 'nope'"),
        (["cancel", "00000000-0000-0000-0000-000000000000"], "no job with id"),
        (["prune", "--older-than", "30x"], "bad duration '30x'"),
        (["prune", "--older-than", "thirty days"], "bad duration"),
        (["prune", "--older-than", "0d"], "must be positive"),
    ],
)
def test_operator_mistakes_are_one_line_and_exit_1(db: Database, args: list[str], words: str) -> None:
    add_job(db, status="succeeded")
    before = db.query("select * from private.outbox order by id")
    failed_with(outbox(db, *args), words)
    assert db.query("select * from private.outbox order by id") == before, "a refused command changes nothing"


def test_an_unreachable_database_is_one_line_too() -> None:
    result = runner.invoke(app, ["outbox", "stats", "--db-url", "postgresql://nobody@127.0.0.1:1/none"])
    failed_with(result, "database error")


# ---------------------------------------------------------------------------------------------------------
# retry, cancel, prune
# ---------------------------------------------------------------------------------------------------------

def test_retry_re_arms_a_failed_job(db: Database) -> None:
    job_id = add_job(db, status="failed", attempts=5, last_error="smtp 550", age="1 day")
    result = outbox(db, "retry", str(job_id))
    assert result.exit_code == 0, result.output
    assert f"re-armed job {job_id}" in result.stdout
    after = job(db, job_id)
    assert (after["status"], after["attempts"], after["last_error"]) == ("pending", 0, None), (
        "a retried job is pending again with its attempts reset"
    )
    assert after["run_at"] <= db.scalar("select now()"), "and due at once"


@pytest.mark.parametrize("status", ["pending", "running", "succeeded"])
def test_retry_refuses_a_job_that_did_not_fail(db: Database, status: str) -> None:
    job_id = add_job(db, status=status, attempts=1)
    before = job(db, job_id)
    failed_with(outbox(db, "retry", str(job_id)), f"is {status}: only failed or cancelled jobs can be retried")
    assert job(db, job_id) == before


def test_retry_failed_re_arms_every_failed_job_and_nothing_else(db: Database) -> None:
    failed = [add_job(db, status="failed", attempts=5, last_error="x") for _ in range(3)]
    cancelled = add_job(db, status="cancelled", last_error="operator")
    done = add_job(db, status="succeeded", attempts=1)
    result = outbox(db, "retry", "--failed")
    assert result.exit_code == 0 and "re-armed 3 failed jobs" in result.stdout, result.output
    assert {job(db, j)["status"] for j in failed} == {"pending"}
    assert (job(db, cancelled)["status"], job(db, done)["status"]) == ("cancelled", "succeeded")


def test_cancel_stops_a_pending_job_with_a_reason(db: Database) -> None:
    job_id = add_job(db)
    result = outbox(db, "cancel", str(job_id), "--reason", "duplicate send, see ticket 12")
    assert result.exit_code == 0, result.output
    after = job(db, job_id)
    assert (after["status"], after["last_error"]) == ("cancelled", "duplicate send, see ticket 12")

    again = add_job(db, status="running")
    assert outbox(db, "cancel", str(again)).exit_code == 0
    assert (job(db, again)["status"], job(db, again)["locked_by"]) == ("cancelled", None), (
        "a running job is cancelled too, its lease cleared"
    )
    assert job(db, again)["last_error"] == "cancelled by an operator", "the default reason"


def test_cancel_refuses_a_finished_job_and_a_blank_reason(db: Database) -> None:
    done = add_job(db, status="succeeded", attempts=1)
    failed_with(outbox(db, "cancel", str(done)), "is already succeeded")
    pending = add_job(db)
    failed_with(outbox(db, "cancel", str(pending), "--reason", "  "), "say why the job is cancelled")
    assert (job(db, done)["status"], job(db, pending)["status"]) == ("succeeded", "pending")


def test_prune_removes_only_finished_jobs_older_than_the_age(db: Database) -> None:
    keep = [
        add_job(db, status="succeeded", attempts=1, age="2 days"),
        add_job(db, status="pending", age="90 days"),
        add_job(db, status="running", age="90 days"),
    ]
    gone = [
        add_job(db, status="succeeded", attempts=1, age="31 days"),
        add_job(db, status="failed", attempts=5, age="40 days"),
        add_job(db, status="cancelled", age="60 days"),
    ]
    result = outbox(db, "prune", "--older-than", "30d")
    assert result.exit_code == 0 and "pruned 3 finished jobs older than 30d" in result.stdout, result.output
    remaining = {row["id"] for row in db.query("select id from private.outbox")}
    assert remaining == set(keep) and not remaining & set(gone), (
        "finished jobs past the age are gone; recent and unfinished ones stay"
    )
    assert outbox(db, "prune", "--older-than", "1d").stdout.strip() == "pruned 1 finished job older than 1d"


def test_the_outbox_group_is_listed_in_the_help() -> None:
    result = runner.invoke(app, ["outbox", "--help"])
    assert result.exit_code == 0
    for command in ("stats", "list", "show", "retry", "cancel", "prune"):
        assert command in result.stdout
