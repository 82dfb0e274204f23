"""Every email template (issue 10, item 2-3), rendered from real rows when sent and read back.

A few mentorships run through the app's own doors (RPCs as the participants, the tick, an account deletion);
the real email handler renders each queued job and an in-memory sender keeps the messages. For each template:
the recipient, the subject, a hostile request title escaped in HTML (and plain in the text), the time in the
recipient's zone with the zone named, links into the app, and the .ics parsed back with `icalendar`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import icalendar
import psycopg
import pytest

from mini_mentorship.email.handler import EmailHandler
from mini_mentorship.email.message import Message
from mini_mentorship.email.render import TEMPLATES
from mini_mentorship.email.settings import EmailSettings
from mini_mentorship.outbox.registry import Registry
from mini_mentorship.testing.api import Api
from mini_mentorship.testing.database import Database
from mini_mentorship.tick import run_tick
from tests.sql.builders import Sessions
from tests.sql.requests_support import create_request
from tests.workers.outbox_support import run_once

MakeUser = Callable[..., uuid.UUID]
AsUser = Callable[[uuid.UUID], Api]
UTC = dt.UTC
APP = "https://app.example.test"
HOSTILE = '<script>alert("pwned")</script> & <b>Career</b> chat'
ESCAPED = "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt; &amp; &lt;b&gt;Career&lt;/b&gt; chat"
START = dt.datetime(2027, 3, 14, 15, 0, tzinfo=UTC)  # the Sunday Chicago springs forward
MOVED = START + dt.timedelta(hours=2)
SUBJECTS = {
    "request_created": "Your Mini Mentorship Request Has Been Posted",
    "request_claimed": "A Mentor Claimed Your Mini Mentorship Request!",
    "request_released": "Your Mini Mentorship Request Is Open Again",
    "request_expired": "Your Mini Mentorship Request Has Expired",
    "request_cancelled": "Mini Mentorship Request Cancelled",
    "session_scheduled": "Your Mini Mentorship Session is Scheduled",
    "session_rescheduled": "Your Mini Mentorship Session Has Moved",
    "session_updated": "Your Mini Mentorship Session Has New Meeting Details",
    "session_cancelled": "Mini Mentorship Session Cancelled",
    "reminder_24h": "Reminder: Mini Mentorship Session Tomorrow",
    "reminder_1h": "Reminder: Mini Mentorship Session in 1 Hour",
    "follow_up": "How was your Mini Mentorship Session?",
    "session_no_show": "Mini Mentorship Session Marked as a No-Show",
    "meeting_link_failed": "Action Needed: Add a Meeting Link for Your Mini Mentorship Session",
}


class Memory:
    """A sender that keeps what it is given (by idempotency key = job id)."""

    name = "memory"

    def __init__(self) -> None:
        self.sent: dict[str, Message] = {}

    def send(self, message: Message, idempotency_key: str) -> str:
        self.sent[idempotency_key] = message
        return f"memory-{idempotency_key}"


class Sent:
    def __init__(self, db: Database, memory: Memory) -> None:
        self.db = db
        self.memory = memory

    def one(self, template: str, recipient: uuid.UUID, session: uuid.UUID | None = None,
            request: uuid.UUID | None = None) -> Message:
        rows = self.db.query(
            "select id, status, last_error from private.outbox where template = %(t)s "
            "and payload ->> 'recipient_id' = %(r)s and (%(s)s::text is null or payload ->> 'session_id' = %(s)s) "
            "and (%(q)s::text is null or payload ->> 'request_id' = %(q)s)",
            {"t": template, "r": str(recipient), "s": session and str(session), "q": request and str(request)})
        assert len(rows) == 1, f"one {template} job to {recipient}: {rows}"
        assert rows[0]["status"] == "succeeded", rows[0]
        return self.memory.sent[str(rows[0]["id"])]


@pytest.fixture
def sent(db: Database, make_user: MakeUser, as_user: AsUser) -> tuple[Sent, dict[str, uuid.UUID]]:
    """Runs every scenario, drains with the real handler; the messages and the people by role."""
    sessions = Sessions(db, make_user, as_user)
    memory = Memory()
    handler = EmailHandler(memory, EmailSettings(backend="console", app_base_url=APP + "/"))
    people = {
        "student": make_user("student", timezone="America/Chicago", full_name="Ada <img src=x onerror=1>"),
        "mentor": make_user("mentor", timezone="Asia/Kolkata", full_name="Linus"),
        "mentor2": make_user("mentor", timezone="Australia/Lord_Howe", full_name="Barbara"),
    }
    day = START.date()
    # 1. scheduled, rescheduled, reminded, cancelled by the mentor.
    main = sessions.scheduled(student=people["student"], mentor=people["mentor"], starts_at=START, duration=45,
                              title=HOSTILE, meeting_link="https://meet.example.test/room-1",
                              date_start=day - dt.timedelta(days=1), date_end=day + dt.timedelta(days=1))
    run_once(db, Registry({"email": handler}))
    main.as_mentor.rpc("reschedule_mini_session", session_id=main.session_id, scheduled_at=MOVED,
                       reason="A <clash>")
    with psycopg.connect(db.url, autocommit=True) as conn:
        run_tick(conn, MOVED - dt.timedelta(hours=23))
        run_tick(conn, MOVED - dt.timedelta(minutes=30))
    run_once(db, Registry({"email": handler}))
    main.as_mentor.rpc("cancel_mini_session", session_id=main.session_id, reason="Ill & <sorry>")
    # 2. a claim released; 3. a claim cancelled by the student; 4. a request expired.
    released = sessions.claimed(student=people["student"], mentor=people["mentor2"], title=HOSTILE)
    released.as_mentor.rpc("release_mini_request", request_id=released.request_id, reason="Too busy <sorry>")
    cancelled = sessions.claimed(student=people["student"], mentor=people["mentor2"], title=HOSTILE)
    cancelled.as_student.rpc("cancel_mini_request", request_id=cancelled.request_id, reason="Found help")
    expiring = create_request(as_user(people["student"]), title=HOSTILE)
    with psycopg.connect(db.url, autocommit=True) as conn:
        run_tick(conn, expiring["expires_at"] + dt.timedelta(seconds=1))
    # 5. completed (follow-up), 6. a no-show, 7. a link that could not be made.
    done = sessions.completed(student=make_user("student", timezone="Europe/London"), mentor=people["mentor"],
                              title=HOSTILE)
    absent = sessions.started(student=make_user("student"), mentor=people["mentor2"], title=HOSTILE)
    absent.as_student.rpc("join_mini_session", session_id=absent.session_id)
    absent.as_student.rpc("mark_mini_no_show", session_id=absent.session_id, absent="mentor")
    linkless = sessions.scheduled(mentor=people["mentor2"], meeting_link=None, meeting_platform="zoom",
                                  title=HOSTILE)
    db.scalar("select private.enqueue_email('meeting_link_failed', %s, %s, %s::jsonb)",
              (people["mentor2"], f"{linkless.session_id}:0",
               f'{{"session_id": "{linkless.session_id}", "sequence": 0, "request_id": "{linkless.request_id}", '
               f'"recipient_role": "mentor", "reason": "Zoom said <no>"}}'))
    # 8. a link replaced by the mentor (issue 12).
    fixed = sessions.scheduled(student=make_user("student", timezone="Europe/Berlin"), mentor=people["mentor"],
                               starts_in=dt.timedelta(days=5), title=HOSTILE,
                               meeting_link="https://meet.example.test/broken")
    fixed.as_mentor.rpc("update_mini_session_meeting", session_id=fixed.session_id,
                        meeting_link="https://meet.example.test/fixed")
    run_once(db, Registry({"email": handler}))
    people.update({"fixed_student": fixed.student, "session:fixed": fixed.session_id})
    people.update({"done_student": done.student, "absent_student": absent.student,
                   "request:expiring": expiring["id"], "request:released": released.request_id})
    sessions_by_name = {"main": main.session_id, "done": done.session_id, "absent": absent.session_id,
                        "linkless": linkless.session_id}
    people.update({f"session:{k}": v for k, v in sessions_by_name.items()})
    return Sent(db, memory), people


def address(db: Database, uid: uuid.UUID) -> str:
    return str(db.scalar("select email from private.people where id = %s", (uid,)))


def check_common(db: Database, message: Message, template: str, recipient: uuid.UUID) -> None:
    assert message.to == address(db, recipient), f"{template} goes to its recipient"
    assert message.subject == SUBJECTS[template], f"{template} has the seed's / its subject"
    assert "<script>" not in message.html and "onerror=1>" not in message.html, "nothing user-typed is live HTML"
    assert "&lt;img src=x onerror=1&gt;" in message.html or "Linus" in message.html or "Barbara" in message.html
    assert message.sender == "Mini Mentorship <mentorship@localhost>"
    assert message.text.strip() and message.html.startswith("<!doctype html>")


def test_every_template_has_a_subject_and_is_checked_here() -> None:
    assert set(TEMPLATES) == set(SUBJECTS)


def test_every_template_is_rendered_for_its_recipient_escaped_and_in_their_zone(
    db: Database, sent: tuple[Sent, dict[str, uuid.UUID]]
) -> None:
    mail, p = sent
    main = p["session:main"]
    chicago_moved = "Sunday 14 March 2027, 12:00 CDT (America/Chicago)"
    kolkata_moved = "Sunday 14 March 2027, 22:30 IST (Asia/Kolkata)"

    rows = db.query("select id from private.outbox where template = 'request_created' and status = 'succeeded'")
    assert len(rows) >= 4
    first = mail.memory.sent[str(rows[0]["id"])]
    assert first.subject == SUBJECTS["request_created"] and ESCAPED in first.html and HOSTILE in first.text
    assert f"{APP}/mentorship/requests/" in first.text, "a link to view the request"

    for template, who in (("session_scheduled", "student"), ("session_rescheduled", "student"),
                          ("reminder_24h", "student"), ("reminder_1h", "student")):
        message = mail.one(template, p[who], main)
        check_common(db, message, template, p[who])
        assert ESCAPED in message.html and HOSTILE in message.text
        assert f"When: {chicago_moved} (45 minutes)" in message.text or template == "session_scheduled"
        assert "Join: https://meet.example.test/room-1" in message.text
        assert f"{APP}/mentorship/sessions/{main}" in message.text
        if template != "reminder_1h":
            assert f"{APP}/mentorship/sessions/{main}/reschedule" in message.text
            assert f"{APP}/mentorship/sessions/{main}/cancel" in message.text
    scheduled = mail.one("session_scheduled", p["student"], main)
    assert "When: Sunday 14 March 2027, 10:00 CDT (America/Chicago) (45 minutes)" in scheduled.text, (
        "the first notice tells the first time, after the DST change")
    mentor_moved = mail.one("session_rescheduled", p["mentor"], main)
    assert f"When: {kolkata_moved} (45 minutes)" in mentor_moved.text, "the mentor reads it in Kolkata time"
    assert "Reason given: A &lt;clash&gt;" in mentor_moved.html

    # Calendar: REQUEST with the session's UID and sequence, then CANCEL with the same UID.
    invites = {}
    for template in ("session_scheduled", "session_rescheduled", "session_cancelled"):
        message = mail.one(template, p["student"], main)
        [attachment] = message.attachments
        cal = icalendar.Calendar.from_ical(attachment.data)
        [event] = cal.walk("VEVENT")
        invites[template] = (str(cal["METHOD"]), str(event["UID"]), int(str(event["SEQUENCE"])),
                             event.decoded("DTSTART"), event.decoded("DTEND"), str(event["ORGANIZER"]),
                             sorted(str(a) for a in event.get("ATTENDEE")), str(event.get("LOCATION")),
                             str(event.get("URL")))
        assert "calendar.google.com/calendar/render" in message.text or template == "session_cancelled"
    student_at, mentor_at = address(db, p["student"]), address(db, p["mentor"])
    uid = f"{main}@mini-mentorship"
    assert invites["session_scheduled"] == (
        "REQUEST", uid, 0, START, START + dt.timedelta(minutes=45), f"mailto:{mentor_at}",
        sorted([f"mailto:{student_at}", f"mailto:{mentor_at}"]), "https://meet.example.test/room-1",
        "https://meet.example.test/room-1")
    assert invites["session_rescheduled"][:5] == ("REQUEST", uid, 1, MOVED, MOVED + dt.timedelta(minutes=45))
    assert invites["session_cancelled"][:3] == ("CANCEL", uid, 2), "the same UID, a later SEQUENCE"
    google = next(line for line in mail.one("session_rescheduled", p["student"], main).text.splitlines()
                  if line.startswith("Add to Google Calendar: "))
    query = parse_qs(urlsplit(google.split(": ", 1)[1]).query)
    assert query["dates"] == ["20270314T170000Z/20270314T174500Z"] and query["text"] == [f"Mini mentorship: {HOSTILE}"]

    cancelled_msg = mail.one("session_cancelled", p["student"], main)
    check_common(db, cancelled_msg, "session_cancelled", p["student"])
    assert "was cancelled by Linus" in cancelled_msg.text and "Reason given: Ill & <sorry>" in cancelled_msg.text
    assert chicago_moved in cancelled_msg.text

    released = mail.one("request_released", p["student"], request=p["request:released"])
    check_common(db, released, "request_released", p["student"])
    assert "Barbara can no longer take" in released.text and "Too busy &lt;sorry&gt;" in released.html

    cancelled_req = mail.one("request_cancelled", p["mentor2"])
    check_common(db, cancelled_req, "request_cancelled", p["mentor2"])
    assert "cancelled by Ada <img src=x onerror=1>" in cancelled_req.text

    expired = mail.one("request_expired", p["student"], request=p["request:expiring"])
    check_common(db, expired, "request_expired", p["student"])
    assert f"{APP}/mentorship/requests/new" in expired.text

    follow = mail.one("follow_up", p["done_student"])
    check_common(db, follow, "follow_up", p["done_student"])
    assert f"{APP}/mentorship/sessions/{p['session:done']}/rate" in follow.text
    assert "(Europe/London)" in follow.text

    no_show = mail.one("session_no_show", p["absent_student"], p["session:absent"])
    check_common(db, no_show, "session_no_show", p["absent_student"])
    assert "Barbara did not join" in no_show.text
    mentor_no_show = mail.one("session_no_show", p["mentor2"], p["session:absent"])
    assert "you did not join" in mentor_no_show.text and "+1" in mentor_no_show.text and "(Australia/Lord_Howe)" in (
        mentor_no_show.text)

    link = mail.one("meeting_link_failed", p["mentor2"])
    check_common(db, link, "meeting_link_failed", p["mentor2"])
    assert "Zoom said &lt;no&gt;" in link.html and f"{APP}/mentorship/sessions/{p['session:linkless']}" in link.text

    updated = mail.one("session_updated", p["fixed_student"], p["session:fixed"])
    check_common(db, updated, "session_updated", p["fixed_student"])
    assert "Join: https://meet.example.test/fixed" in updated.text and "(Europe/Berlin)" in updated.text
    [attachment] = updated.attachments
    [event] = icalendar.Calendar.from_ical(attachment.data).walk("VEVENT")
    assert (str(event["LOCATION"]), int(str(event["SEQUENCE"]))) == ("https://meet.example.test/fixed", 0), (
        "the invitation carries the new link")
    assert "Join: https://meet.example.test/fixed" in mail.one("session_updated", p["mentor"], p["session:fixed"]).text

    claimed = mail.one("request_claimed", p["done_student"])
    check_common(db, claimed, "request_claimed", p["done_student"])
    assert "Linus claimed your request" in claimed.text


def test_meeting_link_failed_is_skipped_once_a_link_was_added(
    db: Database, make_user: MakeUser, as_user: AsUser
) -> None:
    sessions = Sessions(db, make_user, as_user)
    booking = sessions.scheduled(meeting_link=None, meeting_platform="zoom")
    db.scalar("select private.enqueue_email('meeting_link_failed', %s, 'x', %s::jsonb)",
              (booking.mentor, f'{{"session_id": "{booking.session_id}", "sequence": 0, "reason": "down"}}'))
    db.query("update public.mini_mentorship_sessions set meeting_link = 'https://zoom.example.test/j/1' "
             "where id = %s", (booking.session_id,))
    memory = Memory()
    run_once(db, Registry({"email": EmailHandler(memory, EmailSettings(backend="console"))}))
    status = db.query("select status, last_error from private.outbox where template = 'meeting_link_failed'")
    assert status == [{"status": "cancelled", "last_error": "the session has a meeting link now"}]


def test_a_meeting_that_could_not_be_moved_asks_the_mentor_to_update_the_link_it_has(
    db: Database, make_user: MakeUser, as_user: AsUser
) -> None:
    sessions = Sessions(db, make_user, as_user)
    booking = sessions.scheduled(meeting_link="https://zoom.example.test/j/1", meeting_platform="zoom")
    db.scalar("select private.enqueue_email('meeting_link_failed', %s, 'x', %s::jsonb)",
              (booking.mentor, f'{{"session_id": "{booking.session_id}", "sequence": 0, "reason": "Zoom is down", '
                               f'"action": "move"}}'))
    memory = Memory()
    run_once(db, Registry({"email": EmailHandler(memory, EmailSettings(backend="console"))}))
    # sent although the session has a link: it points at a meeting still at the old time
    sent = Sent(db, memory).one("meeting_link_failed", booking.mentor)
    assert sent.subject == "Action Needed: Update the Meeting Link for Your Mini Mentorship Session"
    assert "could not move the session's meeting to its new time (Zoom is down)" in sent.text
