"""The cron sweeps: private.expire_requests() and private.release_stale_claims(older_than)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import psycopg
import pytest

from mini_mentorship.testing.api import Api
from mini_mentorship.testing.database import Database
from tests.sql.requests_support import Lifecycle, events, refused, request_row

MakeUser = Callable[..., uuid.UUID]
AsUser = Callable[[uuid.UUID], Api]


@pytest.fixture
def lc(db: Database, make_user: MakeUser) -> Lifecycle:
    return Lifecycle(db, make_user)


def backdate(db: Database, request_id: uuid.UUID, column: str, interval: str) -> None:
    """Move a database-owned timestamp into the past (test seeding only: triggers off for this statement)."""
    with db.conn.transaction():
        db.query("set local session_replication_role = replica")
        db.query(
            f"update public.mini_mentorship_requests set {column} = now() - %s::interval where id = %s",
            (interval, request_id),
        )


def test_expire_requests_expires_only_open_requests_past_their_expiry(db: Database, lc: Lifecycle) -> None:
    due1, due2, fresh = lc.request("open"), lc.request("open"), lc.request("open")
    claimed = lc.request("claimed")
    for req in (due1, due2, claimed):
        db.query("update public.mini_mentorship_requests set expires_at = now() - interval '1 minute' "
                 "where id = %s", (req["id"],))

    assert db.scalar("select private.expire_requests()") == 2, "exactly the two overdue open requests expire"

    assert [request_row(db, r["id"])["status"] for r in (due1, due2, fresh, claimed)] == [
        "expired", "expired", "open", "claimed"
    ], "only open requests past expires_at are expired; a claim is not touched"
    row = request_row(db, due1["id"])
    assert row["expired_at"] is not None, "expired_at is stamped"
    last = events(db, due1["id"])[-1]
    assert (last["event"], last["from_status"], last["to_status"], last["actor_id"], last["actor_role"]) == (
        "request.expired", "open", "expired", None, "system"
    ), "the expiry is recorded as done by the system"
    assert db.scalar("select private.expire_requests()") == 0, "a second sweep finds nothing left to do"


def test_expire_requests_skips_a_row_another_transaction_holds(db: Database, lc: Lifecycle) -> None:
    held, free = lc.request("open"), lc.request("open")
    db.query("update public.mini_mentorship_requests set expires_at = now() - interval '1 minute' "
             "where id in (%s, %s)", (held["id"], free["id"]))
    with psycopg.connect(db.url) as other:
        other.execute("begin")
        other.execute("select 1 from public.mini_mentorship_requests where id = %s for update", (held["id"],))
        assert db.scalar("select private.expire_requests()") == 1, (
            "the sweep must not wait for a locked row; it expires the free one"
        )
        other.execute("rollback")
    assert db.scalar("select private.expire_requests()") == 1, "the next tick expires the row once released"


def test_release_stale_claims_reopens_claims_older_than_the_limit(db: Database, lc: Lifecycle) -> None:
    mentor = lc.mentor()
    stale, recent = lc.request("claimed", mentor=mentor), lc.request("claimed")
    scheduled = lc.request("scheduled")
    backdate(db, stale["id"], "claimed_at", "73 hours")
    backdate(db, scheduled["id"], "claimed_at", "100 hours")

    assert db.scalar("select private.release_stale_claims()") == 1, "only the 73-hour-old claim is stale at 72 h"

    row = request_row(db, stale["id"])
    assert (row["status"], row["claimed_by_mentor_id"], row["release_count"], row["last_released_by"]) == (
        "open", None, 1, None
    ), "a stale claim goes back to open, released by nobody in particular"
    assert "automatically" in row["last_release_reason"], "the reason says the system released it"
    assert request_row(db, recent["id"])["status"] == "claimed", "a recent claim is kept"
    assert request_row(db, scheduled["id"])["status"] == "scheduled", "a scheduled request is never released"
    last = events(db, stale["id"])[-1]
    assert (last["event"], last["actor_id"], last["actor_role"], last["detail"]["mentor_id"]) == (
        "request.released", None, "system", str(mentor)
    ), "the automatic release is in the trail with the mentor who lost the claim"


def test_release_stale_claims_takes_the_age_as_an_argument(db: Database, lc: Lifecycle) -> None:
    req = lc.request("claimed")
    assert db.scalar("select private.release_stale_claims(interval '1 hour')") == 0, "a fresh claim is kept"
    assert db.scalar("select private.release_stale_claims(interval '0 seconds')") == 1, (
        "with a zero age, every claim made before this transaction is stale"
    )
    assert request_row(db, req["id"])["status"] == "open"


@pytest.mark.parametrize("older_than", ["null", "interval '-1 hour'"])
def test_release_stale_claims_refuses_a_missing_or_negative_age(db: Database, older_than: str) -> None:
    with pytest.raises(psycopg.Error) as info:
        db.query(f"select private.release_stale_claims({older_than})")
    assert (info.value.diag.sqlstate, info.value.diag.message_hint) == ("22023", "older_than"), (
        f"release_stale_claims({older_than}) must be a 22023 older_than error"
    )


@pytest.mark.parametrize("sweep", ["private.expire_requests()", "private.release_stale_claims()"])
def test_no_api_role_can_run_a_sweep(
    db: Database, lc: Lifecycle, as_user: AsUser, as_anon: Api, as_service_role: Api, as_admin: Api, sweep: str
) -> None:
    for who, api in (("a pool mentor", as_user(lc.mentor())), ("an admin", as_admin), ("anon", as_anon),
                     ("the service role", as_service_role)):
        refused(lambda api=api: api.query(f"select {sweep}"), code="42501", hint=None,  # type: ignore[misc]
                who=who, what=f"running {sweep}")
