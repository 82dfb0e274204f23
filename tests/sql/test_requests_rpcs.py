"""claim_mini_request, release_mini_request, cancel_mini_request: who may call them, what they leave behind."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from mini_mentorship.testing.api import Api
from mini_mentorship.testing.database import Database
from tests.sql.requests_support import (
    Lifecycle,
    create_request,
    events,
    refused,
    request_row,
    snapshot,
)

MakeUser = Callable[..., uuid.UUID]
AsUser = Callable[[uuid.UUID], Api]


@pytest.fixture
def lc(db: Database, make_user: MakeUser) -> Lifecycle:
    return Lifecycle(db, make_user)


def refused_unchanged(db: Database, api: Api, rpc: str, *, code: str, hint: str | None, who: str,
                      status: int | None = None, **args: Any) -> None:
    """`api.rpc(rpc, **args)` must fail with code/hint (and HTTP status) and change nothing at all."""
    before = snapshot(db)
    err = refused(lambda: api.rpc(rpc, **args), code=code, hint=hint, who=who, what=f"calling {rpc}({args})")
    if status is not None:
        assert err.http_status == status, f"{who} calling {rpc}: expected HTTP {status}, got {err.http_status}"
    assert snapshot(db) == before, f"{who} calling {rpc} was refused, so nothing may have changed"


# ---------------------------------------------------------------------------------------------------------
# claim_mini_request
# ---------------------------------------------------------------------------------------------------------

def test_a_pool_mentor_claims_an_open_request(db: Database, lc: Lifecycle, as_user: AsUser) -> None:
    student, mentor = lc.student(), lc.mentor()
    req = create_request(as_user(student))
    start = db.scalar("select now()")

    claimed = as_user(mentor).rpc("claim_mini_request", request_id=req["id"])

    assert claimed["id"] == req["id"] and claimed["status"] == "claimed", "the RPC returns the claimed request"
    assert claimed["claimed_by_mentor_id"] == mentor, "the claim belongs to the calling mentor"
    assert claimed["claimed_at"] >= start, "claimed_at is the database clock"
    assert claimed["resume_url"] == "https://example.test/resume.pdf", (
        "once claimed, the mentor gets the student's links"
    )
    row = request_row(db, req["id"])
    assert (row["status"], row["claimed_by_mentor_id"]) == ("claimed", mentor), "the claim was committed"
    trail = events(db, req["id"])
    assert [(e["event"], e["from_status"], e["to_status"], e["actor_id"], e["actor_role"]) for e in trail] == [
        ("request.created", None, "open", student, "student"),
        ("request.claimed", "open", "claimed", mentor, "mentor"),
    ], "a claim appends one request.claimed event by the mentor"
    assert trail[1]["detail"] == {"mentor_id": str(mentor)}

    seen = as_user(mentor).query("select id, resume_url from public.mini_mentorship_requests")
    assert seen == [{"id": req["id"], "resume_url": "https://example.test/resume.pdf"}], (
        "the claiming mentor can now read the request through from()"
    )
    assert as_user(student).query("select status from public.mini_mentorship_requests") == [
        {"status": "claimed"}
    ], "the student sees their request as claimed"


@pytest.mark.parametrize(
    ("caller", "hint"),
    [("student", "not_pool_mentor"), ("mentor_out_of_pool", "not_pool_mentor"), ("admin", "not_pool_mentor")],
)
def test_only_pool_mentors_may_claim(
    db: Database, lc: Lifecycle, make_user: MakeUser, as_user: AsUser, caller: str, hint: str
) -> None:
    req = lc.request("open")
    uid = {
        "student": lambda: lc.student(),
        "mentor_out_of_pool": lambda: lc.mentor(in_pool=False),
        "admin": lambda: make_user("admin", admin=True),
    }[caller]()
    refused_unchanged(db, as_user(uid), "claim_mini_request", code="42501", hint=hint, status=403,
                      who=f"a {caller}", request_id=req["id"])


def test_anon_and_the_service_role_cannot_call_claim(
    db: Database, lc: Lifecycle, as_anon: Api, as_service_role: Api
) -> None:
    req = lc.request("open")
    refused_unchanged(db, as_anon, "claim_mini_request", code="42501", hint=None, status=401, who="anon",
                      request_id=req["id"])
    refused_unchanged(db, as_service_role, "claim_mini_request", code="42501", hint=None, status=403,
                      who="the service role", request_id=req["id"])


def test_a_mentor_cannot_claim_their_own_request(
    db: Database, lc: Lifecycle, as_user: AsUser
) -> None:
    mentor = lc.mentor()
    req = create_request(as_user(mentor))
    refused_unchanged(db, as_user(mentor), "claim_mini_request", code="42501", hint="own_request", status=403,
                      who="a pool mentor", request_id=req["id"])


def test_claiming_a_missing_request_is_not_found(db: Database, lc: Lifecycle, as_user: AsUser) -> None:
    refused_unchanged(db, as_user(lc.mentor()), "claim_mini_request", code="PT404", hint="request_not_found",
                      status=404, who="a pool mentor", request_id=uuid.uuid4())


def test_claim_needs_a_request_id(db: Database, lc: Lifecycle, as_user: AsUser) -> None:
    refused_unchanged(db, as_user(lc.mentor()), "claim_mini_request", code="22023", hint="request_id",
                      status=400, who="a pool mentor", request_id=None)


@pytest.mark.parametrize("state", ["claimed", "scheduled", "completed", "cancelled", "expired"])
def test_only_open_requests_can_be_claimed(
    db: Database, lc: Lifecycle, as_user: AsUser, state: str
) -> None:
    req = lc.request(state)
    refused_unchanged(db, as_user(lc.mentor()), "claim_mini_request", code="PT409", hint="request_not_open",
                      status=409, who="a pool mentor", request_id=req["id"])


def test_a_mentor_cannot_claim_the_same_request_twice(db: Database, lc: Lifecycle, as_user: AsUser) -> None:
    mentor = lc.mentor()
    req = lc.request("open")
    as_user(mentor).rpc("claim_mini_request", request_id=req["id"])
    refused_unchanged(db, as_user(mentor), "claim_mini_request", code="PT409", hint="request_not_open",
                      who="the claiming mentor (again)", request_id=req["id"])


def test_an_open_request_past_its_expiry_cannot_be_claimed_before_the_sweep(
    db: Database, lc: Lifecycle, as_user: AsUser
) -> None:
    req = lc.request("open")
    db.query("update public.mini_mentorship_requests set expires_at = now() - interval '1 second' where id = %s",
             (req["id"],))
    refused_unchanged(db, as_user(lc.mentor()), "claim_mini_request", code="PT409", hint="request_not_open",
                      who="a pool mentor", request_id=req["id"])


# ---------------------------------------------------------------------------------------------------------
# release_mini_request
# ---------------------------------------------------------------------------------------------------------

def test_the_claiming_mentor_releases_a_claim_back_to_the_pool(
    db: Database, lc: Lifecycle, as_user: AsUser
) -> None:
    mentor, other = lc.mentor(), lc.mentor()
    req = lc.request("open")
    as_user(mentor).rpc("claim_mini_request", request_id=req["id"])

    released = as_user(mentor).rpc("release_mini_request", request_id=req["id"], reason="  Travelling  ")

    assert released["status"] == "open" and released["claimed_by_mentor_id"] is None, "the request is open again"
    row = request_row(db, req["id"])
    assert (row["release_count"], row["last_released_by"], row["last_release_reason"]) == (
        1, mentor, "Travelling"
    ), "the release history names the mentor and the trimmed reason"
    assert row["last_released_at"] is not None and row["claimed_at"] is None
    last = events(db, req["id"])[-1]
    assert (last["event"], last["from_status"], last["to_status"], last["actor_id"], last["actor_role"],
            last["reason"]) == ("request.released", "claimed", "open", mentor, "mentor", "Travelling"), (
        "the release is in the event trail with its reason"
    )
    assert as_user(mentor).query("select id from public.mini_mentorship_requests") == [], (
        "after releasing, the mentor no longer reads the request through from()"
    )
    again = as_user(other).rpc("claim_mini_request", request_id=req["id"])
    assert again["claimed_by_mentor_id"] == other, "another mentor can claim a released request"


def test_who_may_release(db: Database, lc: Lifecycle, make_user: MakeUser, as_user: AsUser) -> None:
    mentor = lc.mentor()
    student = lc.student()
    req = lc.request("claimed", student=student, mentor=mentor)
    admin = make_user("admin", admin=True)
    refused_unchanged(db, as_user(student), "release_mini_request", code="42501", hint="not_claiming_mentor",
                      who="the request's student", request_id=req["id"], reason="x")
    refused_unchanged(db, as_user(admin), "release_mini_request", code="42501", hint="not_claiming_mentor",
                      who="an admin", request_id=req["id"], reason="x")
    refused_unchanged(db, as_user(lc.mentor()), "release_mini_request", code="PT404", hint="request_not_found",
                      status=404, who="another pool mentor (cannot see a claimed request)",
                      request_id=req["id"], reason="x")
    refused_unchanged(db, as_user(lc.student()), "release_mini_request", code="PT404", hint="request_not_found",
                      who="another student", request_id=req["id"], reason="x")
    open_req = lc.request("open")
    refused_unchanged(db, as_user(lc.mentor()), "release_mini_request", code="42501", hint="not_claiming_mentor",
                      who="a pool mentor who never claimed the open request", request_id=open_req["id"],
                      reason="x")


def test_release_refuses_bad_arguments(db: Database, lc: Lifecycle, as_user: AsUser, as_anon: Api) -> None:
    mentor = lc.mentor()
    req = lc.request("claimed", mentor=mentor)
    api = as_user(mentor)
    refused_unchanged(db, api, "release_mini_request", code="22023", hint="request_id", status=400,
                      who="the claiming mentor", request_id=None, reason="x")
    for reason in (None, "", "   ", "r" * 1001):
        refused_unchanged(db, api, "release_mini_request", code="22023", hint="reason", status=400,
                          who="the claiming mentor", request_id=req["id"], reason=reason)
    refused_unchanged(db, api, "release_mini_request", code="PT404", hint="request_not_found",
                      who="the claiming mentor", request_id=uuid.uuid4(), reason="x")
    refused_unchanged(db, as_anon, "release_mini_request", code="42501", hint=None, status=401,
                      who="anon", request_id=req["id"], reason="x")
    ok = api.rpc("release_mini_request", request_id=req["id"], reason="r" * 1000)
    assert ok["status"] == "open", "a 1000-character reason is accepted"


def test_a_scheduled_request_cannot_be_released(db: Database, lc: Lifecycle, as_user: AsUser) -> None:
    mentor = lc.mentor()
    req = lc.request("scheduled", mentor=mentor)
    refused_unchanged(db, as_user(mentor), "release_mini_request", code="PT409", hint="request_not_claimed",
                      status=409, who="the mentor of a scheduled request", request_id=req["id"], reason="x")


@pytest.mark.parametrize("state", ["completed", "cancelled"])
def test_a_finished_request_cannot_be_released(
    db: Database, lc: Lifecycle, as_user: AsUser, state: str
) -> None:
    mentor = lc.mentor()
    req = lc.request(state, mentor=mentor)
    if state == "cancelled":  # a claimed request the student cancelled: the mentor still sees it
        req = lc.request("claimed", mentor=mentor)
        db.query("update public.mini_mentorship_requests set status = 'cancelled', cancellation_reason = 'x' "
                 "where id = %s", (req["id"],))
    refused_unchanged(db, as_user(mentor), "release_mini_request", code="PT409", hint="request_not_claimed",
                      who=f"the mentor of a {state} request", request_id=req["id"], reason="x")


# ---------------------------------------------------------------------------------------------------------
# cancel_mini_request
# ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("state", ["open", "claimed"])
def test_the_student_cancels_their_open_or_claimed_request(
    db: Database, lc: Lifecycle, as_user: AsUser, state: str
) -> None:
    student, mentor = lc.student(), lc.mentor()
    req = lc.request(state, student=student, mentor=mentor)
    start = db.scalar("select now()")

    cancelled = as_user(student).rpc("cancel_mini_request", request_id=req["id"], reason="Found help already")

    assert cancelled["status"] == "cancelled", "the RPC returns the cancelled request"
    row = request_row(db, req["id"])
    assert (row["status"], row["cancelled_by"], row["cancellation_reason"]) == (
        "cancelled", student, "Found help already"
    ), "who cancelled and why are stored"
    assert row["cancelled_at"] >= start, "cancelled_at is the database clock"
    if state == "claimed":
        assert row["claimed_by_mentor_id"] == mentor, "the claim stays on record for the mentor's history"
    last = events(db, req["id"])[-1]
    assert (last["event"], last["from_status"], last["to_status"], last["actor_id"], last["actor_role"],
            last["reason"]) == ("request.cancelled", state, "cancelled", student, "student", "Found help already")


def test_an_admin_cancels_any_request(db: Database, lc: Lifecycle, as_admin: Api) -> None:
    req = lc.request("claimed")
    as_admin.rpc("cancel_mini_request", request_id=req["id"], reason="Duplicate request")
    row = request_row(db, req["id"])
    assert (row["status"], row["cancelled_by"]) == ("cancelled", as_admin.uid), "an admin may cancel"
    last = events(db, req["id"])[-1]
    assert (last["actor_id"], last["actor_role"]) == (as_admin.uid, "admin"), "recorded as done by an admin"


def test_who_may_not_cancel(db: Database, lc: Lifecycle, as_user: AsUser, as_anon: Api,
                            as_service_role: Api) -> None:
    mentor = lc.mentor()
    req = lc.request("claimed", mentor=mentor)
    refused_unchanged(db, as_user(mentor), "cancel_mini_request", code="42501", hint="not_request_owner",
                      status=403, who="the claiming mentor", request_id=req["id"], reason="x")
    refused_unchanged(db, as_user(lc.student()), "cancel_mini_request", code="PT404", hint="request_not_found",
                      status=404, who="another student", request_id=req["id"], reason="x")
    refused_unchanged(db, as_user(lc.mentor()), "cancel_mini_request", code="PT404", hint="request_not_found",
                      who="another pool mentor", request_id=req["id"], reason="x")
    open_req = lc.request("open")
    refused_unchanged(db, as_user(lc.mentor()), "cancel_mini_request", code="42501", hint="not_request_owner",
                      who="a pool mentor browsing an open request", request_id=open_req["id"], reason="x")
    refused_unchanged(db, as_anon, "cancel_mini_request", code="42501", hint=None, status=401, who="anon",
                      request_id=req["id"], reason="x")
    refused_unchanged(db, as_service_role, "cancel_mini_request", code="42501", hint=None,
                      who="the service role", request_id=req["id"], reason="x")


def test_cancel_refuses_bad_arguments(db: Database, lc: Lifecycle, as_user: AsUser) -> None:
    student = lc.student()
    req = lc.request("open", student=student)
    api = as_user(student)
    refused_unchanged(db, api, "cancel_mini_request", code="22023", hint="request_id", who="the student",
                      request_id=None, reason="x")
    for reason in (None, "", "  ", "c" * 1001):
        refused_unchanged(db, api, "cancel_mini_request", code="22023", hint="reason", status=400,
                          who="the student", request_id=req["id"], reason=reason)
    refused_unchanged(db, api, "cancel_mini_request", code="PT404", hint="request_not_found", who="the student",
                      request_id=uuid.uuid4(), reason="x")


@pytest.mark.parametrize("state", ["scheduled", "completed", "cancelled", "expired"])
def test_only_open_or_claimed_requests_can_be_cancelled(
    db: Database, lc: Lifecycle, as_user: AsUser, state: str
) -> None:
    student = lc.student()
    req = lc.request(state, student=student)
    before = snapshot(db)
    err = refused(lambda: as_user(student).rpc("cancel_mini_request", request_id=req["id"], reason="x"),
                  code="PT409", hint="request_not_cancellable", who="the student",
                  what=f"cancelling a {state} request")
    assert err.http_status == 409
    if state == "scheduled":
        assert "cancel the session" in err.message, "the message tells the student what to do instead"
    else:
        assert state in err.message, "the message names the request's state"
    assert snapshot(db) == before, "nothing changes on a refused cancel"


def test_a_released_request_gets_at_least_a_week_to_be_claimed_again(
    db: Database, lc: Lifecycle, as_user: AsUser
) -> None:
    req = lc.request("claimed")
    # The claim was held until one hour before the request's original expiry.
    db.query("update public.mini_mentorship_requests set expires_at = now() + interval '1 hour' where id = %s",
             (req["id"],))
    released = as_user(req["claimed_by_mentor_id"]).rpc(
        "release_mini_request", request_id=req["id"], reason="I cannot make it after all"
    )
    assert released["status"] == "open"
    assert released["expires_at"] >= released["last_released_at"] + timedelta(days=7), (
        "a request back in the pool must not expire before other mentors could claim it"
    )
    assert as_user(lc.mentor()).rpc("claim_mini_request", request_id=req["id"])["status"] == "claimed"
