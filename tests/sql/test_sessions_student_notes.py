"""update_mini_session_notes: the student writes their own notes on a session (issue 12 item 9)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from mini_mentorship.testing.api import Api, ApiError
from mini_mentorship.testing.database import Database
from tests.sql.builders import Sessions, events, outbox_rows, refused_unchanged, session_row

MakeUser = Callable[..., uuid.UUID]
AsUser = Callable[[uuid.UUID], Api]


@pytest.fixture
def sessions(db: Database, make_user: MakeUser, as_user: AsUser) -> Sessions:
    return Sessions(db, make_user, as_user)


@pytest.mark.parametrize("state", ["scheduled", "in_progress", "completed"])
def test_the_student_writes_replaces_and_clears_their_notes(db: Database, sessions: Sessions, state: str) -> None:
    booking = getattr(sessions, state)()
    before_events, before_jobs = len(events(db, booking.request_id)), len(outbox_rows(db))
    written = booking.as_student.rpc("update_mini_session_notes", session_id=booking.session_id,
                                     student_notes="  Ask about caching.  ")
    assert written["student_notes"] == "Ask about caching.", "stored trimmed, the row is returned"
    booking.as_student.rpc("update_mini_session_notes", session_id=booking.session_id, student_notes="Second try")
    assert session_row(db, booking.session_id)["student_notes"] == "Second try"
    cleared = booking.as_student.rpc("update_mini_session_notes", session_id=booking.session_id)
    assert cleared["student_notes"] is None, "leaving the notes out (or blank) clears them"
    assert cleared["status"] == session_row(db, booking.session_id)["status"], "the state does not move"
    assert len(events(db, booking.request_id)) == before_events, "notes are not a transition: no event"
    assert len(outbox_rows(db)) == before_jobs, "and no notification"


def test_the_mentor_reads_the_students_notes(db: Database, sessions: Sessions) -> None:
    booking = sessions.scheduled()
    booking.as_student.rpc("update_mini_session_notes", session_id=booking.session_id, student_notes="Questions")
    rows = booking.as_mentor.query("select student_notes from public.mini_mentorship_sessions where id = %s",
                                   (booking.session_id,))
    assert rows == [{"student_notes": "Questions"}]


def test_the_mentor_and_admins_cannot_write_them(db: Database, sessions: Sessions, as_admin: Api) -> None:
    booking = sessions.scheduled()
    for who, api in (("the mentor", booking.as_mentor), ("an admin", as_admin)):
        refused_unchanged(
            db, lambda api=api: api.rpc("update_mini_session_notes", session_id=booking.session_id,  # type: ignore[misc]
                                        student_notes="mine"),
            code="42501", hint="not_session_student", who=who, what="writing the student's notes")


def test_someone_else_gets_the_answer_of_a_made_up_id(db: Database, sessions: Sessions,
                                                       make_user: MakeUser, as_user: AsUser) -> None:
    booking = sessions.scheduled()
    stranger = as_user(make_user("student"))
    for session_id in (booking.session_id, uuid.uuid4()):
        with pytest.raises(ApiError) as refused:
            stranger.rpc("update_mini_session_notes", session_id=session_id, student_notes="x")
        assert (refused.value.code, refused.value.hint, refused.value.http_status) == (
            "PT404", "session_not_found", 404)
    assert session_row(db, booking.session_id)["student_notes"] is None


def test_notes_are_bounded(db: Database, sessions: Sessions) -> None:
    booking = sessions.scheduled()
    refused_unchanged(db, lambda: booking.as_student.rpc("update_mini_session_notes", session_id=booking.session_id,
                                                         student_notes="n" * 5001),
                      code="22023", hint="student_notes", who="the student", what="writing 5001 characters")
    assert booking.as_student.rpc("update_mini_session_notes", session_id=booking.session_id,
                                  student_notes="n" * 5000)["student_notes"] == "n" * 5000


def test_the_api_roles_still_cannot_update_sessions_directly(db: Database, sessions: Sessions) -> None:
    booking = sessions.scheduled()
    with pytest.raises(ApiError) as denied:
        booking.as_student.execute("update public.mini_mentorship_sessions set student_notes = 'x' where id = %s",
                                   (booking.session_id,))
    assert denied.value.code == "42501"
