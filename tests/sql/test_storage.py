"""Storage policies for request files: `<student uid>/<request id>/<file>` in the private bucket."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from tests.conftest import Database
from tests.postgrest import Api, ApiError
from tests.sql.requests_support import Lifecycle

BUCKET = "mini-mentorship-files"


@pytest.fixture
def life(db: Database, make_user: Callable[..., uuid.UUID]) -> Lifecycle:
    return Lifecycle(db, make_user)


def upload(api: Api, name: str) -> None:
    """What the Storage API does for an upload: insert the object row as the caller (RLS decides)."""
    api.execute(
        "insert into storage.objects (bucket_id, name, owner_id, metadata) "
        "values (%s, %s, auth.uid()::text, '{\"mimetype\": \"application/pdf\"}')",
        (BUCKET, name),
    )


def visible(api: Api) -> list[str]:
    return [r["name"] for r in api.query("select name from storage.objects where bucket_id = %s order by name",
                                         (BUCKET,))]


def test_the_bucket_is_private(db: Database) -> None:
    assert db.query("select public from storage.buckets where id = %s", (BUCKET,)) == [{"public": False}]


def test_students_upload_and_read_only_under_their_own_folder(
    life: Lifecycle, as_user: Callable[[uuid.UUID], Api]
) -> None:
    req = life.request("open")
    student = as_user(req["student_id"])
    mine = f"{req['student_id']}/{req['id']}/resume.pdf"
    upload(student, mine)
    assert visible(student) == [mine]

    other = as_user(life.student())
    assert visible(other) == [], "another student must not see someone else's files"
    with pytest.raises(ApiError) as denied:
        upload(other, f"{req['student_id']}/{req['id']}/planted.pdf")
    assert denied.value.code == "42501", "writing into another student's folder violates the policy"
    with pytest.raises(ApiError):
        upload(student, "resume-at-the-root.pdf")
    with pytest.raises(ApiError):
        upload(student, f"{req['student_id']}/too/deep/file.pdf")


def test_the_claiming_mentor_reads_the_files_of_that_request_only(
    db: Database, life: Lifecycle, as_user: Callable[[uuid.UUID], Api]
) -> None:
    student = life.student()
    claimed = life.request("claimed", student=student)
    unclaimed = life.request("open", student=student)
    for req in (claimed, unclaimed):
        upload(as_user(student), f"{student}/{req['id']}/resume.pdf")

    mentor = as_user(claimed["claimed_by_mentor_id"])
    assert visible(mentor) == [f"{student}/{claimed['id']}/resume.pdf"]
    assert visible(as_user(life.mentor())) == [], "a pool mentor without the claim sees no files"

    with pytest.raises(ApiError):
        upload(mentor, f"{student}/{claimed['id']}/mentor-notes.pdf")
    assert mentor.execute("delete from storage.objects where bucket_id = %s", (BUCKET,)) == 0
    assert mentor.execute("update storage.objects set name = name || '.x' where bucket_id = %s", (BUCKET,)) == 0

    db.query("update public.mini_mentorship_requests set status = 'open', claimed_by_mentor_id = null "
             "where id = %s", (claimed["id"],))
    assert visible(mentor) == [], "releasing the claim ends the mentor's access"


def test_students_replace_and_delete_only_their_own_files(
    life: Lifecycle, as_user: Callable[[uuid.UUID], Api]
) -> None:
    req = life.request("open")
    student = as_user(req["student_id"])
    name = f"{req['student_id']}/{req['id']}/resume.pdf"
    upload(student, name)
    stranger = as_user(life.student())
    assert stranger.execute("delete from storage.objects where name = %s", (name,)) == 0
    with pytest.raises(ApiError):
        student.execute("update storage.objects set name = %s where name = %s",
                        (f"{uuid.uuid4()}/{req['id']}/moved.pdf", name))
    assert student.execute("update storage.objects set metadata = '{}' where name = %s", (name,)) == 1
    assert student.execute("delete from storage.objects where name = %s", (name,)) == 1


def test_anon_sees_and_writes_nothing(life: Lifecycle, as_user: Callable[[uuid.UUID], Api], as_anon: Api) -> None:
    req = life.request("open")
    upload(as_user(req["student_id"]), f"{req['student_id']}/{req['id']}/resume.pdf")
    assert visible(as_anon) == []
    with pytest.raises(ApiError):
        upload(as_anon, f"{req['student_id']}/{req['id']}/anon.pdf")
