"""Fill a database with many rows (set-based, generate_series) and read query plans as a caller.

Used by tests/sql/test_query_plans.py: plans at a size where a sequential scan and an index scan really
differ, asserted by shape (which scans), never by time. The rows are written with
session_replication_role = replica (no triggers, no foreign key checks) so tens of thousands take a second;
the few users the tests act as are real (create_user) and own a handful of the rows.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import psycopg

from mini_mentorship.testing.api import Api
from mini_mentorship.testing.database import Database, user_claims

# About 1 % of the requests open and unexpired; the rest spread over the other states. Open requests carry a
# realistic mix of type, duration, urgency and tags; titles draw from a small vocabulary so a search term
# matches a few percent of the rows.
FILL_REQUESTS = """
insert into public.mini_mentorship_requests (
    student_id, title, description, session_type, preferred_duration_minutes, urgency, tags, status,
    claimed_by_mentor_id, claimed_at, created_at, expires_at, expired_at, completed_at, cancelled_at
)
select
    case when g.i %% %(students)s = 7 then %(student)s::uuid else md5('s' || g.i %% %(students)s)::uuid end,
    (array['python', 'resume', 'interview', 'react', 'career', 'postgres', 'design', 'rust'])[1 + (g.i / 100) %% 8]
    || ' help ' || (array['alpha', 'beta', 'gamma', 'delta', 'kubernetes', 'salary'])[1 + g.i %% 6]
    || ' ' || g.i,
    'Details of request ' || g.i,
    (array['interview_prep', 'skill_learning', 'career_advice', 'resume_review', 'project_guidance',
           'technical_help', 'portfolio_review', 'networking_advice', 'other'])[1 + (g.i + g.i / 100) %% 9],
    (array[30, 45, 60])[1 + (g.i + g.i / 100) %% 3],
    (array['low', 'normal', 'normal', 'high', 'urgent'])[1 + (g.i + g.i / 100) %% 5],
    array[(array['python', 'sql', 'career', 'frontend', 'ml'])[1 + (g.i / 100) %% 5]],
    s.status,
    case when s.status in ('claimed', 'scheduled', 'completed')
        then case when g.i %% 7 = 0 then %(mentor)s::uuid else md5('m' || g.i %% 200)::uuid end end,
    case when s.status in ('claimed', 'scheduled', 'completed') then now() - interval '1 hour' end,
    now() - make_interval(mins => g.i %% 10000),
    case when s.status = 'open' then now() + interval '6 days' else now() - interval '1 day' end,
    case when s.status = 'expired' then now() - interval '1 day' end,
    case when s.status = 'completed' then now() - interval '1 day' end,
    case when s.status = 'cancelled' then now() - interval '1 day' end
from generate_series(1, %(rows)s) as g (i)
cross join lateral (
    select case
        when g.i %% 100 = 0 then 'open'
        when g.i %% 100 = 1 then 'claimed'
        when g.i %% 100 = 2 then 'scheduled'
        when g.i %% 100 < 60 then 'completed'
        when g.i %% 100 < 80 then 'expired'
        else 'cancelled'
    end as status
) as s
"""

FILL_SESSIONS = """
insert into public.mini_mentorship_sessions (
    request_id, student_id, mentor_id, scheduled_at, duration_minutes, ends_at, status, meeting_type,
    meeting_platform, created_at
)
select r.id, r.student_id, r.claimed_by_mentor_id, t.starts, 30, t.starts + interval '30 minutes', r.status,
    'phone', 'phone', now() - interval '4 days'
from (
    select q.*, row_number() over () as n
    from public.mini_mentorship_requests as q
    where q.status in ('scheduled', 'completed')
) as r
cross join lateral (
    -- scheduled sessions one hour apart (no overlap for any mentor or student), from 3 days ahead
    select case when r.status = 'scheduled' then now() + interval '3 days' + make_interval(hours => r.n::integer)
        else now() - interval '2 days' end as starts
) as t
"""

FILL_AVAILABILITY = """
insert into public.mini_mentorship_availability (mentor_id, available_from, available_until)
select
    case when g.i %% 200 = 0 then %(mentor)s::uuid else md5('m' || g.i %% 200)::uuid end,
    now() + make_interval(hours => g.i),
    now() + make_interval(hours => g.i) + interval '1 hour'
from generate_series(1, %(rows)s) as g (i)
"""

FILL_EVENTS = """
insert into public.mini_mentorship_events (entity, event, request_id, actor_role, to_status, at)
select 'request', 'request.created', r.id, 'student', 'open', r.created_at
from public.mini_mentorship_requests as r
"""


@dataclass(frozen=True)
class Filled:
    student: uuid.UUID  # owns rows / students of the requests
    mentor: uuid.UUID  # pool mentor: claims one request in seven, has availability windows
    requests: int


def fill(db: Database, *, requests: int, student: uuid.UUID, mentor: uuid.UUID, students: int = 5000) -> Filled:
    """Writes `requests` requests (and their sessions, windows and events), then ANALYZE."""
    args: dict[str, Any] = {"rows": requests, "students": students, "student": student, "mentor": mentor}
    with db.conn.transaction():
        db.conn.execute("set local session_replication_role = replica")
        db.conn.execute(FILL_REQUESTS, args)
        db.conn.execute(FILL_SESSIONS)
        db.conn.execute(FILL_AVAILABILITY, {"rows": requests // 5, "mentor": mentor})
        db.conn.execute(FILL_EVENTS)
    # Statistics from every row, not a random sample: the plans asserted here must not depend on the sample.
    db.conn.execute("set default_statistics_target = 1000")
    db.conn.execute(
        "analyze public.mini_mentorship_requests, public.mini_mentorship_sessions, "
        "public.mini_mentorship_availability, public.mini_mentorship_events"
    )
    return Filled(student, mentor, requests)


def plan(api: Api, query: str, params: Any = None) -> dict[str, Any]:
    """EXPLAIN (ANALYZE, FORMAT JSON) of `query` run as the caller; the top plan node."""
    rows = api.query(f"explain (analyze, buffers, format json) {query}", params)
    doc = rows[0]["QUERY PLAN"]
    return (json.loads(doc) if isinstance(doc, str) else doc)[0]["Plan"]  # type: ignore[no-any-return]


def nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    """Every node of a plan tree, depth first."""
    found = [node]
    for child in node.get("Plans", []):
        found.extend(nodes(child))
    return found


def scans_of(node: dict[str, Any], table: str) -> set[str]:
    """The scan node types that read `table` ("Seq Scan", "Index Scan", "Bitmap Heap Scan", ...)."""
    return {n["Node Type"] for n in nodes(node) if n.get("Relation Name") == table}


def nested_plans(
    db: Database, uid: uuid.UUID | None, query: str, params: Any = None, *, warm_up: int = 0
) -> list[dict[str, Any]]:
    """Plans (auto_explain, JSON, with ANALYZE) of every statement `query` runs, nested ones included, as the
    signed-in user `uid` (role authenticated + JWT claims, as PostgREST would; None: the superuser, as cron
    runs the tick). `warm_up` earlier calls on the same connection let plpgsql's plan cache settle first (a
    generic plan would show on the last call)."""
    messages: list[str] = []
    with psycopg.connect(db.url, autocommit=True) as conn:
        conn.add_notice_handler(lambda diag: messages.append(diag.message_primary or ""))
        conn.execute("load 'auto_explain'")
        for setting in (
            "auto_explain.log_min_duration = 0", "auto_explain.log_nested_statements = on",
            "auto_explain.log_analyze = on", "auto_explain.log_buffers = on", "auto_explain.log_format = json",
            "auto_explain.log_timing = off",
        ):
            conn.execute(f"set {setting}")
        if uid is not None:
            conn.execute("set role authenticated")
            conn.execute("select set_config('request.jwt.claims', %s, false)", (json.dumps(user_claims(db, uid)),))
        for _ in range(warm_up):
            conn.execute(query, params).fetchall()
        conn.execute("set client_min_messages = log")
        conn.execute(query, params).fetchall()
        conn.execute("set client_min_messages = notice")
    plans = []
    for message in messages:
        start = message.find("{")
        if "plan:" in message and start >= 0:
            plans.append(json.loads(message[start:])["Plan"])
    return plans


def plan_reading(plans: list[dict[str, Any]], table: str) -> dict[str, Any]:
    """The one nested plan that scans `table` (asserts there is exactly one)."""
    found = [p for p in plans if scans_of(p, table)]
    assert len(found) == 1, f"expected one statement reading {table}, got {len(found)}"
    return found[0]
