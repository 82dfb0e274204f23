"""Issue 8, request side: fail closed, bounded inputs, claims that follow the pool, no anonymous posting.

Each class of defect the adversarial review found has tests here that would have caught it:
* NULL-safe visibility (an unclaimed request has claimed_by_mentor_id NULL) and the existence rule: for every
  actor, a real request it may not see answers exactly like a made-up id;
* bounded inputs: -infinity / infinity / year 294276 dates, 12,000-element arrays, 10,000-deep JSON and 5 MB
  strings are refused promptly with 22023 and the right hint, and nothing changes;
* departed mentors lose their unscheduled claims, releases are limited per mentor and day, a request's life is
  capped, and the next mentor does not read the previous mentor's release;
* anonymous sign-ins cannot post, browse or claim.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import psycopg
import pytest

from mini_mentorship.testing.api import Api, ApiError
from mini_mentorship.testing.database import Database, user_claims
from tests.sql.builders import backdate_events
from tests.sql.requests_support import (
    Lifecycle,
    create_request,
    events,
    insert_query,
    refused,
    request_row,
    snapshot,
    valid_request,
)

MakeUser = Callable[..., uuid.UUID]
AsUser = Callable[[uuid.UUID], Api]

PROMPT_SECONDS = 2.0  # a refused oversized input is answered within this, however large it is
FIVE_MB = 5 * 1024 * 1024


@pytest.fixture
def lc(db: Database, make_user: MakeUser) -> Lifecycle:
    return Lifecycle(db, make_user)


def anonymous(db: Database, uid: uuid.UUID) -> Api:
    """A caller whose JWT is a Supabase anonymous sign-in (is_anonymous: true)."""
    claims = dict(user_claims(db, uid))
    claims["is_anonymous"] = True
    return Api(db.authenticator_url, "authenticated", claims, uid=uid)


def refused_promptly(db: Database, call: Callable[[], Any], *, code: str, hint: str, who: str, what: str) -> ApiError:
    """`call` fails with code / hint within PROMPT_SECONDS and leaves every lifecycle table as it was."""
    before = snapshot(db)
    started = time.monotonic()
    err = refused(call, code=code, hint=hint, who=who, what=what)
    elapsed = time.monotonic() - started
    assert elapsed < PROMPT_SECONDS, f"{who} {what}: refused only after {elapsed:.2f} s; bound the input first"
    assert err.http_status == 400, f"{who} {what}: a bad argument is HTTP 400, got {err.http_status}"
    assert snapshot(db) == before, f"{who} {what} was refused, so nothing may have changed"
    return err


NULL_OPTIONALS: dict[str, Any] = {
    "preferred_date_start": None,
    "preferred_date_end": None,
    "preferred_time_slots": None,
    "tags": None,
    "relevant_experience": None,
    "specific_questions": None,
    "resume_url": None,
    "portfolio_url": None,
}


# ---------------------------------------------------------------------------------------------------------
# Fail closed: helpers never answer NULL
# ---------------------------------------------------------------------------------------------------------

def test_can_see_request_is_never_null_whatever_is_null(db: Database, lc: Lifecycle) -> None:
    pool_mentor, student = lc.mentor(), lc.student()
    someone = uuid.uuid4()
    soon = db.scalar("select now() + interval '1 day'")
    for caller in (None, someone, pool_mentor, student):
        for owner in (None, student):
            for claimer in (None, someone):
                for status in (None, "open", "claimed"):
                    for expires in (None, soon):
                        seen = db.scalar(
                            "select private.can_see_request(%s, %s, %s, %s, %s)",
                            (caller, owner, claimer, status, expires),
                        )
                        assert seen in (True, False), (
                            f"can_see_request({caller}, {owner}, {claimer}, {status}, {expires}) must be true or "
                            f"false, got {seen!r}"
                        )
                        if caller is None:
                            assert seen is False, "nobody signed in sees nothing"
                        if caller == someone and claimer == someone:
                            assert seen is True, "the claiming mentor sees the request"
    assert db.scalar(
        "select private.can_see_request(%s, %s, null, 'open', %s)", (pool_mentor, student, soon)
    ) is True, "a pool mentor sees an open, unexpired, unclaimed request"
    assert db.scalar(
        "select private.can_see_request(%s, %s, null, 'open', %s)", (lc.student(), student, soon)
    ) is False, "another student does not see an unclaimed request (this was NULL before issue 8)"


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        (None, False),
        ({}, False),
        ({"is_anonymous": None}, False),
        ({"is_anonymous": False}, False),
        ({"is_anonymous": "no"}, False),
        ({"is_anonymous": [1]}, False),
        ({"is_anonymous": True}, True),
        ({"is_anonymous": "true"}, True),
    ],
)
def test_the_anonymous_and_admin_helpers_are_never_null(
    db: Database, claims: dict[str, Any] | None, expected: bool
) -> None:
    with psycopg.connect(db.url) as conn, conn.transaction():
        if claims is not None:
            conn.execute("select set_config('request.jwt.claims', %s, true)", (json.dumps(claims),))
        row = conn.execute(
            "select private.is_anonymous(), private.is_admin(), private.is_pool_mentor(null)"
        ).fetchone()
    assert row is not None
    assert row[0] is expected, f"is_anonymous() with claims {claims} must be {expected}, got {row[0]!r}"
    assert row[1] is False and row[2] is False, "is_admin() and is_pool_mentor(null) are false, never null"


# ---------------------------------------------------------------------------------------------------------
# The existence rule, for every actor and every request RPC
# ---------------------------------------------------------------------------------------------------------

ACTORS = ["anon", "owner", "other_student", "pool_mentor", "non_pool_mentor", "claiming_mentor", "other_mentor",
          "admin", "service_role"]
POOL_MENTORS = {"pool_mentor", "claiming_mentor", "other_mentor"}


@dataclass
class World:
    db: Database
    users: dict[str, uuid.UUID] = field(default_factory=dict)
    requests: dict[str, dict[str, Any]] = field(default_factory=dict)
    apis: dict[str, Api] = field(default_factory=dict)

    def api(self, actor: str) -> Api:
        if actor not in self.apis:
            url = self.db.authenticator_url
            if actor in ("anon", "service_role"):
                self.apis[actor] = Api(url, actor, {"role": actor})
            else:
                uid = self.users[actor]
                self.apis[actor] = Api(url, "authenticated", user_claims(self.db, uid), uid=uid)
        return self.apis[actor].rolled_back()

    def visible(self, actor: str, label: str) -> bool:
        """DESIGN §7, independently of the SQL: may this actor know the request exists?"""
        req = self.requests[label]
        uid = self.users.get(actor)
        if actor in ("anon", "service_role"):
            return False
        return (
            uid == req["student_id"]
            or uid == req["claimed_by_mentor_id"]
            or actor == "admin"
            or (actor in POOL_MENTORS and req["status"] == "open" and label != "open_overdue")
        )


@pytest.fixture
def world(db: Database, make_user: MakeUser) -> Iterator[World]:
    life = Lifecycle(db, make_user)
    w = World(db)
    w.users.update(
        owner=life.student(), other_student=life.student(), pool_mentor=life.mentor(),
        non_pool_mentor=life.mentor(in_pool=False), claiming_mentor=life.mentor(), other_mentor=life.mentor(),
        admin=make_user("admin", admin=True),
    )
    owner, claimer = w.users["owner"], w.users["claiming_mentor"]
    for state in ("open", "claimed", "scheduled", "completed", "cancelled", "expired"):
        w.requests[state] = life.request(state, student=owner, mentor=claimer, **NULL_OPTIONALS)
    overdue = life.request("open", student=owner, **NULL_OPTIONALS)
    db.query("update public.mini_mentorship_requests set expires_at = now() - interval '1 second' where id = %s",
             (overdue["id"],))
    w.requests["open_overdue"] = request_row(db, overdue["id"])
    w.requests["claimed_by_other"] = life.request(
        "claimed", student=w.users["other_student"], mentor=w.users["other_mentor"], **NULL_OPTIONALS
    )
    yield w
    for api in w.apis.values():
        api.close()


def error_of(call: Callable[[], Any]) -> tuple[str, str, str | None, str | None]:
    try:
        call()
    except ApiError as err:
        return (err.code, err.message, err.detail, err.hint)
    raise AssertionError("expected a refusal, the call succeeded")


@pytest.mark.parametrize("rpc", ["claim_mini_request", "release_mini_request", "cancel_mini_request"])
def test_a_real_but_invisible_request_answers_like_a_made_up_id_for_every_actor(world: World, rpc: str) -> None:
    args: dict[str, Any] = {} if rpc == "claim_mini_request" else {"reason": "probe"}
    failures: list[str] = []
    compared = 0
    for actor in ACTORS:
        api = world.api(actor)
        made_up = error_of(functools.partial(api.rpc, rpc, request_id=uuid.uuid4(), **args))
        for label, req in world.requests.items():
            if world.visible(actor, label):
                continue
            real = error_of(functools.partial(api.rpc, rpc, request_id=req["id"], **args))
            compared += 1
            if rpc == "claim_mini_request" and actor in POOL_MENTORS:
                # The documented exception: every request was listed to every pool mentor while it was open,
                # and the loser of a claim race must learn that it lost.
                if real[0::3] != ("PT409", "request_not_open"):
                    failures.append(f"{actor} claiming the {label} request: expected PT409 request_not_open, "
                                    f"got {real}")
                continue
            if real != made_up:
                failures.append(f"{actor} calling {rpc} on the {label} request: {real} differs from a made-up "
                                f"id's {made_up}")
    assert compared >= 40, "the world must hold invisible requests for most actors"
    assert not failures, "\n".join(failures)


def test_a_student_cancelling_someone_elses_open_request_gets_pt404(world: World) -> None:
    """The exact defect of issue 8 part 1 (claimed_by_mentor_id NULL made the visibility check NULL)."""
    api = world.api("other_student")
    err = refused(lambda: api.rpc("cancel_mini_request", request_id=world.requests["open"]["id"], reason="x"),
                  code="PT404", hint="request_not_found", who="another student",
                  what="cancelling an open request of someone else")
    assert err.http_status == 404
    non_pool = world.api("non_pool_mentor")
    refused(lambda: non_pool.rpc("cancel_mini_request", request_id=world.requests["open"]["id"], reason="x"),
            code="PT404", hint="request_not_found", who="a mentor outside the pool",
            what="cancelling an open request")


def test_every_request_rpc_copes_with_rows_whose_optional_columns_are_null(world: World) -> None:
    """Requests with no dates, slots, tags, texts or links and no claim reach every RPC without a 5xx."""
    listed = world.api("pool_mentor").rpc("browse_mini_requests")
    assert [r["id"] for r in listed] == [world.requests["open"]["id"]], "the null-heavy open request is listed"
    assert listed[0]["preferred_date_start"] is None and listed[0]["tags"] == []
    stats = world.api("admin").rpc("mini_mentorship_analytics")
    assert stats["requests"] == len(world.requests)
    open_id = world.requests["open"]["id"]
    assert world.api("owner").rpc("cancel_mini_request", request_id=open_id, reason="x")["status"] == "cancelled"
    assert world.api("admin").rpc("cancel_mini_request", request_id=open_id, reason="x")["status"] == "cancelled"
    claimed = world.api("pool_mentor").rpc("claim_mini_request", request_id=open_id)
    assert claimed["status"] == "claimed" and claimed["resume_url"] is None
    released = world.api("claiming_mentor").rpc(
        "release_mini_request", request_id=world.requests["claimed"]["id"], reason="x"
    )
    assert released["status"] == "open" and released["claimed_by_mentor_id"] is None


# ---------------------------------------------------------------------------------------------------------
# Bounded inputs
# ---------------------------------------------------------------------------------------------------------

def deep_json(levels: int) -> str:
    return "[" * levels + "]" * levels


BAD_REQUEST_FIELDS: list[tuple[str, Any, str]] = [
    ("title", "t" * FIVE_MB, "title"),
    ("title", " " * FIVE_MB, "title"),
    ("description", "d" * FIVE_MB, "description"),
    ("relevant_experience", "r" * FIVE_MB, "relevant_experience"),
    ("specific_questions", " " * FIVE_MB, "specific_questions"),
    ("resume_url", "https://example.test/" + "a" * FIVE_MB, "resume_url"),
    ("timezone", "E" * FIVE_MB, "timezone"),
    ("tags", [f"tag{i}" for i in range(12_000)], "tags"),
    ("tags", ["same"] * 12_000, "tags"),
    ("tags", ["x" * FIVE_MB], "tags"),
    ("preferred_time_slots", deep_json(10_000), "preferred_time_slots"),
    ("preferred_time_slots", "[" + ",".join(['{"start":"09:00","end":"10:00"}'] * 12_000) + "]",
     "preferred_time_slots"),
    ("preferred_time_slots", '[{"start":"09:00","end":"10:00","days":' + deep_json(5_000) + "}]",
     "preferred_time_slots"),
    ("preferred_date_start", "-infinity", "preferred_date_start"),
    ("preferred_date_start", "infinity", "preferred_date_start"),
    ("preferred_date_start", "294276-01-01", "preferred_date_start"),
    ("preferred_date_start", "0001-01-01", "preferred_date_start"),
    ("preferred_date_end", "infinity", "preferred_date_end"),
    ("preferred_date_end", "-infinity", "preferred_date_end"),
    ("preferred_date_end", "294276-01-01", "preferred_date_end"),
]


@pytest.mark.parametrize(("column", "value", "hint"), BAD_REQUEST_FIELDS,
                         ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(BAD_REQUEST_FIELDS)])
def test_create_request_refuses_oversized_or_unbounded_input_promptly(
    db: Database, lc: Lifecycle, as_user: AsUser, column: str, value: Any, hint: str
) -> None:
    api = as_user(lc.student())
    fields = valid_request(**{column: value})
    query, params = insert_query("mini_mentorship_requests", fields)
    if column == "preferred_time_slots":  # sent as JSON text, like PostgREST does with the request body
        query = query.replace("%(preferred_time_slots)s", "%(preferred_time_slots)s::jsonb")
        params["preferred_time_slots"] = value
    refused_promptly(db, lambda: api.query(query, params), code="22023", hint=hint, who="a student",
                     what=f"creating a request with a bad {column}")


def test_create_request_accepts_dates_up_to_the_horizon_and_no_further(
    db: Database, lc: Lifecycle, as_user: AsUser
) -> None:
    api = as_user(lc.student())
    today = db.scalar("select current_date")
    last = db.scalar("select (current_date + (private.settings()).max_schedule_ahead)::date")
    row = create_request(api, preferred_date_start=today, preferred_date_end=last)
    assert row["preferred_date_end"] == last, "the last day of the horizon is allowed"
    refused(lambda: create_request(api, preferred_date_start=today, preferred_date_end=last + dt.timedelta(days=1)),
            code="22023", hint="preferred_date_end", who="a student", what="asking for a date beyond the horizon")
    db.query("update private.settings set max_schedule_ahead = interval '30 days'")
    refused(lambda: create_request(api, preferred_date_end=today + dt.timedelta(days=31)),
            code="22023", hint="preferred_date_end", who="a student",
            what="asking beyond a horizon the operator shortened")


@pytest.fixture
def claimed_request(db: Database, lc: Lifecycle) -> dict[str, Any]:
    return lc.request("claimed")


@pytest.mark.parametrize("reason", ["r" * FIVE_MB, " " * FIVE_MB, "é" * (FIVE_MB // 2)])
@pytest.mark.parametrize("rpc", ["release_mini_request", "cancel_mini_request"])
def test_release_and_cancel_refuse_a_multi_megabyte_reason_promptly(
    db: Database, as_user: AsUser, claimed_request: dict[str, Any], rpc: str, reason: str
) -> None:
    caller = claimed_request["claimed_by_mentor_id"] if rpc == "release_mini_request" else claimed_request["student_id"]
    api = as_user(caller)
    refused_promptly(db, lambda: api.rpc(rpc, request_id=claimed_request["id"], reason=reason), code="22023",
                     hint="reason", who="the request's participant", what=f"calling {rpc} with a 5 MB reason")


def test_claim_refuses_a_missing_id_before_looking_at_anything(db: Database, lc: Lifecycle, as_user: AsUser) -> None:
    api = as_user(lc.mentor())
    refused_promptly(db, lambda: api.rpc("claim_mini_request", request_id=None), code="22023", hint="request_id",
                     who="a pool mentor", what="claiming without an id")


BAD_BROWSE_ARGS: list[tuple[dict[str, Any], str]] = [
    ({"tags": [f"t{i}" for i in range(12_000)]}, "tags"),
    ({"tags": ["x" * FIVE_MB]}, "tags"),
    ({"session_types": ["other"] * 12_000}, "session_types"),
    ({"durations": [30] * 12_000}, "durations"),
    ({"urgencies": ["low"] * 12_000}, "urgencies"),
    ({"search": "kubernetes " * (FIVE_MB // 11)}, "search"),
    ({"after": "A" * FIVE_MB}, "after"),
    ({"after": "A" * 600}, "after"),
]


@pytest.mark.parametrize(("args", "hint"), BAD_BROWSE_ARGS,
                         ids=[f"{h}-{i}" for i, (_, h) in enumerate(BAD_BROWSE_ARGS)])
def test_browse_refuses_oversized_arguments_promptly(
    db: Database, lc: Lifecycle, as_user: AsUser, args: dict[str, Any], hint: str
) -> None:
    lc.request("open")
    api = as_user(lc.mentor())
    refused_promptly(db, lambda: api.rpc("browse_mini_requests", **args), code="22023", hint=hint,
                     who="a pool mentor", what=f"browsing with an oversized {hint}")


@pytest.mark.parametrize("value", ["-infinity", "infinity", "294276-01-01T00:00:00Z", "1900-01-01T00:00:00Z"])
@pytest.mark.parametrize("argument", ["since", "until"])
def test_analytics_refuses_unbounded_periods(db: Database, as_admin: Api, argument: str, value: str) -> None:
    refused_promptly(db, lambda: as_admin.rpc("mini_mentorship_analytics", **{argument: value}), code="22023",
                     hint=argument, who="an admin", what=f"asking for analytics with {argument} = {value}")


def test_analytics_still_takes_null_and_real_bounds(db: Database, lc: Lifecycle, as_admin: Api) -> None:
    lc.request("open")
    assert as_admin.rpc("mini_mentorship_analytics")["requests"] == 1, "null bounds mean everything"
    now = db.scalar("select now()")
    period = as_admin.rpc("mini_mentorship_analytics", since=now - dt.timedelta(days=1),
                          until=now + dt.timedelta(days=30))
    assert period["requests"] == 1


# ---------------------------------------------------------------------------------------------------------
# Claims follow pool membership
# ---------------------------------------------------------------------------------------------------------

def leave_pool(db: Database, mentor: uuid.UUID) -> None:
    db.query("update public.mentorship_profiles set in_matching_pool = false where user_id = %s", (mentor,))


def test_the_sweep_releases_unscheduled_claims_of_mentors_who_left_the_pool(db: Database, lc: Lifecycle) -> None:
    leaving, staying = lc.mentor(), lc.mentor()
    held = lc.request("claimed", mentor=leaving)
    scheduled = lc.request("scheduled", mentor=leaving)
    kept = lc.request("claimed", mentor=staying)
    assert db.scalar("select private.release_departed_claims()") == 0, "nobody left the pool yet"

    leave_pool(db, leaving)
    assert db.scalar("select private.release_departed_claims()") == 1, "only the unscheduled claim is released"

    row = request_row(db, held["id"])
    assert (row["status"], row["claimed_by_mentor_id"], row["last_released_by"], row["release_count"]) == (
        "open", None, None, 1
    ), "the request is back in the pool, released by the system"
    assert "left the matching pool" in row["last_release_reason"]
    last = events(db, held["id"])[-1]
    assert (last["event"], last["actor_id"], last["actor_role"]) == ("request.released", None, "system")
    assert "left the matching pool" in last["reason"], "the event says why"
    assert request_row(db, scheduled["id"])["status"] == "scheduled", "a scheduled request is the session's business"
    assert request_row(db, kept["id"])["claimed_by_mentor_id"] == staying, "a pool mentor keeps their claim"
    assert db.scalar("select private.release_departed_claims()") == 0, "a second sweep finds nothing"


def test_the_departed_claims_sweep_skips_a_row_another_transaction_holds(db: Database, lc: Lifecycle) -> None:
    mentor = lc.mentor()
    req = lc.request("claimed", mentor=mentor)
    leave_pool(db, mentor)
    with psycopg.connect(db.url) as holder, holder.transaction():
        holder.execute("select 1 from public.mini_mentorship_requests where id = %s for update", (req["id"],))
        assert db.scalar("select private.release_departed_claims()") == 0, "a locked row is left for the next tick"
    assert db.scalar("select private.release_departed_claims()") == 1


def test_a_mentor_who_left_the_pool_loses_the_request_and_its_links(
    db: Database, lc: Lifecycle, as_user: AsUser
) -> None:
    mentor = lc.mentor()
    req = lc.request("claimed", mentor=mentor)
    leave_pool(db, mentor)
    db.scalar("select private.release_departed_claims()")
    assert as_user(mentor).query("select resume_url from public.mini_mentorship_requests") == [], (
        "after the sweep the departed mentor reads nothing of the request"
    )
    refused(lambda: as_user(mentor).rpc("release_mini_request", request_id=req["id"], reason="x"),
            code="PT404", hint="request_not_found", who="the departed mentor", what="releasing the lost claim")


def test_the_departed_claims_sweep_is_not_executable_by_api_roles(db: Database) -> None:
    for role in ("anon", "authenticated", "service_role"):
        assert not db.scalar(
            "select has_function_privilege(%s, 'private.release_departed_claims()'::regprocedure, 'execute')",
            (role,),
        ), f"{role} must not run the sweep"


# ---------------------------------------------------------------------------------------------------------
# Claims cannot be farmed: the release limit
# ---------------------------------------------------------------------------------------------------------

def claim_and_release(api: Api, lc: Lifecycle) -> dict[str, Any]:
    req = lc.request("open")
    api.rpc("claim_mini_request", request_id=req["id"])
    released: dict[str, Any] = api.rpc("release_mini_request", request_id=req["id"], reason="Not for me")
    return released


def test_a_mentor_may_release_only_so_many_claims_a_day(db: Database, lc: Lifecycle, as_user: AsUser) -> None:
    mentor = lc.mentor()
    api = as_user(mentor)
    limit = db.scalar("select (private.settings()).max_releases_per_mentor_per_day")
    assert limit == 3, "the default limit"
    released = [claim_and_release(api, lc) for _ in range(limit)]
    req = lc.request("open")
    api.rpc("claim_mini_request", request_id=req["id"])

    before = snapshot(db)
    err = refused(lambda: api.rpc("release_mini_request", request_id=req["id"], reason="Not for me either"),
                  code="PT429", hint="release_limit_reached", who="a mentor", what=f"releasing claim #{limit + 1}")
    assert err.http_status == 429, "PostgREST answers PT429 with HTTP 429"
    assert f"at most {limit}" in err.message and "24 hours" in err.message, "the message tells the mentor why"
    assert err.detail and "Next release possible after" in err.detail
    assert snapshot(db) == before, "a refused release changes nothing"
    assert request_row(db, req["id"])["claimed_by_mentor_id"] == mentor, "the mentor still holds the claim"

    refused(lambda: api.rpc("release_mini_request", request_id=uuid.uuid4(), reason="x"),
            code="PT429", hint="release_limit_reached", who="a mentor at the limit",
            what="releasing a made-up id (the limit needs no row, so it is the same answer for every id)")
    other = lc.mentor()
    assert claim_and_release(as_user(other), lc)["status"] == "open", "the limit is per mentor"

    for row in released:  # a day later the oldest releases no longer count
        backdate_events(db, row["id"], "request.released", dt.timedelta(hours=25))
    assert api.rpc("release_mini_request", request_id=req["id"], reason="Now I can")["status"] == "open"


def test_system_releases_do_not_count_towards_the_limit(db: Database, lc: Lifecycle, as_user: AsUser) -> None:
    mentor = lc.mentor()
    for _ in range(4):
        lc.request("claimed", mentor=mentor)
    assert db.scalar("select private.release_stale_claims(interval '0 seconds')") == 4
    assert claim_and_release(as_user(mentor), lc)["status"] == "open", (
        "stale-claim sweeps (actor null) are not the mentor's releases"
    )


def test_the_operator_sets_the_release_limit(db: Database, lc: Lifecycle, as_user: AsUser) -> None:
    db.query("update private.settings set max_releases_per_mentor_per_day = 0")
    mentor = lc.mentor()
    req = lc.request("claimed", mentor=mentor)
    refused(lambda: as_user(mentor).rpc("release_mini_request", request_id=req["id"], reason="x"),
            code="PT429", hint="release_limit_reached", who="a mentor", what="releasing with a limit of 0")
    assert request_row(db, req["id"])["status"] == "claimed"


PARALLEL_RELEASES = 6


def test_parallel_releases_cannot_slip_past_the_limit(db: Database, lc: Lifecycle, as_user: AsUser) -> None:
    """The count and the release are serialised per mentor: of six releases at once, exactly one fits."""
    db.query("update private.settings set max_releases_per_mentor_per_day = 1")
    for round_no in range(5):
        mentor = lc.mentor()
        held = [lc.request("claimed", mentor=mentor)["id"] for _ in range(PARALLEL_RELEASES)]
        apis = [as_user(mentor) for _ in held]  # one connection per call
        for api in apis:
            api.query("select 1")
        barrier = threading.Barrier(PARALLEL_RELEASES)

        def release(api: Api, request_id: uuid.UUID, barrier: threading.Barrier = barrier) -> object:
            barrier.wait(timeout=30)
            try:
                return api.rpc("release_mini_request", request_id=request_id, reason="Too busy")["status"]
            except ApiError as err:
                return (err.code, err.hint)

        with ThreadPoolExecutor(max_workers=PARALLEL_RELEASES) as pool:
            outcomes = list(pool.map(release, apis, held))
        assert sorted(map(str, outcomes)) == sorted(
            ["open"] + [str(("PT429", "release_limit_reached"))] * (PARALLEL_RELEASES - 1)
        ), f"round {round_no}: exactly one of {PARALLEL_RELEASES} parallel releases fits a limit of 1: {outcomes}"
        assert db.scalar(
            "select count(*) from public.mini_mentorship_events where actor_id = %s and event = 'request.released'",
            (mentor,),
        ) == 1


def test_helpers_given_nulls_answer_false_or_empty_never_null(db: Database) -> None:
    checks = {
        "select private.is_pool_mentor(null)": False,
        "select private.user_was_deleted(null, null)": False,
        "select private.is_valid_timezone(null)": False,
        "select private.clean_tags(null) = '{}'::text[]": True,
        "select private.check_time_slots(null) = '[]'::jsonb": True,
        "select private.check_time_slots('null'::jsonb) = '[]'::jsonb": True,
    }
    for query, expected in checks.items():
        assert db.scalar(query) is expected, f"{query} must be {expected}"
    with pytest.raises(psycopg.errors.InvalidParameterValue):
        db.query("select private.clean_reason(null)")


# ---------------------------------------------------------------------------------------------------------
# A request's total life is capped
# ---------------------------------------------------------------------------------------------------------

def created_days_ago(db: Database, request_id: uuid.UUID, days: int) -> None:
    db.query("update public.mini_mentorship_requests set created_at = now() - make_interval(days => %s) "
             "where id = %s", (days, request_id))


def test_reopening_never_pushes_expiry_past_the_request_lifetime(db: Database, lc: Lifecycle, as_user: AsUser) -> None:
    req = lc.request("claimed")
    created_days_ago(db, req["id"], 28)
    released = as_user(req["claimed_by_mentor_id"]).rpc("release_mini_request", request_id=req["id"], reason="x")
    row = request_row(db, req["id"])
    assert released["expires_at"] == row["created_at"] + dt.timedelta(days=30), (
        "a release 28 days after creation gives 2 more days, not 7: the total life is 30 days"
    )

    old = lc.request("claimed")
    created_days_ago(db, old["id"], 31)
    as_user(old["claimed_by_mentor_id"]).rpc("release_mini_request", request_id=old["id"], reason="x")
    row = request_row(db, old["id"])
    assert row["expires_at"] == row["created_at"] + dt.timedelta(days=30), "past its lifetime, it reopens expired"
    listed = [r["id"] for r in as_user(lc.mentor()).rpc("browse_mini_requests")]
    assert listed == [req["id"]], "a request past its lifetime is not listed; the younger one still is"
    refused(lambda: as_user(lc.mentor()).rpc("claim_mini_request", request_id=old["id"]),
            code="PT409", hint="request_not_open", who="a pool mentor", what="claiming a request past its lifetime")
    assert db.scalar("select private.expire_requests()") == 1, "and the expiry sweep ends it"


def test_the_lifetime_cap_applies_to_stale_claims_and_cancelled_sessions_too(
    db: Database, lc: Lifecycle
) -> None:
    db.query("update private.settings set max_request_lifetime = interval '10 days'")
    stale = lc.request("claimed")
    created_days_ago(db, stale["id"], 5)
    db.scalar("select private.release_stale_claims(interval '0 seconds')")
    row = request_row(db, stale["id"])
    assert row["expires_at"] == row["created_at"] + dt.timedelta(days=10), "the stale-claim sweep obeys the cap"

    sched = lc.request("scheduled")
    created_days_ago(db, sched["id"], 6)
    session_id = db.scalar("select id from public.mini_mentorship_sessions where request_id = %s", (sched["id"],))
    db.query("update public.mini_mentorship_sessions set status = 'cancelled' where id = %s", (session_id,))
    db.query("update public.mini_mentorship_requests set status = 'open' where id = %s", (sched["id"],))
    row = request_row(db, sched["id"])
    assert row["expires_at"] == row["created_at"] + dt.timedelta(days=10), "reopening after a session obeys the cap"


# ---------------------------------------------------------------------------------------------------------
# The next mentor does not read the previous mentor's release
# ---------------------------------------------------------------------------------------------------------

def test_the_next_mentor_does_not_see_why_the_previous_one_released(
    db: Database, lc: Lifecycle, as_user: AsUser, as_admin: Api
) -> None:
    student, first, second = lc.student(), lc.mentor(), lc.mentor()
    req = create_request(as_user(student))
    as_user(first).rpc("claim_mini_request", request_id=req["id"])
    as_user(first).rpc("release_mini_request", request_id=req["id"], reason="The student seems difficult")

    claimed = as_user(second).rpc("claim_mini_request", request_id=req["id"])
    assert (claimed["last_release_reason"], claimed["last_released_by"]) == (None, None), (
        "claiming clears who released the request before and why"
    )
    assert claimed["release_count"] == 1 and claimed["last_released_at"] is not None, "the counter stays"
    seen = as_user(second).query("select last_release_reason, last_released_by from public.mini_mentorship_requests")
    assert seen == [{"last_release_reason": None, "last_released_by": None}]

    mentor_events = as_user(second).query("select event, reason, actor_id from public.mini_mentorship_events")
    assert [e["event"] for e in mentor_events] == ["request.claimed"], (
        "the new mentor reads the history only from their own claim on"
    )
    assert all(e["actor_id"] != first for e in mentor_events), "nothing of the previous mentor"

    student_events = as_user(student).query("select event, reason from public.mini_mentorship_events order by id")
    assert [e["event"] for e in student_events] == [
        "request.created", "request.claimed", "request.released", "request.claimed"
    ], "the student still reads the whole history"
    assert student_events[2]["reason"] == "The student seems difficult"
    assert len(as_admin.rpc("admin_list_mini_events", request_id=req["id"])) == 4, "admins read everything"
    assert as_user(first).query("select 1 from public.mini_mentorship_events") == [], (
        "the previous mentor no longer reads any of it"
    )


# ---------------------------------------------------------------------------------------------------------
# Anonymous sign-ins
# ---------------------------------------------------------------------------------------------------------

def test_anonymous_users_cannot_post_browse_or_claim(db: Database, lc: Lifecycle) -> None:
    guest = lc.student()
    guest_mentor = lc.mentor()  # even with a pool profile, an anonymous token may not browse or claim
    open_req = lc.request("open")
    api, mentor_api = anonymous(db, guest), anonymous(db, guest_mentor)
    try:
        calls: list[tuple[str, Callable[[], Any]]] = [
            ("post a request", lambda: create_request(api)),
            ("post a request with bad fields", lambda: create_request(api, title="", timezone="Nowhere/Land")),
            ("browse", lambda: mentor_api.rpc("browse_mini_requests")),
            ("browse with bad arguments", lambda: mentor_api.rpc("browse_mini_requests", page_size=0)),
            ("claim", lambda: mentor_api.rpc("claim_mini_request", request_id=open_req["id"])),
            ("claim a made-up id", lambda: mentor_api.rpc("claim_mini_request", request_id=uuid.uuid4())),
        ]
        for what, call in calls:
            before = snapshot(db)
            err = refused(call, code="42501", hint="anonymous_user", who="an anonymous user", what=what)
            assert err.http_status == 403 and "Guest accounts" in err.message, "a message a UI can show"
            assert snapshot(db) == before
    finally:
        api.close()
        mentor_api.close()


def test_anonymous_users_keep_their_other_read_paths(db: Database, lc: Lifecycle) -> None:
    guest = lc.student()
    mine = lc.request("open", student=guest)
    api = anonymous(db, guest)
    try:
        assert [r["id"] for r in api.query("select id from public.mini_mentorship_requests")] == [mine["id"]], (
            "an anonymous user still reads their own requests"
        )
        assert api.rpc("cancel_mini_request", request_id=mine["id"], reason="x")["status"] == "cancelled", (
            "and may still withdraw one"
        )
    finally:
        api.close()


def test_the_service_role_is_not_an_anonymous_user(db: Database, lc: Lifecycle, as_service_role: Api) -> None:
    row = create_request(as_service_role, student_id=lc.student())
    assert row["status"] == "open", "server-side code still creates requests for a student"


# ---------------------------------------------------------------------------------------------------------
# The restructure: thin invoker wrappers in public, definer implementations in private
# ---------------------------------------------------------------------------------------------------------

REQUEST_RPCS = {
    "claim_mini_request": "uuid",
    "release_mini_request": "uuid, text",
    "cancel_mini_request": "uuid, text",
    "browse_mini_requests": "text[], integer[], text[], text[], text, text, integer",
    "mini_mentorship_analytics": "timestamptz, timestamptz",
}


@pytest.mark.parametrize("name", sorted(REQUEST_RPCS))
def test_each_request_rpc_is_a_thin_invoker_wrapper_over_its_private_implementation(db: Database, name: str) -> None:
    args = REQUEST_RPCS[name]
    rows = {
        r["schema"]: r
        for r in db.query(
            "select n.nspname as schema, p.prosecdef, l.lanname, p.provolatile, p.proconfig, "
            "pg_get_function_arguments(p.oid) as arguments, p.prorettype::regtype::text as returns, "
            "p.proretset, p.prosrc "
            "from pg_proc p join pg_namespace n on n.oid = p.pronamespace join pg_language l on l.oid = p.prolang "
            "where p.oid in (%s::regprocedure, %s::regprocedure)",
            (f"public.{name}({args})", f"private.{name}({args})"),
        )
    }
    public, private = rows["public"], rows["private"]
    assert not public["prosecdef"] and public["lanname"] == "sql", f"public.{name} is a security invoker SQL function"
    assert private["prosecdef"], f"private.{name} is security definer"
    for key in ("arguments", "returns", "proretset", "provolatile"):
        assert public[key] == private[key], f"public.{name} and private.{name} differ in {key}"
    # both pin search_path; the private body may also pin its plan cache to custom plans (issue 15)
    assert public["proconfig"] == ['search_path=""'], f"public.{name} sets search_path = '' and nothing else"
    assert private["proconfig"][0] == 'search_path=""', f"private.{name} sets search_path = ''"
    assert set(private["proconfig"][1:]) <= {"plan_cache_mode=force_custom_plan"}, f"private.{name}: other settings"
    assert f"private.{name}(" in public["prosrc"] and "=>" in public["prosrc"], (
        f"public.{name} only calls private.{name} with named arguments"
    )
    for keyword in ("if ", "case ", "where ", "raise"):
        assert keyword not in public["prosrc"].lower(), f"public.{name} holds no logic ({keyword.strip()!r} found)"
