"""Item 1: reads under RLS through the PostgREST path, against the same rows read by the superuser.

Each pair runs side by side in one loop (harness.side_by_side) with the same request shape on both sides (one
transaction, `set local role`, claims, statement timeout): the left side as the user through `authenticator`,
the right side as the superuser with a plain, explicitly filtered query. Both return the same rows (checked).
The plans of the user's side are captured with auto_explain (nested statements, so the query inside
browse_mini_requests shows) after enough calls for plpgsql to have settled on a custom or generic plan.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg

from mini_mentorship.caller import begin_request, claims_for
from mini_mentorship.testing.api import Api

from .datagen import uid
from .harness import (
    Measure,
    PlanCatcher,
    authenticator_url,
    distinct_plans,
    ratio_measure,
    seq_scans,
    side_by_side,
    superuser_api,
)

GOAL = 1.2
REQUESTS = "mini_mentorship_requests"
SESSIONS = "mini_mentorship_sessions"

BROWSE_ARGS: dict[str, Any] = {
    "session_types": ["interview_prep", "technical_help", "skill_learning", "career_advice"],
    "durations": [30, 60],
    "search": "python",
    "page_size": 20,
}
BROWSE_SQL = (
    "select id from public.browse_mini_requests(session_types => %(session_types)s, durations => %(durations)s, "
    "search => %(search)s, after => %(after)s, page_size => %(page_size)s)"
)
BROWSE_CURSOR_SQL = (
    "select id, page_cursor from public.browse_mini_requests(after => %(after)s, page_size => 20)"
)
# The superuser's plain query for the same page: the same predicate and order, written out.
PLAIN_SEARCH_SQL = """
select r.id
from public.mini_mentorship_requests as r,
    websearch_to_tsquery('english'::regconfig, %(search)s) as q
where r.status = 'open' and r.expires_at > now() and r.student_id <> %(uid)s
    and r.session_type = any(%(session_types)s) and r.preferred_duration_minutes = any(%(durations)s)
    and r.search_document @@ q
    and (r.reserved_for_mentor_id is null or r.reserved_for_mentor_id = %(uid)s)
order by ts_rank(r.search_document, q) desc, r.created_at desc, r.id desc
limit 20
"""
URGENCY_KEY = "array_position(array['low', 'normal', 'high', 'urgent'], r.urgency)::real"
PLAIN_PAGE_SQL = f"""
select r.id
from public.mini_mentorship_requests as r
where r.status = 'open' and r.expires_at > now() and r.student_id <> %(uid)s
    and (r.reserved_for_mentor_id is null or r.reserved_for_mentor_id = %(uid)s)
    and ({URGENCY_KEY}, r.created_at, r.id) < (%(k)s::real, %(c)s::timestamptz, %(i)s::uuid)
order by {URGENCY_KEY} desc, r.created_at desc, r.id desc
limit 20
"""
MY_REQUESTS_FILTERED_SQL = (
    "select id from public.mini_mentorship_requests where student_id = %(uid)s order by created_at desc, id desc "
    "limit 20"
)
MY_REQUESTS_RLS_SQL = (
    "select id from public.mini_mentorship_requests order by created_at desc, id desc limit 20"
)
# As the student (never a mentor): `.eq('student_id', uid)`. (`.or(student_id.eq.uid,mentor_id.eq.uid)` is no
# plain indexed query: with ORDER BY ... LIMIT the planner walks scheduled_at backwards, 48 ms at 1M, as
# superuser too.)
MY_SESSIONS_FILTERED_SQL = (
    "select id from public.mini_mentorship_sessions where student_id = %(uid)s "
    "order by scheduled_at desc, id desc limit 20"
)
MY_SESSIONS_RLS_SQL = "select id from public.mini_mentorship_sessions order by scheduled_at desc, id desc limit 20"


def _ids(api: Api, query: str, params: dict[str, Any]) -> list[Any]:
    return api.request(lambda conn: [r["id"] for r in conn.execute(query, params).fetchall()])


def _page(after: str | None) -> Callable[[psycopg.Connection[Any]], list[Any]]:
    return lambda conn: conn.execute(BROWSE_CURSOR_SQL, {"after": after}).fetchall()


class Reads:
    def __init__(self, url: str, *, n: int, warmup: int) -> None:
        self.url = url
        self.n = n
        self.warmup = warmup
        self.base = superuser_api(url)
        self.plans: dict[str, str] = {}
        self.measures: list[Measure] = []
        with psycopg.connect(url, autocommit=True) as conn:
            self.mentor = uid("mentor", 1)
            self.student = uid("student", 7)
            self.participant = uid("student", 11)  # about 20 sessions among 200,000 (1M requests)
            self.claims = {who: claims_for(conn, who) for who in (self.mentor, self.student, self.participant)}

    def api(self, who: Any) -> Api:
        return Api(authenticator_url(self.url), "authenticated", self.claims[who], uid=who)

    def capture(self, name: str, who: Any, query: str, params: dict[str, Any], *, table: str) -> bool:
        """Run the user's query 9 times on one connection (plpgsql settles on its plan), capture the 10th's
        plans; True when no plan has a sequential scan of `table`."""
        with psycopg.connect(self.url, autocommit=True) as conn:
            catcher = PlanCatcher(conn)

            def once() -> None:
                with conn.transaction():
                    begin_request(conn, "authenticated", self.claims[who])
                    conn.execute(query, params).fetchall()

            for _ in range(9):
                once()
            with catcher.catch() as plans:
                once()
        self.plans[name] = distinct_plans(plans)
        return not seq_scans(plans, table)

    def pair(self, key: str, title: str, who: Any, query: str, params: dict[str, Any], plain: str,
             plain_params: dict[str, Any], *, table: str, notes: list[str] | None = None) -> None:
        api = self.api(who)
        try:
            ours = _ids(api, query, params)
            theirs = _ids(self.base, plain, plain_params)
            same = ours == theirs
            a: Callable[[int], object] = lambda _i: _ids(api, query, params)  # noqa: E731
            b: Callable[[int], object] = lambda _i: _ids(self.base, plain, plain_params)  # noqa: E731
            sa, sb = side_by_side(a, b, n=self.n, warmup=self.warmup)
        finally:
            api.close()
        clean = self.capture(key, who, query, params, table=table)
        m = ratio_measure(key, 1, title, sa, sb, GOAL, ours_name="user (PostgREST path)",
                          base_name="superuser plain query", notes=list(notes or []))
        m.sides["rows"] = len(ours)
        m.sides["same_rows"] = same
        m.sides["no_seq_scan"] = clean
        if not same:
            m.notes.append("the two sides returned different rows")
        if not clean:
            m.notes.append(f"the user's plan has a sequential scan of {table}")
        m.passed = bool(m.passed) and clean and same
        self.measures.append(m)

    def run(self) -> list[Measure]:
        params = {**BROWSE_ARGS, "after": None}
        self.pair("browse_search", "browse_mini_requests as a pool mentor (4 types, 2 durations, search, 20 rows)",
                  self.mentor, BROWSE_SQL, params, PLAIN_SEARCH_SQL,
                  {**BROWSE_ARGS, "uid": self.mentor}, table=REQUESTS)
        self.page_fifty()
        self.pair("my_requests_filtered", "a student's requests via from() with .eq('student_id', uid)",
                  self.student, MY_REQUESTS_FILTERED_SQL, {"uid": self.student}, MY_REQUESTS_FILTERED_SQL,
                  {"uid": self.student}, table=REQUESTS)
        self.pair("my_requests_rls_only", "a student's requests via from() with no filter (RLS alone)",
                  self.student, MY_REQUESTS_RLS_SQL, {}, MY_REQUESTS_FILTERED_SQL, {"uid": self.student},
                  table=REQUESTS)
        self.pair("my_sessions_filtered", "a student's sessions via from() with .eq('student_id', uid)",
                  self.participant, MY_SESSIONS_FILTERED_SQL, {"uid": self.participant}, MY_SESSIONS_FILTERED_SQL,
                  {"uid": self.participant}, table=SESSIONS)
        self.pair("my_sessions_rls_only", "a student's sessions via from() with no filter (RLS alone)",
                  self.participant, MY_SESSIONS_RLS_SQL, {}, MY_SESSIONS_FILTERED_SQL, {"uid": self.participant},
                  table=SESSIONS)
        self.base.close()
        return self.measures

    def page_fifty(self) -> None:
        """Keyset pagination deep into browse (page 50, no filters): walk there once, then time that page."""
        api = self.api(self.mentor)
        after = None
        page = 1
        try:
            while page < 50:
                rows = api.request(_page(after))
                if len(rows) < 20:
                    break
                after = rows[-1]["page_cursor"]
                page += 1
        finally:
            api.close()
        with psycopg.connect(self.url, autocommit=True) as conn:
            row = conn.execute(
                "select (d ->> 'k')::real as k, (d ->> 'c')::timestamptz as c, (d ->> 'i')::uuid as i from ("
                "select convert_from(decode(translate(%(a)s, '-_', '+/') || repeat('=', (4 - length(%(a)s) %% 4)"
                " %% 4), 'base64'), 'UTF8')::jsonb as d) as x", {"a": after},
            ).fetchone() if after else None
        assert row is not None, "browse has fewer than 2 pages: no keyset to measure"
        self.pair("browse_page_50", f"browse page {page} by keyset (no filters, urgency order)", self.mentor,
                  BROWSE_SQL.replace("session_types => %(session_types)s, durations => %(durations)s, "
                                     "search => %(search)s, ", ""),
                  {"after": after, "page_size": 20}, PLAIN_PAGE_SQL,
                  {"uid": self.mentor, "k": row[0], "c": row[1], "i": row[2]}, table=REQUESTS,
                  notes=[] if page == 50 else [f"only {page} pages at this size"])


def measure(url: str, *, n: int, warmup: int) -> tuple[list[Measure], dict[str, str]]:
    reads = Reads(url, n=n, warmup=warmup)
    return reads.run(), reads.plans
