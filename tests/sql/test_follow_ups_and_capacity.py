"""Issue 12 parts 5 and 6: a mentor's claim capacity, and follow-up requests addressed to the same mentor."""

from __future__ import annotations

import functools
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from tests.conftest import Database
from tests.postgrest import Api, ApiError
from tests.sql.builders import refused_unchanged
from tests.sql.requests_support import Lifecycle, db_create_request, request_row

MakeUser = Callable[..., uuid.UUID]
AsUser = Callable[[uuid.UUID], Api]

MADE_UP = uuid.UUID("00000000-0000-4000-8000-00000000dead")


@pytest.fixture
def lc(db: Database, make_user: MakeUser) -> Lifecycle:
    return Lifecycle(db, make_user)


def open_requests(db: Database, lc: Lifecycle, count: int) -> list[uuid.UUID]:
    student = lc.student()
    return [db_create_request(db, student, title=f"Request {n}")["id"] for n in range(count)]


def set_limit(db: Database, limit: int) -> None:
    db.query("update private.settings set max_claims_per_mentor = %s", (limit,))


# ---------------------------------------------------------------------------------------------------------
# Part 6: mentor capacity
# ---------------------------------------------------------------------------------------------------------


def test_the_default_limit_is_three_claimed_unscheduled_requests(
    db: Database, lc: Lifecycle, as_user: AsUser
) -> None:
    assert db.scalar("select (private.settings()).max_claims_per_mentor") == 3
    mentor = lc.mentor()
    api = as_user(mentor)
    first, second, third, fourth = open_requests(db, lc, 4)
    for rid in (first, second, third):
        assert api.rpc("claim_mini_request", request_id=rid)["claimed_by_mentor_id"] == mentor

    err = refused_unchanged(
        db, lambda: api.rpc("claim_mini_request", request_id=fourth), code="PT409", hint="claim_limit",
        who="a mentor holding 3 claims", what="claiming a fourth request", status=409,
    )
    assert "3 claimed requests" in err.message and "Schedule a session" in err.message, (
        f"the message must say how many claims the mentor holds and what to do about it: {err.message!r}"
    )
    assert err.detail == "At most 3 claimed, unscheduled requests per mentor.", err.detail
    assert request_row(db, fourth)["status"] == "open", "the refused claim must leave the request open"

    # Another mentor is not affected by this mentor's claims.
    other = as_user(lc.mentor())
    assert other.rpc("claim_mini_request", request_id=fourth)["status"] == "claimed"


def test_the_limit_is_checked_before_the_id_as_the_existence_rule_says(
    db: Database, lc: Lifecycle, as_user: AsUser
) -> None:
    free = as_user(lc.mentor())
    with pytest.raises(ApiError) as before:
        free.rpc("claim_mini_request", request_id=MADE_UP)
    assert (before.value.code, before.value.hint) == ("PT404", "request_not_found"), (
        "below the limit a made-up id answers exactly as before: PT404 request_not_found"
    )

    full_mentor = lc.mentor()
    full = as_user(full_mentor)
    for rid in open_requests(db, lc, 3):
        full.rpc("claim_mini_request", request_id=rid)
    real = open_requests(db, lc, 1)[0]
    answers = []
    for rid in (MADE_UP, real):
        with pytest.raises(ApiError) as info:
            full.rpc("claim_mini_request", request_id=rid)
        err = info.value
        answers.append((err.code, err.message, err.detail, err.hint))
    assert answers[0] == answers[1], (
        "at the limit a made-up id and a real open request must get the same answer (the limit needs no row)"
    )
    assert answers[0][3] == "claim_limit"

    # Checks that come earlier still win: outside the pool, not_pool_mentor.
    db.query("update public.mentorship_profiles set in_matching_pool = false where user_id = %s", (full_mentor,))
    with pytest.raises(ApiError) as info:
        full.rpc("claim_mini_request", request_id=real)
    assert info.value.hint == "not_pool_mentor", info.value


def test_scheduling_releasing_or_a_cancellation_frees_a_slot(
    db: Database, lc: Lifecycle, as_user: AsUser
) -> None:
    mentor = lc.mentor()
    api = as_user(mentor)
    held = open_requests(db, lc, 3)
    waiting = open_requests(db, lc, 3)
    for rid in held:
        api.rpc("claim_mini_request", request_id=rid)

    def must_be_full(what: str) -> None:
        refused(api, waiting[-1], what)

    def refused(api: Api, rid: uuid.UUID, what: str) -> None:
        with pytest.raises(ApiError) as info:
            api.rpc("claim_mini_request", request_id=rid)
        assert info.value.hint == "claim_limit", f"{what}: expected claim_limit, got {info.value}"

    must_be_full("holding 3")
    # Scheduling a session moves the request out of 'claimed'.
    lc.session_for(held[0])
    db.query("update public.mini_mentorship_requests set status = 'scheduled' where id = %s", (held[0],))
    assert api.rpc("claim_mini_request", request_id=waiting[0])["status"] == "claimed"
    must_be_full("after scheduling one and claiming again")

    # Releasing one.
    api.rpc("release_mini_request", request_id=held[1], reason="I cannot make the dates work.")
    assert api.rpc("claim_mini_request", request_id=waiting[1])["status"] == "claimed"
    must_be_full("after releasing one and claiming again")

    # The student cancels one the mentor holds.
    student = request_row(db, held[2])["student_id"]
    as_user(student).rpc("cancel_mini_request", request_id=held[2], reason="Found help elsewhere.")
    assert api.rpc("claim_mini_request", request_id=waiting[2])["status"] == "claimed"


def test_the_operator_changes_the_limit(db: Database, lc: Lifecycle, as_user: AsUser) -> None:
    api = as_user(lc.mentor())
    first, second, third = open_requests(db, lc, 3)
    set_limit(db, 1)
    api.rpc("claim_mini_request", request_id=first)
    with pytest.raises(ApiError) as info:
        api.rpc("claim_mini_request", request_id=second)
    assert (info.value.hint, info.value.detail) == (
        "claim_limit", "At most 1 claimed, unscheduled requests per mentor."
    )
    set_limit(db, 5)
    api.rpc("claim_mini_request", request_id=second)
    api.rpc("claim_mini_request", request_id=third)

    # Lowering the limit below what a mentor holds keeps their claims; they just cannot claim more.
    set_limit(db, 2)
    assert db.scalar(
        "select count(*) from public.mini_mentorship_requests where status = 'claimed'"
    ) == 3
    for bad in (0, 101, None):
        with pytest.raises(psycopg.errors.Error):
            set_limit(db, bad)  # type: ignore[arg-type]
    assert db.scalar("select max_claims_per_mentor from private.settings") == 2


PARALLEL_ROUNDS = 15


def test_two_parallel_claims_at_limit_minus_one_cannot_both_win(
    db: Database, lc: Lifecycle, as_user: AsUser
) -> None:
    mentor = lc.mentor()
    holder = as_user(mentor)
    for rid in open_requests(db, lc, 2):
        holder.rpc("claim_mini_request", request_id=rid)
    apis = [as_user(mentor), as_user(mentor)]  # the same mentor, two connections (two browser tabs)
    for api in apis:
        api.query("select 1")

    def claim(pair: tuple[Api, uuid.UUID], barrier: threading.Barrier) -> tuple[str, object]:
        api, rid = pair
        barrier.wait(timeout=30)
        try:
            return "won", api.rpc("claim_mini_request", request_id=rid)["id"]
        except ApiError as err:
            return "refused", (err.code, err.hint)

    with ThreadPoolExecutor(max_workers=2) as pool:
        for round_no in range(PARALLEL_ROUNDS):
            targets = open_requests(db, lc, 2)
            barrier = threading.Barrier(2)
            outcomes = list(pool.map(functools.partial(claim, barrier=barrier), zip(apis, targets, strict=True)))
            winners = [what for kind, what in outcomes if kind == "won"]
            refusals = [what for kind, what in outcomes if kind == "refused"]
            assert len(winners) == 1 and refusals == [("PT409", "claim_limit")], (
                f"round {round_no}: at 2 of 3 claims, two parallel claims must give one win and one "
                f"claim_limit, got {outcomes}"
            )
            held = db.scalar(
                "select count(*) from public.mini_mentorship_requests "
                "where claimed_by_mentor_id = %s and status = 'claimed'",
                (mentor,),
            )
            assert held == 3, f"round {round_no}: the mentor must hold exactly 3 claims, holds {held}"
            # Free the slot again for the next round (the student cancels the won request).
            db.query(
                "update public.mini_mentorship_requests set status = 'cancelled', "
                "cancellation_reason = 'next round' where id = %s",
                (winners[0],),
            )
