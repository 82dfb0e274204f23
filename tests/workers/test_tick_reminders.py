"""The cron tick (issue 10, item 4): sweeps, then reminders once per session and start time, in the reader's zone.

Each case drives `private.tick(as_of)` (what `mini-mentorship tick --now` runs) at chosen moments around a
real session, drains the outbox with the real email handler and the file sender, and reads the .eml files
back: exactly the right reminders reach each participant, each once, with the time right in their zone.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import threading
import uuid
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import psycopg
import pytest
from typer.testing import CliRunner

from mini_mentorship.cli import app
from mini_mentorship.email import relevance
from mini_mentorship.email.backends.file import FileSender
from mini_mentorship.email.handler import EmailHandler
from mini_mentorship.email.settings import EmailSettings
from mini_mentorship.outbox.registry import Registry
from mini_mentorship.testing.api import Api
from mini_mentorship.testing.database import Database
from mini_mentorship.tick import run_tick
from tests.sql.builders import Booking, Sessions, db_now
from tests.workers.outbox_support import run_once

MakeUser = Callable[..., uuid.UUID]
AsUser = Callable[[uuid.UUID], Api]
UTC = dt.UTC
H = dt.timedelta(hours=1)


@pytest.fixture
def sessions(db: Database, make_user: MakeUser, as_user: AsUser) -> Sessions:
    return Sessions(db, make_user, as_user)


class Mail:
    """The file sink of one test: tick, drain, read back what was delivered."""

    def __init__(self, db: Database, directory: Path) -> None:
        self.db = db
        self.directory = directory
        self.handler = EmailHandler(FileSender(directory),
                                    EmailSettings(backend="file", app_base_url="https://app.example.test"))

    def tick(self, as_of: dt.datetime) -> int:
        with psycopg.connect(self.db.url, autocommit=True) as conn:
            return run_tick(conn, as_of).reminders_queued

    def drain(self) -> None:
        worker, log = run_once(self.db, Registry({"email": self.handler}))
        assert worker.tally.failed == worker.tally.retried == 0, log

    def messages(self, subject_part: str = "Reminder") -> list[EmailMessage]:
        found = []
        for path in sorted(self.directory.glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if subject_part in str(message["Subject"]):
                found.append(message)
        return found

    def reminders(self) -> list[tuple[str, str, str]]:
        """(to, subject, the When: line) of every reminder delivered, sorted."""
        rows = []
        for message in self.messages():
            plain = message.get_body(preferencelist=("plain",))
            assert plain is not None
            when = next(line for line in plain.get_content().splitlines() if line.startswith("When: "))
            rows.append((str(message["To"]), str(message["Subject"]), when))
        return sorted(rows)


@pytest.fixture
def mail(db: Database, tmp_path: Path) -> Mail:
    return Mail(db, tmp_path / "mail")


def book(sessions: Sessions, start: dt.datetime, student_zone: str, mentor_zone: str, **kwargs: Any) -> Booking:
    student = sessions.student(timezone=student_zone)
    mentor = sessions.mentor(timezone=mentor_zone)
    day = start.date()
    return sessions.scheduled(student=student, mentor=mentor, starts_at=start, duration=45,
                              date_start=day - dt.timedelta(days=1), date_end=day + dt.timedelta(days=1), **kwargs)


def address(db: Database, uid: uuid.UUID) -> str:
    return str(db.scalar("select email from private.people where id = %s", (uid,)))


TOMORROW = "Reminder: Mini Mentorship Session Tomorrow"
IN_AN_HOUR = "Reminder: Mini Mentorship Session in 1 Hour"


@pytest.mark.parametrize(("start", "zone", "local"), [
    # America/Chicago springs forward at 02:00 on Sunday 14 March 2027: the reminder a day before is sent in CST,
    # the session is at 10:00 CDT.
    (dt.datetime(2027, 3, 14, 15, 0, tzinfo=UTC), "America/Chicago", "Sunday 14 March 2027, 10:00 CDT"),
    # ... and falls back on Sunday 7 November 2027.
    (dt.datetime(2027, 11, 7, 16, 0, tzinfo=UTC), "America/Chicago", "Sunday 7 November 2027, 10:00 CST"),
    # Europe/London: BST starts Sunday 28 March 2027 and ends Sunday 31 October 2027 (01:00 UTC both).
    (dt.datetime(2027, 3, 28, 8, 30, tzinfo=UTC), "Europe/London", "Sunday 28 March 2027, 09:30 BST"),
    (dt.datetime(2027, 10, 31, 9, 30, tzinfo=UTC), "Europe/London", "Sunday 31 October 2027, 09:30 GMT"),
    # Half an hour east of a whole hour, no DST.
    (dt.datetime(2027, 1, 20, 4, 0, tzinfo=UTC), "Asia/Kolkata", "Wednesday 20 January 2027, 09:30 IST"),
    # Lord Howe Island: +11 in summer, +10:30 from Sunday 4 April 2027 02:00 (a half-hour DST change).
    (dt.datetime(2027, 4, 3, 23, 30, tzinfo=UTC), "Australia/Lord_Howe", "Sunday 4 April 2027, 10:00 +1030"),
])
def test_each_participant_gets_the_24h_and_the_1h_reminder_once_in_their_own_zone(
    db: Database, sessions: Sessions, mail: Mail, start: dt.datetime, zone: str, local: str
) -> None:
    booking = book(sessions, start, zone, "UTC")
    assert mail.tick(start - 25 * H) == 0, "nothing is due a day and an hour before"
    assert mail.tick(start - 23 * H) == 2, "the 24 h reminder to both"
    assert mail.tick(start - 23 * H) == 0, "a second tick at the same time queues nothing"
    mail.drain()
    assert mail.tick(start - 2 * H) == 0
    assert mail.tick(start - dt.timedelta(minutes=50)) == 2, "the 1 h reminder to both"
    assert mail.tick(start - dt.timedelta(minutes=10)) == 0, "and never twice"
    mail.drain()
    student, mentor = address(db, booking.student), address(db, booking.mentor)
    utc_local = f"{start:%A} {start.day} {start:%B %Y}, {start:%H:%M} UTC (UTC)"
    assert mail.reminders() == sorted([
        (student, TOMORROW, f"When: {local} ({zone}) (45 minutes)"),
        (student, IN_AN_HOUR, f"When: {local} ({zone}) (45 minutes)"),
        (mentor, TOMORROW, f"When: {utc_local} (45 minutes)"),
        (mentor, IN_AN_HOUR, f"When: {utc_local} (45 minutes)"),
    ])
    sent = db.query("select reminder_24hr_sent_at, reminder_1hr_sent_at from public.mini_mentorship_sessions "
                    "where id = %s", (booking.session_id,))[0]
    assert sent["reminder_24hr_sent_at"] is not None and sent["reminder_1hr_sent_at"] is not None, (
        "the session records that its reminders went out")


def test_a_tick_that_was_down_sends_the_1h_reminder_and_not_a_stale_24h_one(
    db: Database, sessions: Sessions, mail: Mail
) -> None:
    start = dt.datetime(2027, 2, 10, 15, 0, tzinfo=UTC)
    book(sessions, start, "America/Chicago", "Europe/London")
    assert mail.tick(start - dt.timedelta(minutes=40)) == 2
    mail.drain()
    assert [subject for _, subject, _ in mail.reminders()] == [IN_AN_HOUR, IN_AN_HOUR]
    assert db.scalar("select count(*) from private.outbox where template = 'reminder_24h'") == 0


def test_a_session_booked_or_moved_within_a_day_of_its_start_gets_only_the_1h_reminder(
    db: Database, sessions: Sessions, mail: Mail
) -> None:
    soon = sessions.scheduled(starts_in=5 * H)
    moved = sessions.scheduled(starts_in=dt.timedelta(days=3))
    moved.as_mentor.rpc("reschedule_mini_session", session_id=moved.session_id,
                        scheduled_at=soon.session["scheduled_at"] + 2 * H, reason="Sooner")  # type: ignore[index]
    now = db_now(db)
    assert mail.tick(now) == 0, "the scheduled / rescheduled email just told them: no 'tomorrow' reminder"
    assert mail.tick(now + 4 * H + dt.timedelta(minutes=30)) == 2, "the 1 h reminder of the first session"
    assert mail.tick(now + 6 * H + dt.timedelta(minutes=30)) == 2, "and of the moved one"
    mail.drain()
    assert [subject for _, subject, _ in mail.reminders()] == [IN_AN_HOUR] * 4


def test_a_session_moved_after_its_24h_reminder_is_reminded_for_its_new_time_only(
    db: Database, sessions: Sessions, mail: Mail
) -> None:
    start = dt.datetime(2027, 2, 10, 15, 0, tzinfo=UTC)
    moved_to = start + 3 * H
    booking = book(sessions, start, "America/Chicago", "America/Chicago")
    assert mail.tick(start - 23 * H) == 2
    mail.drain()
    booking.as_mentor.rpc("reschedule_mini_session", session_id=booking.session_id, scheduled_at=moved_to,
                          reason="A clash")
    assert mail.tick(start - 23 * H) == 0, "the old time's reminder is not queued again"
    assert mail.tick(moved_to - 22 * H) == 2, "the new time is reminded a day before too"
    assert mail.tick(start - dt.timedelta(minutes=30)) == 0, "no 1 h reminder for the old time"
    assert mail.tick(moved_to - dt.timedelta(minutes=30)) == 2
    mail.drain()
    student = address(db, booking.student)
    got = [(subject, when) for to, subject, when in mail.reminders() if to == student]
    assert sorted(got) == sorted([
        (TOMORROW, "When: Wednesday 10 February 2027, 09:00 CST (America/Chicago) (45 minutes)"),
        (TOMORROW, "When: Wednesday 10 February 2027, 12:00 CST (America/Chicago) (45 minutes)"),
        (IN_AN_HOUR, "When: Wednesday 10 February 2027, 12:00 CST (America/Chicago) (45 minutes)"),
    ])
    assert len(mail.messages("Has Moved")) == 2, "both were told of the move"


def test_a_reminder_queued_before_the_session_moved_or_was_cancelled_is_never_sent(
    db: Database, sessions: Sessions, mail: Mail
) -> None:
    start = dt.datetime(2027, 2, 10, 15, 0, tzinfo=UTC)
    cancelled, moved = (book(sessions, start, "UTC", "UTC") for _ in range(2))
    assert mail.tick(start - 23 * H) == 4
    cancelled.as_mentor.rpc("cancel_mini_session", session_id=cancelled.session_id, reason="Ill")
    moved.as_mentor.rpc("reschedule_mini_session", session_id=moved.session_id, scheduled_at=start + 2 * H,
                        reason="A clash")
    mail.drain()
    assert mail.reminders() == [], "no reminder for a cancelled or moved session"
    reasons = db.query("select payload ->> 'session_id' as session, status, last_error from private.outbox "
                       "where template = 'reminder_24h' order by 1")
    by_session = {r["session"]: (r["status"], r["last_error"]) for r in reasons}
    assert by_session[str(cancelled.session_id)] == ("cancelled", relevance.SESSION_CANCELLED)
    assert by_session[str(moved.session_id)] == ("cancelled", relevance.SESSION_MOVED)
    assert len(mail.messages("Cancelled")) == 2 and len(mail.messages("Has Moved")) == 2


def test_two_ticks_at_once_queue_each_reminder_once(db: Database, sessions: Sessions) -> None:
    start = dt.datetime(2027, 2, 10, 15, 0, tzinfo=UTC)
    for _ in range(3):
        book(sessions, start, "UTC", "UTC")
    counts: list[int] = []

    def tick() -> None:
        with psycopg.connect(db.url, autocommit=True) as conn:
            counts.append(run_tick(conn, start - 23 * H).reminders_queued)

    threads = [threading.Thread(target=tick) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(counts) == [0, 0, 0, 6], "one tick queued the six reminders, the others found nothing to do"
    assert db.scalar("select count(*) from private.outbox where template = 'reminder_24h'") == 6


def test_the_tick_runs_the_request_sweeps_as_of_its_time(db: Database, sessions: Sessions) -> None:
    claimed = sessions.claimed()
    open_request = sessions.claimed()
    open_request.as_mentor.rpc("release_mini_request", request_id=open_request.request_id, reason="Busy")
    expires = db.scalar("select expires_at from public.mini_mentorship_requests where id = %s",
                        (open_request.request_id,))
    with psycopg.connect(db.url, autocommit=True) as conn:
        result = run_tick(conn, expires + dt.timedelta(seconds=1))
    assert (result.expired, result.released_stale) == (1, 1)
    assert db.scalar("select status from public.mini_mentorship_requests where id = %s",
                     (open_request.request_id,)) == "expired"
    assert db.scalar("select status from public.mini_mentorship_requests where id = %s",
                     (claimed.request_id,)) == "open", "a claim older than 72 hours as of the tick is released"


def test_the_tick_command_runs_as_of_a_time_and_drains(
    db: Database, sessions: Sessions, tmp_path: Path
) -> None:
    start = dt.datetime(2027, 2, 10, 15, 0, tzinfo=UTC)
    book(sessions, start, "Asia/Kolkata", "UTC")
    env = {"MM_EMAIL_BACKEND": "file", "MM_EMAIL_FILE_DIR": str(tmp_path / "cli-mail"),
           "MM_WORKER_POOL_MODE": "direct", "MM_WORKER_LISTEN": "false"}
    result = CliRunner().invoke(app, ["tick", "--db-url", db.url, "--now", "2027-02-09T16:00:00Z", "--drain"],
                                env=env)
    assert result.exit_code == 0, result.output
    assert "tick as of 2027-02-09T16:00:00+00:00: " in result.output and "2 reminders queued" in result.output
    names = [p.name for p in (tmp_path / "cli-mail").glob("*.eml")]
    assert len(names) == 6, "created, claimed, scheduled x2 and the two 24 h reminders were delivered"
    assert sum("reminder-mini-mentorship-session-tomorro" in n for n in names) == 2
    bad = CliRunner().invoke(app, ["tick", "--db-url", db.url, "--now", "2027-02-09 16:00"], env=env)
    assert bad.exit_code == 1 and "needs a UTC offset" in bad.output
