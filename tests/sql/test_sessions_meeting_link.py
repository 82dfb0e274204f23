"""request_mini_meeting_link and the outbox it writes to."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

import pytest

from mini_mentorship.testing.api import Api, ApiError
from mini_mentorship.testing.database import Database
from tests.sql.builders import Sessions, db_now, outbox_rows, refused_unchanged, session_row

MakeUser = Callable[..., uuid.UUID]
AsUser = Callable[[uuid.UUID], Api]


@pytest.fixture
def sessions(db: Database, make_user: MakeUser, as_user: AsUser) -> Sessions:
    return Sessions(db, make_user, as_user)


def test_repeated_requests_queue_one_job_per_session_and_sequence(db: Database, sessions: Sessions) -> None:
    booking = sessions.scheduled(meeting_link="https://meet.jit.si/given")  # a link given: nothing queued yet
    assert outbox_rows(db, "meeting_link") == []

    first = booking.as_mentor.rpc("request_mini_meeting_link", session_id=booking.session_id)
    again = booking.as_student.rpc("request_mini_meeting_link", session_id=booking.session_id)

    jobs = outbox_rows(db, "meeting_link")
    assert len(jobs) == 1, "two requests for the same session version queue one job"
    assert first["job_id"] == again["job_id"] == jobs[0]["id"], "both calls answer with the same job"
    assert (first["status"], first["sequence"], first["session_id"]) == ("pending", 0, booking.session_id)
    assert first["queued_at"] == jobs[0]["created_at"], "the answer says when the job was queued"
    assert first["meeting_link"] == "https://meet.jit.si/given", "the answer shows the current link"
    assert jobs[0]["payload"] == {"session_id": str(booking.session_id), "sequence": 0}, "the payload is ids only"
    assert jobs[0]["dedupe_key"] == f"meeting_link:{booking.session_id}:0"

    booking.as_mentor.rpc("reschedule_mini_session", session_id=booking.session_id,
                          scheduled_at=db_now(db) + dt.timedelta(days=5), reason="moved")
    moved = booking.as_mentor.rpc("request_mini_meeting_link", session_id=booking.session_id)
    assert moved["sequence"] == 1 and moved["job_id"] != first["job_id"], (
        "after a reschedule the session version changed, so a new job is queued"
    )
    assert len(outbox_rows(db, "meeting_link")) == 2


def test_the_answer_is_one_typed_row_not_json(db: Database, sessions: Sessions) -> None:
    """Supabase's type generator gives the client named, typed fields for a composite result (issue 14)."""
    booking = sessions.scheduled(meeting_link=None)
    answer = booking.as_mentor.rpc("request_mini_meeting_link", session_id=booking.session_id)
    assert list(answer) == ["job_id", "status", "session_id", "sequence", "queued_at", "meeting_link"], (
        "the answer keeps the fields (and order) of the former json object"
    )
    assert isinstance(answer["job_id"], uuid.UUID) and isinstance(answer["queued_at"], dt.datetime)
    [result_type] = db.query(
        "select p.prorettype = 'public.mini_mentorship_meeting_link_job'::regtype as composite,"
        " p.proretset as setof from pg_catalog.pg_proc as p"
        " where p.oid = 'public.request_mini_meeting_link(uuid)'::regprocedure"
    )
    assert result_type == {"composite": True, "setof": False}, "PostgREST answers one object of the composite type"


def test_a_request_for_a_session_queued_at_scheduling_reuses_that_job(db: Database, sessions: Sessions) -> None:
    booking = sessions.scheduled(meeting_link=None)
    queued = outbox_rows(db, "meeting_link")
    answer = booking.as_student.rpc("request_mini_meeting_link", session_id=booking.session_id)
    assert [j["id"] for j in queued] == [answer["job_id"]], "scheduling already queued the job"
    assert answer["meeting_link"] is None, "no link yet: the worker has not run"


def test_a_failed_job_is_re_armed_by_the_next_request(db: Database, sessions: Sessions) -> None:
    booking = sessions.scheduled(meeting_link=None)
    db.query("update private.outbox set status = 'failed', attempts = max_attempts, last_error = 'zoom 500'")
    answer = booking.as_mentor.rpc("request_mini_meeting_link", session_id=booking.session_id)
    job = outbox_rows(db, "meeting_link")[0]
    assert (answer["status"], job["status"], job["attempts"]) == ("pending", "pending", 0), (
        "asking again after a final failure retries the job"
    )
    assert job["last_error"] == "zoom 500", "the last error stays for operators"


def test_a_running_or_finished_job_is_left_alone(db: Database, sessions: Sessions) -> None:
    booking = sessions.scheduled(meeting_link=None)
    db.query("update private.outbox set status = 'succeeded', attempts = 1")
    answer = booking.as_mentor.rpc("request_mini_meeting_link", session_id=booking.session_id)
    assert answer["status"] == "succeeded" and len(outbox_rows(db, "meeting_link")) == 1


def test_who_may_request_a_link(
    db: Database, sessions: Sessions, as_user: AsUser, as_admin: Api, as_anon: Api
) -> None:
    booking = sessions.scheduled()
    sid = booking.session_id
    refused_unchanged(db, lambda: as_anon.rpc("request_mini_meeting_link", session_id=sid), code="42501", hint=None,
                      status=401, who="anon", what="asking for a meeting link")
    refused_unchanged(db, lambda: as_admin.rpc("request_mini_meeting_link", session_id=sid), code="42501",
                      hint="not_session_participant", status=403, who="an admin", what="asking for a meeting link")
    refused_unchanged(db, lambda: as_user(sessions.mentor()).rpc("request_mini_meeting_link", session_id=sid),
                      code="PT404", hint="session_not_found", status=404, who="another mentor",
                      what="asking for someone else's link")
    refused_unchanged(db, lambda: booking.as_mentor.rpc("request_mini_meeting_link", session_id=None),
                      code="22023", hint="session_id", status=400, who="the mentor", what="asking without a session")


@pytest.mark.parametrize(("meeting_type", "platform", "link", "location"), [
    ("phone", "phone", None, None),
    ("in-person", "other", None, "Cafe"),
    ("virtual", "other", "https://meet.example.test/x", None),
])
def test_no_link_is_generated_where_no_provider_exists(
    db: Database, sessions: Sessions, meeting_type: str, platform: str, link: str | None, location: str | None
) -> None:
    booking = sessions.scheduled(meeting_type=meeting_type, meeting_platform=platform, meeting_link=link,
                                 location=location)
    refused_unchanged(db, lambda: booking.as_mentor.rpc("request_mini_meeting_link", session_id=booking.session_id),
                      code="PT409", hint="no_link_provider", status=409, who="the mentor",
                      what=f"asking a link for a {meeting_type} {platform} session")


def test_an_ended_session_needs_no_link(db: Database, sessions: Sessions) -> None:
    booking = sessions.scheduled()
    booking.as_student.rpc("cancel_mini_session", session_id=booking.session_id, reason=None)
    refused_unchanged(db, lambda: booking.as_mentor.rpc("request_mini_meeting_link", session_id=booking.session_id),
                      code="PT409", hint="session_not_active", status=409, who="the mentor",
                      what="asking a link for a cancelled session")


def test_the_outbox_is_invisible_to_every_api_role(
    db: Database, sessions: Sessions, as_anon: Api, as_service_role: Api
) -> None:
    booking = sessions.scheduled(meeting_link=None)
    for api, who in [(booking.as_mentor, "a signed-in user"), (as_anon, "anon"), (as_service_role, "service_role")]:
        with pytest.raises(ApiError) as info:
            api.query("select * from private.outbox")
        assert info.value.code == "42501", f"{who} must not read private.outbox"
        with pytest.raises(ApiError) as info:
            api.query("insert into private.outbox (kind, dedupe_key) values ('meeting_link', 'x')")
        assert info.value.code == "42501", f"{who} must not write private.outbox"
        with pytest.raises(ApiError) as info:
            api.query("select private.enqueue('meeting_link', null, '{}', 'y')")
        assert info.value.code in ("42501", "42883"), f"{who} must not call private.enqueue"
    assert len(outbox_rows(db, "meeting_link")) == 1


def test_the_outbox_rejects_malformed_jobs(db: Database) -> None:
    for values, why in [
        ("('email', null, '{}', 'k1')", "an email without a template"),
        ("('meeting_link', 'x', '{}', 'k2')", "a meeting-link job with a template"),
        ("('sms', null, '{}', 'k3')", "an unknown kind"),
        ("('meeting_link', null, '[]', 'k4')", "a payload that is not an object"),
        ("('meeting_link', null, '{}', '  ')", "a blank dedupe key"),
    ]:
        with pytest.raises(Exception, match="violates check constraint"):
            db.query(f"insert into private.outbox (kind, template, payload, dedupe_key) values {values}")
        assert outbox_rows(db) == [], f"the outbox must refuse {why}"
    db.query("insert into private.outbox (kind, template, payload, dedupe_key) values ('email', 'request_created', "
             "'{\"request_id\": \"x\"}', 'request_created:x')")
    job = outbox_rows(db)[0]
    assert (job["status"], job["attempts"], job["max_attempts"]) == ("pending", 0, 5), "jobs start pending"


def test_the_link_worker_can_fill_the_link(db: Database, sessions: Sessions) -> None:
    booking = sessions.scheduled(meeting_link=None)
    db.query("update public.mini_mentorship_sessions set meeting_link = 'https://meet.jit.si/made' where id = %s",
             (booking.session_id,))
    row = session_row(db, booking.session_id)
    assert (row["meeting_link"], row["sequence"]) == ("https://meet.jit.si/made", 0), (
        "filling the link is not a reschedule"
    )
