"""Set-based test data (generate_series, in chunks under a progress bar) with deterministic ids.

Shape (per `rows` requests): `students` students (10,000 in the full run), `mentors` pool mentors, about 1 %
of requests open and unexpired, 3 % claimed (recently), 20 % completed with a completed session, 30 %
cancelled, the rest expired, and one sent email in the outbox per five requests; a realistic mix of session
types, durations, urgencies, tags and titles.
On top of that, a fixed number of *due* rows whatever the size (`due`): open requests past their expiry,
claims older than 72 hours, claims of mentors who left the pool, and sessions starting within 24 hours.
Triggers are off while loading (`session_replication_role = replica`): the rows are what the lifecycle
would have left, written directly; constraints still hold.

Ids are `md5('<kind>:<n>')::uuid`, so the measures can name users and requests without looking them up.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

import psycopg
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from .harness import console

CHUNK = 50_000

TOPICS = [
    "python", "javascript", "typescript", "react", "django", "postgres", "sql", "kubernetes", "docker", "aws",
    "rust", "golang", "java", "spring", "android", "swift", "design", "figma", "product", "marketing",
    "negotiation", "leadership", "startup", "fundraising", "statistics", "pandas", "machine", "learning",
    "security", "networking", "linux", "testing", "devops", "terraform", "graphql", "career", "resume",
    "portfolio", "interview", "algorithms",
]
ACTIONS = [
    "prepare for", "get unstuck with", "review my", "learn", "improve at", "plan a move into", "debug",
    "choose a path in", "practise", "understand", "structure", "scale", "present", "negotiate around",
    "switch careers to", "mentor me in", "deploy", "refactor", "benchmark", "document", "teach me", "compare",
    "estimate", "ship", "pair on",
]
TAGS = [
    "python", "javascript", "react", "backend", "frontend", "data", "ml", "cloud", "devops", "mobile",
    "design", "product", "career", "interview", "resume", "portfolio", "leadership", "startup", "security",
    "sql", "golang", "rust", "java", "testing", "linux", "networking", "ai", "ux", "writing", "speaking",
]
SESSION_TYPES = [
    "interview_prep", "skill_learning", "career_advice", "resume_review", "project_guidance", "technical_help",
    "portfolio_review", "networking_advice", "other",
]


@dataclass(frozen=True)
class Shape:
    rows: int
    students: int
    mentors: int  # pool mentors holding the generated claims and sessions
    fresh_mentors: int  # pool mentors with no claims (the claim measures use them)
    departed_mentors: int  # mentors out of the pool, still holding `due` claims
    due: int  # due rows of each sweep, the same at every size


def uid(kind: str, n: int) -> uuid.UUID:
    """The deterministic id of generated row n of `kind` (student, mentor, fresh, ...): md5('<kind>:<n>')::uuid."""
    return uuid.UUID(hashlib.md5(f"{kind}:{n}".encode(), usedforsecurity=False).hexdigest())


def _array(values: list[str]) -> str:
    return "(array[" + ", ".join(f"'{v}'" for v in values) + "])"


USERS_SQL = """
with made as (
    insert into auth.users (id, email, aud, role, raw_app_meta_data, raw_user_meta_data)
    select md5(%(kind)s || ':' || g)::uuid, %(kind)s || g || '@bench.test', 'authenticated', 'authenticated',
           '{"provider": "email", "providers": ["email"]}', '{}'
    from generate_series(%(lo)s::integer, %(hi)s::integer) as g
    returning id, email
), people as (
    insert into public.users (id, email, full_name, timezone)
    select id, email, 'Bench ' || email, 'UTC' from made
    returning id
)
insert into public.mentorship_profiles (user_id, profile_type, in_matching_pool)
select id, %(profile)s, %(in_pool)s from people
"""

# Request n: its status by n % 100 (0 open, 1-3 claimed, 4-23 completed with a session, 24-53 cancelled,
# 54-99 expired); student (n + n / 100) % students, mentor (n / 100) % mentors (so everyone has every status).
# Sessions of completed requests in the same statement.
REQUESTS_SQL = f"""
with base as (
    select
        g,
        g %% 100 as bucket,
        md5('request:' || g)::uuid as id,
        md5('student:' || (1 + (g + g / 100) %% %(students)s::integer))::uuid as student_id,
        md5('mentor:' || (1 + (g / 100) %% %(mentors)s::integer))::uuid as mentor_id,
        now() - make_interval(mins => (g * 37) %% (60 * 24 * 720)) as created_at,
        {_array(TOPICS)}[1 + g %% 40] as topic,
        {_array(TOPICS)}[1 + (g / 40) %% 40] as topic2,
        {_array(ACTIONS)}[1 + (g / 7) %% 25] as action
    from generate_series(%(lo)s::integer, %(hi)s::integer) as g
), rows as (
    select
        b.*,
        case
            when b.bucket = 0 then 'open'
            when b.bucket <= 3 then 'claimed'
            when b.bucket <= 23 then 'completed'
            when b.bucket <= 53 then 'cancelled'
            else 'expired'
        end as status,
        case when b.bucket = 0 then now() - make_interval(mins => (b.g * 13) %% (60 * 24 * 6))
             else b.created_at end as made_at
    from base as b
), inserted as (
    insert into public.mini_mentorship_requests (
        id, student_id, title, description, session_type, preferred_duration_minutes, urgency, timezone, tags,
        status, claimed_by_mentor_id, claimed_at, completed_at, cancelled_at, expired_at, created_at,
        expires_at, updated_at
    )
    select
        r.id, r.student_id,
        initcap(r.action) || ' ' || r.topic || ' and ' || r.topic2,
        'I would like to ' || r.action || ' ' || r.topic || '. I have some experience with ' || r.topic2
        || ' but I am stuck on the next step and would value an experienced view on how to proceed.',
        {_array(SESSION_TYPES)}[1 + (r.g * 7) %% 9],
        (array[30, 45, 60])[1 + (r.g * 11) %% 3],
        case when r.g %% 20 = 0 then 'urgent' when r.g %% 5 = 0 then 'high' when r.g %% 3 = 0 then 'low'
             else 'normal' end,
        'UTC',
        array[{_array(TAGS)}[1 + r.g %% 30], {_array(TAGS)}[1 + (r.g / 30) %% 30]],
        r.status,
        case when r.status in ('claimed', 'completed') then r.mentor_id end,
        case when r.status = 'claimed' then now() - make_interval(hours => r.g %% 48)
             when r.status = 'completed' then r.made_at + interval '1 day' end,
        case when r.status = 'completed' then r.made_at + interval '3 days' end,
        case when r.status = 'cancelled' then r.made_at + interval '1 day' end,
        case when r.status = 'expired' then r.made_at + interval '7 days' end,
        r.made_at,
        case when r.status = 'open' then now() + make_interval(hours => 1 + r.g %% 150)
             else r.made_at + interval '7 days' end,
        r.made_at
    from rows as r
    returning id, student_id, claimed_by_mentor_id, status, created_at, preferred_duration_minutes
)
insert into public.mini_mentorship_sessions (
    id, request_id, student_id, mentor_id, scheduled_at, duration_minutes, ends_at, status, timezone,
    created_at, updated_at
)
select
    md5('session:' || i.id)::uuid, i.id, i.student_id, i.claimed_by_mentor_id,
    i.created_at + interval '2 days', i.preferred_duration_minutes,
    i.created_at + interval '2 days' + make_interval(mins => i.preferred_duration_minutes),
    'completed', 'UTC', i.created_at + interval '1 day', i.created_at + interval '3 days'
from inserted as i
where i.status = 'completed'
"""

# The due rows: `due` of each kind (ids md5('due-<kind>:<n>')), and the sessions of the reminder ones.
DUE_SQL = ("""
insert into public.mini_mentorship_requests (
    id, student_id, title, description, session_type, status, claimed_by_mentor_id, claimed_at, timezone,
    created_at, expires_at, updated_at
)
select
    md5('due-' || k.kind || ':' || g)::uuid,
    md5('student:' || (1 + g %% %(students)s::integer))::uuid,
    'Due ' || k.kind || ' ' || g, 'A request the sweeps must find.', 'other',
    k.status,
    case k.kind when 'stale' then md5('mentor:' || (1 + g %% %(mentors)s::integer))::uuid
                when 'departed' then md5('departed:' || (1 + g %% %(departed)s::integer))::uuid
                when 'reminder' then md5('fresh:' || g)::uuid end,
    case k.kind when 'stale' then now() - interval '80 hours' when 'departed' then now() - interval '1 hour'
                when 'reminder' then now() - interval '3 days' end,
    'UTC',
    now() - interval '8 days',
    case k.kind when 'expire' then now() - interval '1 hour' else now() + interval '7 days' end,
    now() - interval '3 days'
from generate_series(1, %(due)s::integer) as g
cross join (values ('expire', 'open'), ('stale', 'claimed'), ('departed', 'claimed'), ('reminder', 'scheduled'))
    as k (kind, status)
""", """
insert into public.mini_mentorship_sessions (
    id, request_id, student_id, mentor_id, scheduled_at, duration_minutes, ends_at, status, timezone,
    created_at, updated_at
)
select
    md5('due-session:' || g)::uuid, md5('due-reminder:' || g)::uuid,
    md5('student:' || (1 + g %% %(students)s::integer))::uuid, md5('fresh:' || g)::uuid,
    date_trunc('minute', now()) + interval '2 hours' + make_interval(mins => g * 7), 30,
    date_trunc('minute', now()) + interval '2 hours' + make_interval(mins => g * 7 + 30),
    'scheduled', 'UTC', now() - interval '3 days', now() - interval '3 days'
from generate_series(1, %(due)s::integer) as g
""")


# Emails already sent (one for every five requests), reminders among them: the outbox grows with history.
OUTBOX_SQL = """
insert into private.outbox (kind, template, payload, dedupe_key, run_at, status, attempts, provider_message_id,
    created_at, updated_at)
select 'email',
    (array['request_created', 'request_claimed', 'session_scheduled', 'reminder_24h', 'reminder_1h'])[1 + g %% 5],
    jsonb_build_object('n', g), 'history:' || g, now() - make_interval(mins => g %% 1000000), 'succeeded', 1,
    'sent-' || g, now() - make_interval(mins => g %% 1000000), now() - make_interval(mins => g %% 1000000)
from generate_series(%(lo)s::integer, %(hi)s::integer) as g
"""


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TimeRemainingColumn(), console=console, transient=False,
    )


def generate(url: str, shape: Shape, label: str) -> None:
    """Fill the (migrated, empty) database at `url`, then vacuum and analyze it."""
    with psycopg.connect(url, autocommit=True) as conn, _progress() as progress:
        conn.execute("set session_replication_role = replica")
        conn.execute("set synchronous_commit = off")
        people = [("student", "student", False, shape.students), ("mentor", "mentor", True, shape.mentors),
                  ("fresh", "mentor", True, max(shape.fresh_mentors, shape.due)),
                  ("departed", "mentor", False, shape.departed_mentors)]
        users = progress.add_task(f"{label}: users", total=sum(p[3] for p in people))
        for kind, profile, in_pool, count in people:
            for lo in range(1, count + 1, CHUNK):
                hi = min(count, lo + CHUNK - 1)
                conn.execute(USERS_SQL, {"kind": kind, "profile": profile, "in_pool": in_pool, "lo": lo, "hi": hi})
                progress.advance(users, hi - lo + 1)
        requests = progress.add_task(f"{label}: requests (+ sessions)", total=shape.rows)
        for lo in range(1, shape.rows + 1, CHUNK):
            hi = min(shape.rows, lo + CHUNK - 1)
            conn.execute(REQUESTS_SQL, {"students": shape.students, "mentors": shape.mentors, "lo": lo, "hi": hi})
            progress.advance(requests, hi - lo + 1)
        for statement in DUE_SQL:
            conn.execute(statement, {"students": shape.students, "mentors": shape.mentors,
                                     "departed": shape.departed_mentors, "due": shape.due})
        history = shape.rows // 5
        jobs = progress.add_task(f"{label}: outbox history", total=history)
        for lo in range(1, history + 1, CHUNK):
            hi = min(history, lo + CHUNK - 1)
            conn.execute(OUTBOX_SQL, {"lo": lo, "hi": hi})
            progress.advance(jobs, hi - lo + 1)
        done = progress.add_task(f"{label}: vacuum analyze", total=1)
        conn.execute("vacuum (analyze) public.mini_mentorship_requests, public.mini_mentorship_sessions, "
                     "public.users, public.mentorship_profiles, auth.users, private.outbox")
        progress.advance(done)
