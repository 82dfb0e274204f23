"""Zoom, Google Meet and Teams meetings made, moved and deleted by a real worker against local fake APIs (issue 11).

Sessions are scheduled, moved and cancelled through the RPCs; the triggers queue the meeting_link jobs
(create, then action move / delete); a real `Worker(...).run(once=True)` drains them with providers pointed at
the fake (tests/workers/meeting_fakes.py) on 127.0.0.1. The email handler here only records what each email
would show (the session's link when it runs), so the tests see that the announcement carries the link.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from mini_mentorship.meetings import MeetingProvider, MeetingSession
from mini_mentorship.meetings.google_meet import GoogleMeet, GoogleSettings
from mini_mentorship.meetings.handler import MeetingLinkHandler
from mini_mentorship.meetings.http import TokenCache
from mini_mentorship.meetings.jitsi import Jitsi, JitsiSettings
from mini_mentorship.meetings.teams import Teams, TeamsSettings
from mini_mentorship.meetings.zoom import Zoom, ZoomSettings, passcode
from mini_mentorship.outbox.queue import Job
from mini_mentorship.outbox.registry import ConnectionFactory, Delivered, Outcome, Registry
from mini_mentorship.testing.api import Api
from mini_mentorship.testing.database import Database
from tests.sql.builders import Booking, Sessions, db_now, session_row
from tests.workers.meeting_fakes import (
    GOOGLE_USER,
    TEAMS_CLIENT,
    TEAMS_SECRET,
    TEAMS_TENANT,
    FakeMeetingApis,
    fake_meeting_apis,
    zoom_env,
)
from tests.workers.outbox_support import run_once, worker_command, worker_env

MakeUser = Callable[..., uuid.UUID]
AsUser = Callable[[uuid.UUID], Api]
PLATFORMS = ("zoom", "google-meet", "teams")
SERVICE = {"zoom": "zoom", "google-meet": "google", "teams": "teams"}


@pytest.fixture
def sessions(db: Database, make_user: MakeUser, as_user: AsUser) -> Sessions:
    return Sessions(db, make_user, as_user)


@pytest.fixture
def fake() -> Iterator[FakeMeetingApis]:
    with fake_meeting_apis() as apis:
        yield apis


@pytest.fixture(scope="module")
def google_key() -> str:
    """A service account key (JSON) with a fresh RSA key; its token_uri is replaced by the fake's."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    return json.dumps({
        "type": "service_account", "project_id": "mm-test", "private_key_id": "k1", "private_key": pem,
        "client_email": "mm-worker@mm-test.iam.gserviceaccount.com", "client_id": "1",
        "token_uri": "https://oauth2.googleapis.com/token",
    })


class Clock:
    """A monotonic clock the test moves (the providers' token cache reads it)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def providers(fake: FakeMeetingApis, google_key: str, clock: Callable[[], float] = time.monotonic
              ) -> dict[str, MeetingProvider]:
    url = fake.url
    return {
        "jitsi": Jitsi(JitsiSettings(base_url="https://jitsi.example.test")),
        "zoom": Zoom(zoom_settings(url), clock=clock),
        "google-meet": GoogleMeet(GoogleSettings(
            service_account_json=google_key, delegated_user=GOOGLE_USER, calendar_id="mentoring@example.org",
            api_base_url=f"{url}/google", token_uri=f"{url}/google-token"), clock=clock),
        "teams": Teams(TeamsSettings(
            tenant_id=TEAMS_TENANT, client_id=TEAMS_CLIENT, client_secret=TEAMS_SECRET,
            organizer="organizer@example.org", graph_base_url=f"{url}/graph", login_base_url=f"{url}/ms-login"),
            clock=clock),
    }


def zoom_settings(url: str) -> ZoomSettings:
    env: dict[str, Any] = {k.removeprefix("MM_ZOOM_").lower(): v for k, v in zoom_env(url).items()}
    return ZoomSettings(**env)


class Emails:
    """The email handler of these tests: records (template, recipient role, the session's link then)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str | None, str | None]] = []

    def of(self, template: str) -> list[tuple[str, str | None, str | None]]:
        return sorted(e for e in self.sent if e[0] == template)

    def __call__(self, job: Job, connect: ConnectionFactory) -> Outcome:
        link = None
        if "session_id" in job.payload:
            with connect() as conn:
                row = conn.execute("select meeting_link from public.mini_mentorship_sessions where id = %s",
                                   (job.payload["session_id"],)).fetchone()
            link = row[0] if row else None
        self.sent.append((str(job.template), job.payload.get("recipient_role"), link))
        return Delivered(f"test-{job.id}")


def drain(db: Database, handler: MeetingLinkHandler, emails: Emails | None = None) -> str:
    """A real worker, --once, with this meeting handler; its log."""
    registry = Registry({"email": emails or Emails(), "meeting_link": handler})
    return run_once(db, registry)[1]


def schedule(sessions: Sessions, platform: str) -> Booking:
    return sessions.scheduled(meeting_link=None, meeting_platform=platform)


def link_jobs(db: Database, session_id: uuid.UUID) -> list[dict[str, Any]]:
    return db.query(
        "select * from private.outbox where kind = 'meeting_link' and payload ->> 'session_id' = %s "
        "order by created_at, dedupe_key", (str(session_id),),
    )


def email_jobs(db: Database, session_id: uuid.UUID, template: str) -> list[dict[str, Any]]:
    return db.query("select * from private.outbox where kind = 'email' and template = %s "
                    "and payload ->> 'session_id' = %s", (template, str(session_id)))


def retry_now(db: Database) -> None:
    """Make pending jobs due now (skip the queue's backoff)."""
    db.query("update private.outbox set run_at = now() where status = 'pending'")


# --- create, move, delete ----------------------------------------------------------------------------------


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_meeting_is_created_on_schedule_moved_on_reschedule_and_deleted_on_cancel(
    db: Database, sessions: Sessions, fake: FakeMeetingApis, google_key: str, platform: str
) -> None:
    service = SERVICE[platform]
    handler = MeetingLinkHandler(providers(fake, google_key))
    booking = schedule(sessions, platform)
    assert email_jobs(db, booking.session_id, "session_scheduled") == [], "nobody is told before the link exists"
    emails = Emails()
    drain(db, handler, emails)

    [meeting] = fake.meetings(service).values()
    session = session_row(db, booking.session_id)
    assert session["meeting_id"] == str(meeting["id"])
    assert session["meeting_link"] == (meeting.get("join_url") or meeting.get("hangoutLink")
                                       or meeting.get("joinWebUrl"))
    assert emails.of("session_scheduled") == [("session_scheduled", "mentor", session["meeting_link"]),
                                   ("session_scheduled", "student", session["meeting_link"])], (
        "the announcements were queued once the link existed, and carry it")
    starts = booking.session["scheduled_at"] if booking.session else None
    assert starts is not None
    marker = f"mini-mentorship:{booking.session_id}:0"
    if platform == "zoom":
        assert (meeting["type"], meeting["duration"], meeting["agenda"]) == (2, 60, marker)
        assert meeting["start_time"] == starts.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert meeting["settings"]["waiting_room"] is True
        assert session["meeting_passcode"] == meeting["password"]
    elif platform == "google-meet":
        assert meeting["id"] == f"{booking.session_id.hex}s0", "the event id is derived from session + sequence"
        assert meeting["conferenceData"]["createRequest"]["requestId"] == f"{booking.session_id}-0"
        assert session["meeting_passcode"] is None
    else:
        assert (meeting["externalId"], session["meeting_passcode"]) == (marker, "Tp4ss")

    new_start = (db_now(db) + dt.timedelta(days=5)).replace(microsecond=0)
    booking.as_mentor.rpc("reschedule_mini_session", session_id=booking.session_id, scheduled_at=new_start,
                          reason="Clash")
    move = link_jobs(db, booking.session_id)[-1]
    assert (move["payload"]["action"], move["dedupe_key"]) == ("move", f"meeting_move:{booking.session_id}:1")
    drain(db, handler, emails)
    assert link_jobs(db, booking.session_id)[-1]["status"] == "succeeded"
    [moved] = fake.meetings(service).values()
    utc = new_start.astimezone(dt.UTC)
    if platform == "zoom":
        assert moved["start_time"] == utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    elif platform == "google-meet":
        assert moved["start"]["dateTime"] == utc.isoformat().replace("+00:00", "Z")
    else:
        assert moved["startDateTime"] == utc.isoformat().replace("+00:00", "Z")
    assert session_row(db, booking.session_id)["meeting_link"] == session["meeting_link"], "the link stays"

    booking.as_student.rpc("cancel_mini_session", session_id=booking.session_id, reason="Ill")
    delete = link_jobs(db, booking.session_id)[-1]
    assert (delete["payload"]["action"], delete["payload"]["meeting_id"]) == ("delete", session["meeting_id"])
    drain(db, handler, emails)
    assert link_jobs(db, booking.session_id)[-1]["status"] == "succeeded"
    assert fake.meetings(service) == {}, "the cancelled session's meeting is deleted"
    assert fake.issued(service) == 1, "one token served every call"


def test_teams_is_scheduled_without_a_link_and_other_still_needs_one(db: Database, sessions: Sessions) -> None:
    booking = schedule(sessions, "teams")
    [job] = link_jobs(db, booking.session_id)
    assert (job["dedupe_key"], job["status"]) == (f"meeting_link:{booking.session_id}:0", "pending")
    answer = booking.as_mentor.rpc("request_mini_meeting_link", session_id=booking.session_id)
    assert answer["job_id"] == job["id"], "a Teams link can be asked for again"
    other = sessions.claimed()
    with pytest.raises(Exception, match="Give the meeting link"):
        other.as_mentor.rpc("schedule_mini_session", request_id=other.request_id,
                            scheduled_at=db_now(db) + dt.timedelta(days=2), duration_minutes=60,
                            meeting_platform="other", meeting_link=None)


def test_a_move_of_a_session_that_moved_again_or_was_cancelled_is_skipped(
    db: Database, sessions: Sessions, fake: FakeMeetingApis, google_key: str
) -> None:
    handler = MeetingLinkHandler(providers(fake, google_key))
    booking = schedule(sessions, "zoom")
    drain(db, handler)
    for days in (4, 5):
        booking.as_mentor.rpc("reschedule_mini_session", session_id=booking.session_id,
                              scheduled_at=db_now(db) + dt.timedelta(days=days), reason="Clash")
    drain(db, handler)
    jobs = {j["dedupe_key"]: j for j in link_jobs(db, booking.session_id)}
    first = jobs[f"meeting_move:{booking.session_id}:1"]
    assert (first["status"], first["last_error"]) == (
        "cancelled", "the session moved again: the job of its new version moves the meeting")
    assert jobs[f"meeting_move:{booking.session_id}:2"]["status"] == "succeeded"
    assert fake.api_calls("PATCH", r"/v2/meetings/") == 1, "moved once, to the latest time"


# --- tokens ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_token_is_fetched_again_when_it_nears_expiry_and_after_a_401(
    db: Database, sessions: Sessions, fake: FakeMeetingApis, google_key: str, platform: str
) -> None:
    service = SERVICE[platform]
    clock = Clock()
    handler = MeetingLinkHandler(providers(fake, google_key, clock))
    schedule(sessions, platform)
    drain(db, handler)
    assert fake.issued(service) == 1

    clock.now += 3600 - 30  # within the last minute of the token's life: a new one before the next call
    schedule(sessions, platform)
    drain(db, handler)
    assert (fake.issued(service), fake.state.unauthorized) == (2, 0), "refreshed before expiry, never a 401"

    fake.revoke_tokens()  # e.g. the app's secret was rotated: the cached token is refused
    schedule(sessions, platform)
    drain(db, handler)
    assert (fake.issued(service), fake.state.unauthorized) == (3, 1), "one 401, then a new token and a retry"
    assert len(fake.meetings(service)) == 3
    assert db.scalar("select count(*) from private.outbox where kind = 'meeting_link' and status <> 'succeeded'") == 0


def test_the_token_cache_keeps_a_token_until_a_minute_before_it_expires() -> None:
    clock = Clock()
    fetched: list[str] = []

    def fetch() -> tuple[str, float]:
        fetched.append(f"t{len(fetched)}")
        return fetched[-1], 3600

    cache = TokenCache(fetch, clock=clock)
    assert cache.get() == cache.get() == "t0"
    clock.now += 3600 - 61
    assert cache.get() == "t0"
    clock.now += 2
    assert cache.get() == "t1"
    cache.invalidate("t0")  # a stale 401 does not throw away the newer token
    assert cache.get() == "t1"
    cache.invalidate("t1")
    assert cache.get() == "t2"


# --- failures ----------------------------------------------------------------------------------------------


def test_transient_failures_are_retried_and_one_providers_outage_blocks_no_other_job(
    db: Database, sessions: Sessions, fake: FakeMeetingApis, google_key: str
) -> None:
    handler = MeetingLinkHandler(providers(fake, google_key))
    zoom = schedule(sessions, "zoom")
    teams = schedule(sessions, "teams")
    jitsi = schedule(sessions, "jitsi")
    fake.fail_next("POST", r"/v2/users/.*/meetings$", 500)
    drain(db, handler)
    [job] = link_jobs(db, zoom.session_id)
    assert (job["status"], job["attempts"]) == ("pending", 1), "a 5xx is retried with the queue's backoff"
    assert "HTTP 500" in job["last_error"]
    assert session_row(db, teams.session_id)["meeting_link"] and session_row(db, jitsi.session_id)["meeting_link"], (
        "Zoom's outage held up no other provider's job")

    retry_now(db)
    fake.fail_next("POST", r"/v2/users/.*/meetings$", 429, headers={"Retry-After": "7"})
    drain(db, handler)
    [job] = link_jobs(db, zoom.session_id)
    assert (job["status"], job["attempts"]) == ("pending", 2)
    assert "HTTP 429, retry after 7 s" in job["last_error"]

    retry_now(db)
    drain(db, handler)
    [job] = link_jobs(db, zoom.session_id)
    assert job["status"] == "succeeded"
    assert len(fake.meetings("zoom")) == 1, "no failed attempt left a meeting behind"
    failed = db.scalar("select count(*) from private.outbox where template = 'meeting_link_failed'")
    assert failed == 0, "a transient failure asks nobody for a link"


def test_a_timeout_is_transient(db: Database, sessions: Sessions, fake: FakeMeetingApis) -> None:
    zoom = Zoom(zoom_settings(fake.url), client=httpx.Client(timeout=0.5))
    release = fake.hold_creates()
    booking = schedule(sessions, "zoom")
    try:
        drain(db, MeetingLinkHandler({"zoom": zoom}))
    finally:
        release.set()
    [job] = link_jobs(db, booking.session_id)
    assert (job["status"], job["last_error"]) == (
        "pending", "TransientProviderError: create the Zoom meeting: the provider did not answer in time")
    fake.state.hold = None
    retry_now(db)
    drain(db, MeetingLinkHandler({"zoom": zoom}))
    assert link_jobs(db, booking.session_id)[0]["status"] == "succeeded"
    assert len(fake.meetings("zoom")) == 1, "the retry found the meeting the timed-out call made"


@pytest.mark.parametrize("case", ["refused", "bad credentials", "not configured"])
def test_a_permanent_failure_fails_the_job_and_asks_the_mentor_for_a_link(
    db: Database, sessions: Sessions, fake: FakeMeetingApis, google_key: str, case: str
) -> None:
    every = providers(fake, google_key)
    if case == "refused":
        fake.fail_next("POST", r"/v2/users/.*/meetings$", 400, body={"code": 300, "message": "Invalid field."})
        handler, reason = MeetingLinkHandler(every), "create the Zoom meeting: refused (HTTP 400): Invalid field."
    elif case == "bad credentials":
        wrong = zoom_settings(fake.url).model_copy(update={"client_id": "wrong"})
        handler = MeetingLinkHandler({"zoom": Zoom(wrong)})
        reason = ("get a Zoom token (check MM_ZOOM_ACCOUNT_ID/CLIENT_ID/CLIENT_SECRET): refused (HTTP 400): "
                  "Invalid client_id or client_secret")
    else:
        handler = MeetingLinkHandler({}, {"zoom": "Zoom is not configured: set MM_ZOOM_ACCOUNT_ID"})
        reason = "Zoom is not configured: set MM_ZOOM_ACCOUNT_ID"
    booking = schedule(sessions, "zoom")
    log = drain(db, handler)

    [job] = link_jobs(db, booking.session_id)
    assert (job["status"], job["attempts"]) == ("failed", 1), "failed at once, not retried"
    assert job["last_error"].endswith(reason)
    [email] = email_jobs(db, booking.session_id, "meeting_link_failed")
    assert email["payload"] == {"session_id": str(booking.session_id), "sequence": 0, "reason": reason,
                                "action": "create", "recipient_id": str(booking.mentor)}
    assert email["dedupe_key"] == f"email:meeting_link_failed:{booking.session_id}:0:{booking.mentor}"
    assert session_row(db, booking.session_id)["meeting_link"] is None
    assert fake.meetings("zoom") == {}
    assert "zoom-secret" not in log and "Bearer" not in log, "credentials are never logged"


# --- stale jobs and crashes ---------------------------------------------------------------------------------


def test_a_job_for_a_session_cancelled_before_it_ran_creates_nothing(
    db: Database, sessions: Sessions, fake: FakeMeetingApis, google_key: str
) -> None:
    booking = schedule(sessions, "zoom")
    booking.as_student.rpc("cancel_mini_session", session_id=booking.session_id, reason="Ill")
    drain(db, MeetingLinkHandler(providers(fake, google_key)))
    [job] = link_jobs(db, booking.session_id)
    assert (job["status"], job["last_error"]) == ("cancelled", "the session was cancelled")
    assert fake.api_calls("POST", "meetings") == 0 and fake.meetings("zoom") == {}


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_session_cancelled_while_its_meeting_was_made_gets_it_deleted(
    db: Database, sessions: Sessions, fake: FakeMeetingApis, google_key: str, platform: str
) -> None:
    booking = schedule(sessions, platform)
    release = fake.hold_creates()
    runner = threading.Thread(target=drain, args=(db, MeetingLinkHandler(providers(fake, google_key))))
    runner.start()
    try:
        assert fake.state.created.wait(15), "the worker asked the provider for a meeting"
        booking.as_student.rpc("cancel_mini_session", session_id=booking.session_id, reason="Ill")
    finally:
        release.set()
        runner.join(30)
    [job] = link_jobs(db, booking.session_id)
    assert (job["status"], job["last_error"]) == ("cancelled", "the session was cancelled")
    assert fake.meetings(SERVICE[platform]) == {}, "the meeting it made is deleted"
    assert len(fake.state.deleted[SERVICE[platform]]) == 1
    assert session_row(db, booking.session_id)["meeting_link"] is None


def provider_env(fake: FakeMeetingApis, google_key: str, platform: str) -> dict[str, str]:
    """The MM_* settings of a subprocess worker whose `platform` provider talks to the fake."""
    if platform == "zoom":
        return zoom_env(fake.url)
    if platform == "google-meet":
        return {"MM_GOOGLE_SERVICE_ACCOUNT_JSON": google_key, "MM_GOOGLE_DELEGATED_USER": GOOGLE_USER,
                "MM_GOOGLE_API_BASE_URL": f"{fake.url}/google", "MM_GOOGLE_TOKEN_URI": f"{fake.url}/google-token"}
    return {"MM_TEAMS_TENANT_ID": TEAMS_TENANT, "MM_TEAMS_CLIENT_ID": TEAMS_CLIENT,
            "MM_TEAMS_CLIENT_SECRET": TEAMS_SECRET, "MM_TEAMS_ORGANIZER": "organizer@example.org",
            "MM_TEAMS_GRAPH_BASE_URL": f"{fake.url}/graph", "MM_TEAMS_LOGIN_BASE_URL": f"{fake.url}/ms-login"}


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_worker_killed_between_the_providers_create_and_the_write_back_makes_no_second_meeting(
    db: Database, sessions: Sessions, fake: FakeMeetingApis, google_key: str, tmp_path: Path, platform: str
) -> None:
    service = SERVICE[platform]
    booking = schedule(sessions, platform)
    release = fake.hold_creates()
    command = worker_command("--db-url", db.url, "--once", "--lease-seconds", "30", "--job-timeout", "20")
    log = (tmp_path / "worker.log").open("wb")
    worker = subprocess.Popen(command, env=worker_env(**provider_env(fake, google_key, platform)), cwd=tmp_path,
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        assert fake.state.created.wait(30), "the worker process asked the provider for the meeting"
        worker.send_signal(signal.SIGKILL)  # dies with the provider's answer in flight: nothing written back
        worker.wait(10)
    finally:
        release.set()
        if worker.poll() is None:
            worker.kill()
        log.close()
    assert len(fake.meetings(service)) == 1
    assert session_row(db, booking.session_id)["meeting_link"] is None
    if platform != "teams":  # Teams' createOrGet is idempotent by itself (externalId)
        assert db.scalar("select count(*) from private.meeting_creations where session_id = %s",
                         (booking.session_id,)) == 1, "the create was recorded before it was sent"

    # The dead worker's lease runs out; a second worker takes the job over.
    fake.state.hold = None
    db.query("update private.outbox set locked_until = now() - interval '1 second' where status = 'running'")
    emails = Emails()
    drain(db, MeetingLinkHandler(providers(fake, google_key)), emails)

    [meeting] = fake.meetings(service).values()
    session = session_row(db, booking.session_id)
    assert session["meeting_id"] == str(meeting["id"]), "exactly one meeting, and it is the session's"
    [job] = link_jobs(db, booking.session_id)
    assert (job["status"], job["attempts"]) == ("succeeded", 2)
    assert [link for _, _, link in emails.of("session_scheduled")] == [session["meeting_link"]] * 2
    assert db.scalar("select count(*) from private.meeting_creations") == 0
    if platform == "zoom":
        assert session["meeting_passcode"] == meeting["password"]
        assert fake.api_calls("POST", r"/v2/users/.*/meetings$") == 1, "exactly one create ever reached Zoom"
        assert fake.api_calls("GET", r"/v2/users/.*/meetings$") == 1, "the second worker looked it up instead"


@pytest.mark.parametrize("platform", ["zoom", "google-meet"])
def test_an_interrupted_create_for_a_session_cancelled_since_is_cleaned_up(
    db: Database, sessions: Sessions, fake: FakeMeetingApis, google_key: str, platform: str
) -> None:
    booking = schedule(sessions, platform)
    every = providers(fake, google_key)
    session = session_row(db, booking.session_id)
    # As a killed worker leaves it: the create recorded, the meeting made, nothing written back.
    db.query("insert into private.meeting_creations (session_id, sequence, platform) values (%s, 0, %s)",
             (booking.session_id, platform))
    every[platform].create(
        MeetingSession(booking.session_id, "t", session["scheduled_at"], 60, "UTC", platform, 0))
    assert len(fake.meetings(SERVICE[platform])) == 1
    booking.as_student.rpc("cancel_mini_session", session_id=booking.session_id, reason="Ill")
    drain(db, MeetingLinkHandler(every))
    assert fake.meetings(SERVICE[platform]) == {}, "the orphaned meeting was found again and deleted"
    assert link_jobs(db, booking.session_id)[0]["status"] == "cancelled"
    assert db.scalar("select count(*) from private.meeting_creations") == 0


def test_zoom_passcodes_follow_zoom_rules() -> None:
    codes = {passcode() for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        assert re.fullmatch(r"[A-Za-z0-9]{10}", code)
        assert any(c.isdigit() for c in code) and any(c.isalpha() for c in code)


def test_a_deleted_session_gets_its_meeting_deleted(
    db: Database, sessions: Sessions, fake: FakeMeetingApis, google_key: str
) -> None:
    handler = MeetingLinkHandler(providers(fake, google_key))
    booking = schedule(sessions, "teams")
    drain(db, handler)
    meeting_id = session_row(db, booking.session_id)["meeting_id"]
    db.query("delete from public.mini_mentorship_sessions where id = %s", (booking.session_id,))
    [job] = [j for j in link_jobs(db, booking.session_id) if j["payload"].get("action") == "delete"]
    assert job["dedupe_key"] == f"meeting_delete:{booking.session_id}:{meeting_id}"
    drain(db, handler)
    assert link_jobs(db, booking.session_id)[-1]["status"] == "succeeded"
    assert fake.meetings("teams") == {} and fake.state.deleted["teams"] == [meeting_id]
