"""update_mini_session_meeting: the mentor fixes a scheduled session's link, platform or location (issue 12, item 4).

The session keeps its time and version; the participants are told by a session_updated email (one per change)
once the session has its new details; a provider meeting the session no longer uses is deleted by the worker
(meeting_id / meeting_passcode cleared); a session left without a link on an automatic platform gets a link job.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from mini_mentorship.testing.api import Api
from mini_mentorship.testing.database import Database
from tests.sql.builders import Booking, Sessions, outbox_rows, refused_unchanged, session_row

MakeUser = Callable[..., uuid.UUID]
AsUser = Callable[[uuid.UUID], Api]
ZOOM_LINK = "https://zoom.example.test/j/111"


@pytest.fixture
def sessions(db: Database, make_user: MakeUser, as_user: AsUser) -> Sessions:
    return Sessions(db, make_user, as_user)


def emails(db: Database, template: str) -> list[dict[str, Any]]:
    return [j for j in outbox_rows(db, "email") if j["template"] == template]


def link_jobs(db: Database) -> list[dict[str, Any]]:
    return outbox_rows(db, "meeting_link")


def with_provider_meeting(db: Database, booking: Booking) -> None:
    """What the worker writes when it made a Zoom meeting (it connects as the database owner)."""
    db.query("update public.mini_mentorship_sessions set meeting_link = %s, meeting_id = '111', "
             "meeting_passcode = 'pw' where id = %s", (ZOOM_LINK, booking.session_id))


def test_the_mentor_replaces_a_link_and_both_participants_are_told_once(db: Database, sessions: Sessions) -> None:
    booking = sessions.scheduled(meeting_link="https://meet.example.test/broken", meeting_platform="other")
    before = session_row(db, booking.session_id)

    updated = booking.as_mentor.rpc("update_mini_session_meeting", session_id=booking.session_id,
                                    meeting_link="  https://meet.example.test/fixed ")

    assert updated["meeting_link"] == "https://meet.example.test/fixed", "the link is trimmed and replaced"
    after = session_row(db, booking.session_id)
    unchanged = ("status", "sequence", "scheduled_at", "meeting_type", "meeting_platform", "location")
    assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}, (
        "the session keeps its state, time, version and the details not passed")
    jobs = emails(db, "session_updated")
    assert sorted(j["payload"]["recipient_id"] for j in jobs) == sorted([str(booking.student), str(booking.mentor)])
    for job in jobs:
        assert job["payload"]["session_id"] == str(booking.session_id) and job["payload"]["sequence"] == 0
        assert isinstance(job["payload"]["event_id"], int), "the payload names the session.meeting_updated event"
    event = db.query("select event, actor_id, detail from public.mini_mentorship_events where session_id = %s "
                     "and event = 'session.meeting_updated'", (booking.session_id,))
    assert event == [{"event": "session.meeting_updated", "actor_id": booking.mentor,
                      "detail": {"meeting_type": "virtual", "meeting_platform": "other", "link_changed": True,
                                 "location_changed": False}}]

    booking.as_mentor.rpc("update_mini_session_meeting", session_id=booking.session_id,
                          meeting_link="https://meet.example.test/fixed")
    assert len(emails(db, "session_updated")) == 2, "sending the same details again changes and queues nothing"
    booking.as_mentor.rpc("update_mini_session_meeting", session_id=booking.session_id,
                          meeting_link="https://meet.example.test/again")
    assert len(emails(db, "session_updated")) == 4, "each change is told (one email per participant per change)"


def test_replacing_a_provider_meeting_clears_its_id_and_queues_its_delete(db: Database, sessions: Sessions) -> None:
    booking = sessions.scheduled(meeting_link=None, meeting_platform="zoom")
    with_provider_meeting(db, booking)
    assert len(emails(db, "session_scheduled")) == 2, "the worker's link sent the first notice"

    booking.as_mentor.rpc("update_mini_session_meeting", session_id=booking.session_id,
                          meeting_link="https://zoom.example.test/j/222")

    row = session_row(db, booking.session_id)
    assert (row["meeting_link"], row["meeting_id"], row["meeting_passcode"]) == (
        "https://zoom.example.test/j/222", None, None), "a hand-made link is not the provider's meeting"
    deletes = [j["payload"] for j in link_jobs(db) if j["payload"].get("action") == "delete"]
    assert deletes == [{"action": "delete", "session_id": str(booking.session_id), "sequence": 0,
                        "platform": "zoom", "meeting_id": "111"}], "the replaced Zoom meeting is deleted"
    assert len(emails(db, "session_updated")) == 2


def test_changing_only_the_location_keeps_the_provider_meeting(db: Database, sessions: Sessions) -> None:
    booking = sessions.scheduled(meeting_link=None, meeting_platform="zoom")
    with_provider_meeting(db, booking)
    booking.as_mentor.rpc("update_mini_session_meeting", session_id=booking.session_id, location="Room 4")
    row = session_row(db, booking.session_id)
    assert (row["meeting_link"], row["meeting_id"], row["location"]) == (ZOOM_LINK, "111", "Room 4")
    assert [j for j in link_jobs(db) if j["payload"].get("action")] == [], "nothing to delete"
    booking.as_mentor.rpc("update_mini_session_meeting", session_id=booking.session_id, location="")
    assert session_row(db, booking.session_id)["location"] is None, "location '' clears it"


def test_switching_to_an_automatic_platform_without_a_link_makes_one_and_tells_them_when_it_comes(
    db: Database, sessions: Sessions
) -> None:
    booking = sessions.scheduled(meeting_link="https://meet.example.test/x", meeting_platform="other")
    assert link_jobs(db) == [], "a session with a link needs no link job"

    booking.as_mentor.rpc("update_mini_session_meeting", session_id=booking.session_id, meeting_platform="jitsi")

    row = session_row(db, booking.session_id)
    assert (row["meeting_platform"], row["meeting_link"]) == ("jitsi", None), "the old meeting's link is dropped"
    assert [j["payload"] for j in link_jobs(db)] == [{"session_id": str(booking.session_id), "sequence": 0}]
    assert emails(db, "session_updated") == [], "nothing to tell until the link exists"

    db.query("update public.mini_mentorship_sessions set meeting_link = 'https://meet.jit.si/new' where id = %s",
             (booking.session_id,))
    assert len(emails(db, "session_updated")) == 2, "the worker's link is told as an update"
    assert len(emails(db, "session_scheduled")) == 2, "and not as a second first notice"


def test_a_link_job_that_already_ran_is_re_armed(db: Database, sessions: Sessions) -> None:
    booking = sessions.scheduled(meeting_link=None, meeting_platform="jitsi")
    db.query("update private.outbox set status = 'succeeded' where kind = 'meeting_link'")
    db.query("update public.mini_mentorship_sessions set meeting_link = 'https://meet.jit.si/a' where id = %s",
             (booking.session_id,))
    booking.as_mentor.rpc("update_mini_session_meeting", session_id=booking.session_id,
                          meeting_link="https://meet.example.test/mine", meeting_platform="other")
    booking.as_mentor.rpc("update_mini_session_meeting", session_id=booking.session_id, meeting_platform="jitsi")
    [job] = link_jobs(db)
    assert (job["status"], job["attempts"]) == ("pending", 0), "the version's job runs again for the new meeting"


def test_a_session_waiting_for_its_first_link_that_gets_one_by_hand_sends_session_scheduled(
    db: Database, sessions: Sessions
) -> None:
    booking = sessions.scheduled(meeting_link=None, meeting_platform="zoom")
    assert emails(db, "session_scheduled") == []
    booking.as_mentor.rpc("update_mini_session_meeting", session_id=booking.session_id,
                          meeting_link="https://zoom.example.test/j/by-hand")
    assert len(emails(db, "session_scheduled")) == 2, "the first notice, with the link"
    assert emails(db, "session_updated") == [], "nobody was told before, so nothing was updated"


def test_switching_to_in_person_needs_a_place(db: Database, sessions: Sessions) -> None:
    booking = sessions.scheduled()
    refused_unchanged(db, lambda: booking.as_mentor.rpc(
        "update_mini_session_meeting", session_id=booking.session_id, meeting_type="in-person"),
        code="22023", hint="location", who="the mentor", what="moving a session in person without a place")
    updated = booking.as_mentor.rpc("update_mini_session_meeting", session_id=booking.session_id,
                                    meeting_type="in-person", meeting_platform="other", location="Café Nord")
    assert (updated["meeting_type"], updated["location"], updated["meeting_link"]) == ("in-person", "Café Nord", None)
    assert len(emails(db, "session_updated")) == 2


@pytest.mark.parametrize(("args", "hint"), [
    ({"session_id": None}, "session_id"),
    ({"meeting_type": "carrier-pigeon"}, "meeting_type"),
    ({"meeting_platform": "skype"}, "meeting_platform"),
    ({"meeting_link": "javascript:alert(1)"}, "meeting_link"),
    ({"meeting_link": "   "}, "meeting_link"),
    ({"meeting_link": "https://x.test/" + "a" * 2100}, "meeting_link"),
    ({"location": "x" * 501}, "location"),
    ({"meeting_platform": "other", "meeting_link": None}, "meeting_link"),
])
def test_bad_arguments_are_refused(db: Database, sessions: Sessions, args: dict[str, Any], hint: str) -> None:
    booking = sessions.scheduled(meeting_platform="jitsi")
    call = {"session_id": booking.session_id, **args}
    refused_unchanged(db, lambda: booking.as_mentor.rpc("update_mini_session_meeting", **call),
                      code="22023", hint=hint, who="the mentor", what=f"sending {args}", status=400)


def test_only_the_sessions_mentor_may_change_it(
    db: Database, sessions: Sessions, make_user: MakeUser, as_user: AsUser, as_admin: Api, as_anon: Api
) -> None:
    booking = sessions.scheduled()
    args = {"session_id": booking.session_id, "meeting_link": "https://evil.example.test"}
    refused_unchanged(db, lambda: booking.as_student.rpc("update_mini_session_meeting", **args),
                      code="42501", hint="not_session_mentor", who="the student", what="changing the link")
    refused_unchanged(db, lambda: as_admin.rpc("update_mini_session_meeting", **args),
                      code="42501", hint="not_session_mentor", who="an admin", what="changing the link")
    stranger = as_user(make_user("mentor"))
    refused_unchanged(db, lambda: stranger.rpc("update_mini_session_meeting", **args),
                      code="PT404", hint="session_not_found", who="another mentor", what="changing the link")
    refused_unchanged(db, lambda: stranger.rpc("update_mini_session_meeting", session_id=uuid.uuid4(),
                                               meeting_link="https://x.test"),
                      code="PT404", hint="session_not_found", who="another mentor", what="naming no session")
    refused_unchanged(db, lambda: as_anon.rpc("update_mini_session_meeting", **args),
                      code="42501", hint=None, who="anon", what="changing the link")


def test_only_a_scheduled_session_can_be_changed(db: Database, sessions: Sessions) -> None:
    booking = sessions.in_progress()
    refused_unchanged(db, lambda: booking.as_mentor.rpc(
        "update_mini_session_meeting", session_id=booking.session_id, meeting_link="https://x.test/late"),
        code="PT409", hint="session_not_scheduled", who="the mentor", what="changing a session in progress")
    cancelled = sessions.scheduled(starts_in=dt.timedelta(days=9))
    cancelled.as_mentor.rpc("cancel_mini_session", session_id=cancelled.session_id, reason="ill")
    refused_unchanged(db, lambda: cancelled.as_mentor.rpc(
        "update_mini_session_meeting", session_id=cancelled.session_id, location="here"),
        code="PT409", hint="session_not_scheduled", who="the mentor", what="changing a cancelled session")
