"""Storage policies for request files: `<student uid>/<request id>/<file>` in the private bucket."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from mini_mentorship.testing.api import Api, ApiError
from mini_mentorship.testing.database import Database
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


def test_an_upload_must_name_one_of_the_uploaders_own_requests(
    life: Lifecycle, as_user: Callable[[uuid.UUID], Api]
) -> None:
    req = life.request("open")
    uid = req["student_id"]
    student = as_user(uid)
    someone_elses = life.request("open")
    for folder, why in [
        (uuid.uuid4(), "a made-up request id"),
        ("not-a-request", "any string"),
        (someone_elses["id"], "another student's request"),
        (str(req["id"]).upper(), "a spelling of the id other than the canonical one"),
    ]:
        with pytest.raises(ApiError) as denied:
            upload(student, f"{uid}/{folder}/resume.pdf")
        assert denied.value.code == "42501", f"uploading under {why} must violate the policy"
    upload(student, f"{uid}/{req['id']}/resume.pdf")
    assert visible(student) == [f"{uid}/{req['id']}/resume.pdf"]


BAD_NAMES = [
    "{uid}/{rid}/..",
    "{uid}/{rid}/.",
    "{uid}/../resume.pdf",
    "{uid}/./resume.pdf",
    "{uid}//resume.pdf",
    "{uid}/{rid}/",
    "{uid}/{rid}//resume.pdf",
    "/{uid}/{rid}/resume.pdf",
    "{uid}/{rid}/../resume.pdf",
    "{uid}/{rid}/resume.pdf/",
    "{uid}/{rid}/" + "a" * 1100,
]


@pytest.mark.parametrize("pattern", BAD_NAMES)
def test_dot_segments_empty_segments_and_overlong_names_are_refused_on_upload_and_rename(
    life: Lifecycle, as_user: Callable[[uuid.UUID], Api], pattern: str
) -> None:
    req = life.request("open")
    student = as_user(req["student_id"])
    bad = pattern.format(uid=req["student_id"], rid=req["id"])
    with pytest.raises(ApiError) as denied:
        upload(student, bad)
    assert denied.value.code == "42501", f"uploading {bad!r} must violate the policy"

    good = f"{req['student_id']}/{req['id']}/resume.pdf"
    upload(student, good)
    with pytest.raises(ApiError) as renamed:
        student.execute("update storage.objects set name = %s where name = %s", (bad, good))
    assert renamed.value.code == "42501", f"renaming a file to {bad!r} must violate the policy"
    assert visible(student) == [good], "nothing changed on error"


def test_renaming_into_another_own_request_is_allowed(life: Lifecycle, as_user: Callable[[uuid.UUID], Api]) -> None:
    student_id = life.student()
    first = life.request("open", student=student_id)
    second = life.request("open", student=student_id)
    student = as_user(student_id)
    upload(student, f"{student_id}/{first['id']}/resume.pdf")
    moved = f"{student_id}/{second['id']}/resume.pdf"
    assert student.execute("update storage.objects set name = %s where name = %s",
                           (moved, f"{student_id}/{first['id']}/resume.pdf")) == 1
    assert visible(student) == [moved]


def test_a_mentor_who_left_the_pool_no_longer_reads_the_files_of_a_request_they_only_claimed(
    db: Database, life: Lifecycle, as_user: Callable[[uuid.UUID], Api]
) -> None:
    student = life.student()
    mentor_id = life.mentor()
    claimed = life.request("claimed", student=student, mentor=mentor_id)
    scheduled = life.request("scheduled", student=student, mentor=mentor_id)
    for req in (claimed, scheduled):
        upload(as_user(student), f"{student}/{req['id']}/resume.pdf")
    mentor = as_user(mentor_id)
    assert visible(mentor) == sorted(f"{student}/{r['id']}/resume.pdf" for r in (claimed, scheduled))

    db.query("update public.mentorship_profiles set in_matching_pool = false where user_id = %s", (mentor_id,))

    assert visible(mentor) == [f"{student}/{scheduled['id']}/resume.pdf"], (
        "out of the pool, a mere claim no longer opens the student's files; a scheduled session still does"
    )
