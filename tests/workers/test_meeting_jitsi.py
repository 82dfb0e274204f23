"""meeting_link jobs: the Jitsi provider and the outbox handler that writes a session's link (issue 9/11).

Sessions are scheduled through the RPCs (the trigger queues their meeting_link job), and a real worker with
the default registry drains the outbox: the link is written once, which queues the session_scheduled emails,
and the same --once run sends them.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import threading
import uuid
from collections.abc import Callable
from typing import Any

import psycopg
import pytest

from mini_mentorship.email.settings import EmailSettings
from mini_mentorship.meetings import MeetingDetails, MeetingSession
from mini_mentorship.meetings.handler import MeetingLinkHandler
from mini_mentorship.meetings.jitsi import Jitsi, JitsiSettings
from mini_mentorship.outbox.handlers import default_registry
from mini_mentorship.outbox.queue import Job
from mini_mentorship.outbox.registry import Delivered, Skip
from mini_mentorship.outbox.worker import WorkerError
from mini_mentorship.settings import WorkerSettings
from mini_mentorship.testing.api import Api
from mini_mentorship.testing.database import Database
from tests.sql.builders import Booking, Sessions, db_now, session_row
from tests.workers.outbox_support import run_once

MakeUser = Callable[..., uuid.UUID]
AsUser = Callable[[uuid.UUID], Api]
BASE = "https://jitsi.example.test/rooms"
ROOM = re.compile(r"mini-mentorship-[0-9a-f]{32}")


@pytest.fixture
def sessions(db: Database, make_user: MakeUser, as_user: AsUser) -> Sessions:
    return Sessions(db, make_user, as_user)


def jitsi_session(sessions: Sessions, platform: str = "jitsi") -> Booking:
    """A virtual session scheduled without a link: the trigger queues its meeting_link job."""
    return sessions.scheduled(meeting_link=None, meeting_platform=platform)


def drain(db: Database) -> str:
    """The default registry (console email sender + Jitsi on BASE), run once; what the sender printed."""
    printed = io.StringIO()
    registry = default_registry(WorkerSettings(), email=EmailSettings(backend="console"), email_stream=printed,
                                jitsi=JitsiSettings(base_url=BASE + "/"))
    run_once(db, registry)
    return printed.getvalue()


def link_jobs(db: Database, session_id: uuid.UUID) -> list[dict[str, Any]]:
    return db.query(
        "select * from private.outbox where kind = 'meeting_link' and payload ->> 'session_id' = %s "
        "order by (payload ->> 'sequence')::int", (str(session_id),),
    )


def session_emails(db: Database, session_id: uuid.UUID) -> list[tuple[str, int, str]]:
    """(template, sequence, status) of the session's email jobs to both (not the mentor's meeting_link_failed)."""
    rows = db.query(
        "select template, (payload ->> 'sequence')::int as sequence, status from private.outbox "
        "where kind = 'email' and payload ->> 'session_id' = %s and template like 'session\\_%%' "
        "order by template, payload ->> 'recipient_id'",
        (str(session_id),),
    )
    return [(r["template"], r["sequence"], r["status"]) for r in rows]


def test_the_worker_gives_a_jitsi_session_its_link_which_queues_and_sends_its_announcement(
    db: Database, sessions: Sessions
) -> None:
    booking = jitsi_session(sessions)
    assert session_emails(db, booking.session_id) == [], "nobody is told before the link exists"
    printed = drain(db)

    session = session_row(db, booking.session_id)
    room = session["meeting_id"]
    assert ROOM.fullmatch(room), f"an unguessable room name from secrets, got {room!r}"
    assert session["meeting_link"] == f"{BASE}/{room}", "the link is on the configured Jitsi server"
    assert session["meeting_passcode"] is None, "Jitsi rooms have no passcode"
    [job] = link_jobs(db, booking.session_id)
    assert (job["status"], job["provider_message_id"]) == ("succeeded", f"jitsi:{room}")
    assert session_emails(db, booking.session_id) == [("session_scheduled", 0, "succeeded")] * 2, (
        "writing the link queued the announcement to both, and the same --once run sent it")
    assert printed.count("Subject: Your Mini Mentorship Session is Scheduled") == 2


def test_two_sessions_never_share_a_room() -> None:
    jitsi = Jitsi(JitsiSettings())
    session = MeetingSession(uuid.uuid4(), "t", dt.datetime.now(dt.UTC), 60, "UTC", "jitsi")
    rooms = {jitsi.create(session).meeting_id for _ in range(1000)}
    assert len(rooms) == 1000
    details = jitsi.create(session)
    assert details.link.startswith("https://meet.jit.si/mini-mentorship-"), "the public server by default"
    assert jitsi.move(session, details) == details, "a moved session keeps its Jitsi link"
    jitsi.delete(details)  # nothing to delete on the server: must simply not fail


def test_the_jitsi_server_is_configurable_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MM_JITSI_BASE_URL", "https://meet.example.org/")
    assert JitsiSettings().base_url == "https://meet.example.org"
    for bad in ("meet.example.org", "ftp://meet.example.org", "https://meet.example.org/?room=x"):
        monkeypatch.setenv("MM_JITSI_BASE_URL", bad)
        with pytest.raises(WorkerError, match=r"bad meeting setting: MM_JITSI_BASE_URL: .*must be an http"):
            default_registry(WorkerSettings())


def test_a_cancelled_or_moved_session_gets_no_link_from_a_stale_job(db: Database, sessions: Sessions) -> None:
    called_off = jitsi_session(sessions)
    called_off.as_student.rpc("cancel_mini_session", session_id=called_off.session_id, reason="Ill")
    moved = jitsi_session(sessions)
    moved.as_mentor.rpc("reschedule_mini_session", session_id=moved.session_id,
                        scheduled_at=db_now(db) + dt.timedelta(days=4), reason="Clash")
    drain(db)

    [job] = link_jobs(db, called_off.session_id)
    assert (job["status"], job["last_error"]) == ("cancelled", "the session was cancelled")
    assert session_row(db, called_off.session_id)["meeting_link"] is None, "no meeting for a cancelled session"

    old, new = link_jobs(db, moved.session_id)
    assert (old["status"], old["last_error"]) == (
        "cancelled", "the session was moved: the job of its new version makes the link")
    assert new["status"] == "succeeded", "the job of the session's current version makes the link"
    assert ROOM.fullmatch(session_row(db, moved.session_id)["meeting_id"])
    assert session_emails(db, moved.session_id) == [("session_scheduled", 1, "succeeded")] * 2, (
        "announced once, at its new version")


def test_a_zoom_job_without_zoom_settings_fails_at_once_and_asks_the_mentor_for_a_link(
    db: Database, sessions: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("ACCOUNT_ID", "CLIENT_ID", "CLIENT_SECRET"):
        monkeypatch.delenv(f"MM_ZOOM_{name}", raising=False)
    booking = jitsi_session(sessions, platform="zoom")
    drain(db)
    [job] = link_jobs(db, booking.session_id)
    reason = "Zoom is not configured: set MM_ZOOM_ACCOUNT_ID, MM_ZOOM_CLIENT_ID, MM_ZOOM_CLIENT_SECRET"
    assert (job["status"], job["attempts"], job["last_error"]) == ("failed", 1, f"NoProviderError: {reason}"), (
        "kept as failed for an operator (retry once configured), never dropped")
    assert session_row(db, booking.session_id)["meeting_link"] is None
    assert session_emails(db, booking.session_id) == [], "nobody is told of a session without its link"
    [asked] = db.query("select payload from private.outbox where template = 'meeting_link_failed'")
    assert asked["payload"] == {
        "session_id": str(booking.session_id), "sequence": 0, "reason": reason, "action": "create",
        "recipient_id": str(booking.mentor),
    }, "the mentor is asked for a link"


def test_running_a_link_job_again_never_makes_a_second_link(db: Database, sessions: Sessions) -> None:
    booking = jitsi_session(sessions)
    drain(db)
    first = session_row(db, booking.session_id)["meeting_link"]
    [job] = link_jobs(db, booking.session_id)
    # As if the worker that wrote the link died before recording it: its lease expires, the job runs again.
    db.query("update private.outbox set status = 'running', locked_by = 'ghost', provider_message_id = null, "
             "locked_until = now() - interval '1 second' where id = %s", (job["id"],))
    drain(db)
    [job] = link_jobs(db, booking.session_id)
    assert (job["status"], job["attempts"], job["last_error"]) == ("cancelled", 2, "the session already has a link")
    assert session_row(db, booking.session_id)["meeting_link"] == first
    assert session_emails(db, booking.session_id) == [("session_scheduled", 0, "succeeded")] * 2, (
        "and the session is announced once")


class Racing(Jitsi):
    """Jitsi whose create() waits until both racers have read the session (no link yet) and made a room."""

    def __init__(self) -> None:
        super().__init__(JitsiSettings(base_url=BASE))
        self.barrier = threading.Barrier(2, timeout=10)
        self.deleted: list[MeetingDetails] = []

    def create(self, session: MeetingSession) -> MeetingDetails:
        details = super().create(session)
        self.barrier.wait()
        return details

    def delete(self, details: MeetingDetails) -> None:
        self.deleted.append(details)


def test_two_handlers_racing_on_one_session_write_one_link(db: Database, sessions: Sessions) -> None:
    booking = jitsi_session(sessions)
    [row] = link_jobs(db, booking.session_id)
    job = Job.from_row(row)  # e.g. a stalled worker and the one that rescued its job after the lease expired
    provider = Racing()
    handler = MeetingLinkHandler({"jitsi": provider})
    results: list[Any] = []

    def race() -> None:
        results.append(handler(job, lambda: psycopg.connect(db.url, autocommit=True)))

    racers = [threading.Thread(target=race) for _ in range(2)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(timeout=20)
    [won] = [r for r in results if isinstance(r, Delivered)]
    [lost] = [r for r in results if isinstance(r, Skip)]
    assert lost.reason == "the session already has a link"
    session = session_row(db, booking.session_id)
    assert won.provider_message_id == f"jitsi:{session['meeting_id']}", "the winner's room is the session's"
    assert [d.meeting_id for d in provider.deleted] != [session["meeting_id"]] and len(provider.deleted) == 1, (
        "the loser deleted the meeting it made, not the winner's")
    assert len(session_emails(db, booking.session_id)) == 2, "one announcement per participant"
