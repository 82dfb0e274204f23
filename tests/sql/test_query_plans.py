"""Plans that scale (issue 15): at tens of thousands of rows, the reads the app makes are served by indexes.

Asserted by plan shape (which scan reads which table, through which index, how many rows), never by time.
The row policies have no admin arm, so a student's `from('mini_mentorship_requests').select()` uses the
student_id / claimed_by_mentor_id indexes with or without an explicit filter; browse reads a page from the open
indexes, on every call (no generic plan) and deep into the list; the tick's sweeps and reminder scan read
their due rows in bounded batches through partial indexes, however large the backlog.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import psycopg
import pytest

from mini_mentorship.testing.api import Api
from mini_mentorship.testing.database import Database
from tests.sql.plans_support import Filled, fill, nested_plans, nodes, plan, plan_reading, scans_of

AsUser = Callable[[uuid.UUID], Api]
ROWS = 60_000  # 600 open requests: page 50 of 10 is the last one


@pytest.fixture
def filled(db: Database, make_user: Callable[..., uuid.UUID]) -> Filled:
    return fill(db, requests=ROWS, student=make_user("student"), mentor=make_user("mentor"), students=600)


def assert_index_served(node: dict[str, Any], table: str, who: str) -> None:
    scans = scans_of(node, table)
    assert scans, f"{who}: the plan should read {table}"
    assert "Seq Scan" not in scans, f"{who}: {table} must be read through an index, got {sorted(scans)}"


@pytest.mark.parametrize(
    ("table", "actor", "column"),
    [
        ("mini_mentorship_requests", "student", "student_id"),
        ("mini_mentorship_requests", "mentor", "claimed_by_mentor_id"),
        ("mini_mentorship_sessions", "student", "student_id"),
        ("mini_mentorship_sessions", "mentor", "mentor_id"),
        ("mini_mentorship_availability", "mentor", "mentor_id"),
    ],
)
def test_my_rows_through_from_use_an_index_with_and_without_an_explicit_filter(
    filled: Filled, as_user: AsUser, table: str, actor: str, column: str
) -> None:
    uid = filled.student if actor == "student" else filled.mentor
    api = as_user(uid)
    bare = plan(api, f"select * from public.{table}")
    assert_index_served(bare, table, f"the {actor} reading {table} without a filter")
    filtered = plan(api, f"select * from public.{table} where {column} = %s", (uid,))
    assert_index_served(filtered, table, f"the {actor} reading {table} filtered on {column}")
    assert bare["Actual Rows"] == filtered["Actual Rows"] > 0, f"the {actor} has rows in {table}, both ways"


def test_the_history_uses_an_index_with_and_without_the_documented_filter(
    filled: Filled, as_user: AsUser, db: Database
) -> None:
    request_id = db.scalar(
        "select id from public.mini_mentorship_requests where student_id = %s limit 1", (filled.student,)
    )
    history = plan(as_user(filled.student), "select * from public.mini_mentorship_events where request_id = %s",
                   (request_id,))
    assert_index_served(history, "mini_mentorship_events", "the student reading one request's history")
    assert history["Actual Rows"] == 1
    everything = plan(as_user(filled.student), "select * from public.mini_mentorship_events")
    assert_index_served(everything, "mini_mentorship_events", "the student reading all their history unfiltered")
    assert everything["Actual Rows"] == db.scalar(
        "select count(*) from public.mini_mentorship_requests where student_id = %s", (filled.student,)
    ), "one creation event per request of theirs"


def browse_plan(db: Database, filled: Filled, **args: Any) -> dict[str, Any]:
    names = ", ".join(f"{name} => %({name})s" for name in args)
    plans = nested_plans(db, filled.mentor, f"select * from public.browse_mini_requests({names})", args, warm_up=8)
    return plan_reading(plans, "mini_mentorship_requests")


def index_names(node: dict[str, Any]) -> set[str]:
    return {n["Index Name"] for n in nodes(node) if "Index Name" in n}


def rows_read(node: dict[str, Any], table: str) -> int:
    return sum(int(n["Actual Rows"]) + int(n.get("Rows Removed by Filter", 0))
               for n in nodes(node) if n.get("Relation Name") == table)


def test_browse_reads_one_page_from_the_open_urgency_index_on_every_call(db: Database, filled: Filled) -> None:
    node = browse_plan(db, filled, page_size=20)
    assert_index_served(node, "mini_mentorship_requests", "browse without a search term, after 8 calls")
    assert "mini_mentorship_requests_open_urgency_idx" in index_names(node)
    assert rows_read(node, "mini_mentorship_requests") <= 40, "a page of 20 reads about 20 rows, not every open row"
    filtered = browse_plan(db, filled, session_types=["career_advice", "other"], durations=[30, 60], page_size=20)
    assert_index_served(filtered, "mini_mentorship_requests", "browse with filters, after 8 calls")


def test_browse_with_a_search_term_uses_the_open_search_index(db: Database, filled: Filled) -> None:
    node = browse_plan(db, filled, search="python kubernetes", page_size=20)
    assert_index_served(node, "mini_mentorship_requests", "browse with a search term")
    assert "mini_mentorship_requests_open_search_idx" in index_names(node)


def test_browse_page_50_is_still_an_index_range(db: Database, filled: Filled, as_user: AsUser) -> None:
    api = as_user(filled.mentor)
    after = None
    for _ in range(49):
        page = api.rpc("browse_mini_requests", page_size=10, after=after)
        assert len(page) == 10
        after = page[-1]["page_cursor"]
    node = browse_plan(db, filled, page_size=10, after=after)
    assert "mini_mentorship_requests_open_urgency_idx" in index_names(node)
    assert rows_read(node, "mini_mentorship_requests") <= 20, (
        "page 50 starts at the cursor (an index condition), it does not read the 490 rows before it"
    )


def test_the_tick_reads_a_large_backlog_in_index_served_batches(db: Database, filled: Filled) -> None:
    open_count, claimed_count = db.query(
        "select count(*) filter (where status = 'open') as open, count(*) filter (where status = 'claimed') "
        "as claimed from public.mini_mentorship_requests"
    )[0].values()
    assert open_count > 500 and claimed_count > 500, "more due rows than one batch"
    # a week later every open request is due and every claim is stale: the planner's guess is large
    plans = nested_plans(db, None, "select private.tick(now() + interval '8 days')")
    for table in ("mini_mentorship_requests", "mini_mentorship_sessions"):
        for node in plans:
            assert "Seq Scan" not in scans_of(node, table), f"the tick read {table} with a sequential scan"
    batches = [
        node for node in plans
        if "mini_mentorship_requests_open_expires_at_idx" in index_names(node)
        or "mini_mentorship_requests_claimed_at_idx" in index_names(node)
    ]
    assert len(batches) >= 4, "expiry and stale claims each took more than one batch"
    assert all(rows_read(node, "mini_mentorship_requests") <= 2 * 500 + 1 for node in batches)
    assert db.scalar("select count(*) from public.mini_mentorship_requests where status = 'expired' "
                     "and expired_at > now() - interval '1 minute'") == open_count, "every due request expired"
    start = db.scalar("select min(scheduled_at) from public.mini_mentorship_sessions where status = 'scheduled'")
    reminders = nested_plans(db, None, "select private.queue_reminders(%s - interval '90 minutes')", (start,))
    scans = set().union(*(scans_of(node, "mini_mentorship_sessions") for node in reminders))
    assert scans and "Seq Scan" not in scans, f"the reminder scan read sessions with {sorted(scans)}"
    assert db.scalar("select count(*) from private.outbox where template like 'reminder_%%'") >= 2


def test_a_claim_counts_the_mentors_live_claims_not_their_history(db: Database, filled: Filled) -> None:
    with db.conn.transaction():  # the mentor's live claims become sessions: thousands of requests of history
        db.conn.execute("set local session_replication_role = replica")
        db.conn.execute("update public.mini_mentorship_requests set status = 'scheduled' "
                        "where claimed_by_mentor_id = %s and status = 'claimed'", (filled.mentor,))
    db.conn.execute("analyze public.mini_mentorship_requests")
    history = db.scalar("select count(*) from public.mini_mentorship_requests where claimed_by_mentor_id = %s",
                        (filled.mentor,))
    assert history > 1000
    request_id = db.scalar("select id from public.mini_mentorship_requests where status = 'open' limit 1")
    plans = nested_plans(db, filled.mentor, "select * from public.claim_mini_request(%s)", (request_id,))
    for node in plans:
        assert "Seq Scan" not in scans_of(node, "mini_mentorship_requests"), "the claim read requests sequentially"
    live = db.scalar("select count(*) from public.mini_mentorship_requests where status = 'claimed'")
    assert live < history
    counted = [
        node for node in plans
        if index_names(node) & {"mini_mentorship_requests_live_claims_idx", "mini_mentorship_requests_claimed_at_idx"}
    ]
    assert counted, f"the claim limit counts live claims by index: {[sorted(index_names(n)) for n in plans]}"
    assert all(rows_read(node, "mini_mentorship_requests") <= live for node in counted), (
        "counting the mentor's claims reads live claims only, none of the mentor's history"
    )
    assert not any("mini_mentorship_requests_claimed_by_mentor_id_idx" in index_names(node) for node in plans)


def rows_examined(node: dict[str, Any], table: str) -> int:
    """Rows the plan's scans of `table` produced or threw away (Rows Removed by Filter / Index Recheck)."""
    return sum(
        int(n.get("Actual Rows", 0)) * int(n.get("Actual Loops", 1))
        + int(n.get("Rows Removed by Filter", 0))
        + int(n.get("Rows Removed by Index Recheck", 0))
        for n in nodes(node)
        if n.get("Relation Name") == table
    )


@pytest.mark.parametrize("actor", ["student", "mentor"])
def test_a_first_page_of_my_sessions_without_a_filter_reads_only_my_sessions(
    filled: Filled, as_user: AsUser, db: Database, actor: str
) -> None:
    """`from('mini_mentorship_sessions').select().order('scheduled_at', {ascending: false}).limit(20)`: the
    planner, not knowing the caller, once walked the scheduled_at index backwards through the whole table for a
    student; the policy's primary-key conjunct (participant_session_ids) keeps the read to the caller's rows."""
    uid = filled.student if actor == "student" else filled.mentor
    column = "student_id" if actor == "student" else "mentor_id"
    mine = db.scalar(f"select count(*) from public.mini_mentorship_sessions where {column} = %s", (uid,))
    assert mine > 0, f"the {actor} has sessions"
    top = plan(
        as_user(uid), "select id from public.mini_mentorship_sessions order by scheduled_at desc, id desc limit 20"
    )
    examined = rows_examined(top, "mini_mentorship_sessions")
    assert examined <= mine, f"the {actor} has {mine} sessions, the read examined {examined} rows"
    assert top["Actual Rows"] == min(mine, 20)


HELD_CLAIMS = """
insert into public.mini_mentorship_requests (
    student_id, title, description, session_type, preferred_duration_minutes, urgency, status,
    claimed_by_mentor_id, claimed_at, created_at, expires_at
)
select
    md5('held-student' || g.i %% 500)::uuid, 'Held claim ' || g.i, 'A claim held by one of few mentors',
    'other', 30, 'normal', 'claimed',
    (%(mentors)s::uuid[])[1 + g.i %% cardinality(%(mentors)s::uuid[])],
    now() - make_interval(mins => g.i), now() - interval '2 days', now() + interval '5 days'
from generate_series(1, %(claims)s) as g (i)
"""


def test_the_departed_claims_sweep_asks_the_pool_once_per_mentor_through_the_live_claims_index(
    db: Database, filled: Filled, make_user: Callable[..., uuid.UUID]
) -> None:
    # 5,000 more claims held by 20 mentors: 5 in the pool, 15 who left it (no mentor profile)
    mentors = [make_user("mentor") for _ in range(5)] + [uuid.uuid5(uuid.NAMESPACE_OID, f"gone{k}") for k in range(15)]
    with db.conn.transaction():
        db.conn.execute("set local session_replication_role = replica")
        db.conn.execute(HELD_CLAIMS, {"mentors": mentors, "claims": 5000})
    db.conn.execute("analyze public.mini_mentorship_requests")
    claims, holders, departed = db.query(
        "select count(*) as claims, count(distinct r.claimed_by_mentor_id) as holders, "
        "count(*) filter (where not coalesce(private.is_pool_mentor(r.claimed_by_mentor_id), false)) as departed "
        "from public.mini_mentorship_requests as r where r.status = 'claimed'"
    )[0].values()
    assert claims > 5000 and holders < 30 and 500 < departed < claims, "many claims, few mentors, several batches"

    with psycopg.connect(db.url) as conn, conn.transaction(force_rollback=True):
        conn.execute("set local track_functions = 'all'")
        released = conn.execute("select private.release_departed_claims()").fetchone()
        calls = conn.execute(
            "select coalesce(sum(calls), 0) from pg_catalog.pg_stat_xact_user_functions "
            "where schemaname = 'private' and funcname = 'is_pool_mentor'"
        ).fetchone()
    assert released == (departed,), "every claim of a departed mentor is released, and only those"
    assert calls == (holders,), f"is_pool_mentor is asked once per mentor holding claims ({holders}), not per claim"

    plans = nested_plans(db, None, "select private.release_departed_claims()")
    reading = [node for node in plans if scans_of(node, "mini_mentorship_requests")]
    assert len(reading) >= 3, "the sweep lists the mentors, then releases their claims in several batches"
    for node in reading:
        scans = scans_of(node, "mini_mentorship_requests") - {"ModifyTable"}
        assert "Seq Scan" not in scans, f"the sweep read requests with {sorted(scans)}"
        assert "mini_mentorship_requests_live_claims_idx" in index_names(node), (
            f"mentors and their claims are found through the live-claims index, got {sorted(index_names(node))}"
        )
        assert index_names(node) <= {"mini_mentorship_requests_live_claims_idx", "mini_mentorship_requests_pkey"}
    mentors_scan, batches = reading[0], reading[1:]
    assert "ModifyTable" not in scans_of(mentors_scan, "mini_mentorship_requests")
    assert rows_read(mentors_scan, "mini_mentorship_requests") <= holders + 1, (
        "listing the mentors reads one index entry per mentor (a loose index scan), not every claim"
    )
    assert len(batches) >= 2, "more departed claims than one batch"
    assert all(rows_read(node, "mini_mentorship_requests") <= departed + 500 for node in batches), (
        "a batch reads the departed mentors' claims (and updates 500 by id), not every live claim"
    )
    assert db.scalar("select count(*) from public.mini_mentorship_requests where status = 'claimed'") == (
        claims - departed
    ), "the pool mentors keep their claims"
    assert db.scalar(
        "select count(*) from public.mini_mentorship_requests as r where r.status = 'claimed' "
        "and not coalesce(private.is_pool_mentor(r.claimed_by_mentor_id), false)"
    ) == 0, "no departed mentor holds a claim any more"
