"""`mini-mentorship demo`: reset the demo database, walk one mentorship through the API, show the result.

Every step runs as the seed user it names, on a connection as `authenticator`, exactly as PostgREST runs the
app's supabase-js call (`caller.begin_request`): what you see is what RLS and the RPCs allow that person.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from rich.console import Console
from rich.table import Table

from . import db as dbmod
from .caller import begin_request, claims_for
from .settings import Settings

# Seed users (supabase/seed.sql).
ADA = uuid.UUID("00000000-0000-4000-a000-000000000001")
LINUS = uuid.UUID("00000000-0000-4000-a000-000000000011")
BARBARA = uuid.UUID("00000000-0000-4000-a000-000000000012")
KEN = uuid.UUID("00000000-0000-4000-a000-000000000013")
ADMIN = uuid.UUID("00000000-0000-4000-a000-000000000099")
NAMES = {
    ADA: "Ada (student)",
    LINUS: "Linus (pool mentor)",
    BARBARA: "Barbara (pool mentor)",
    KEN: "Ken (mentor outside the pool)",
    ADMIN: "Admin",
}

TABLES_SQL = """
select c.relname, c.relrowsecurity
from pg_catalog.pg_class as c
join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
where n.nspname = 'public' and c.relkind in ('r', 'p')
order by c.relname
"""

Conn = psycopg.Connection[dict[str, Any]]


@dataclass
class Step:
    actor: str
    action: str
    outcome: str
    ok: bool


class Walkthrough:
    """Runs each step as one API request (its own transaction) and records what happened."""

    def __init__(self, url: str) -> None:
        self.admin: Conn = psycopg.connect(url, autocommit=True, row_factory=dict_row)
        self.api: Conn = psycopg.connect(dbmod.with_user(url, "authenticator"), autocommit=True, row_factory=dict_row)
        self.steps: list[Step] = []

    def close(self) -> None:
        self.api.close()
        self.admin.close()

    def run(self, user: uuid.UUID, action: str, work: Callable[[Conn], Any], describe: Callable[[Any], str]) -> Any:
        """`work` as `user`; a refusal is recorded with its SQLSTATE, hint and message, as the app gets it."""
        claims = claims_for(self.admin, user)
        try:
            with self.api.transaction():
                begin_request(self.api, "authenticated", claims)
                result = work(self.api)
        except psycopg.Error as exc:
            diag = exc.diag
            self.steps.append(Step(NAMES[user], action, f"{diag.sqlstate} {diag.message_hint}: {diag.message_primary}",
                                   ok=False))
            return None
        self.steps.append(Step(NAMES[user], action, describe(result), ok=True))
        return result


def rpc(name: str, **args: Any) -> Callable[[Conn], Any]:
    call = sql.SQL("select to_jsonb(r) as result from public.{}({}) as r").format(
        sql.Identifier(name),
        sql.SQL(", ").join(sql.SQL("{} => {}").format(sql.Identifier(k), sql.Placeholder(k)) for k in args),
    )
    return lambda conn: [row["result"] for row in conn.execute(call, args).fetchall()]


def run_demo(url: str, settings: Settings, console: Console) -> None:
    applied, seeded = dbmod.reset_database(url, settings)
    console.print(f"[bold]mini-mentorship demo[/]: {url}")
    console.print(f"{len(applied)} migrations applied" + (", seed loaded" if seeded else ", no seed file"))
    walk = Walkthrough(url)
    try:
        lifecycle(walk)
        show_steps(walk.steps, console)
        show_state(walk.admin, console)
    finally:
        walk.close()


def lifecycle(walk: Walkthrough) -> None:
    tomorrow = date.today() + timedelta(days=1)
    created = walk.run(
        ADA,
        "posts a request (from('mini_mentorship_requests').insert)",
        lambda conn: conn.execute(
            "insert into public.mini_mentorship_requests (student_id, title, description, session_type, "
            "preferred_duration_minutes, urgency, preferred_date_start, preferred_date_end, timezone, tags, "
            "preferred_time_slots, resume_url) values (%s, %s, %s, 'interview_prep', 45, 'high', %s, %s, "
            "'America/Chicago', %s, %s, 'https://example.test/ada-resume.pdf') returning id, status, expires_at",
            (ADA, "Mock system-design interview", "A 45-minute practice round on designing a URL shortener.",
             tomorrow, tomorrow + timedelta(days=6), ["system-design", "interviews"],
             Jsonb([{"start": "09:00", "end": "17:00"}])),
        ).fetchone(),
        lambda row: f"status {row['status']}, expires {row['expires_at']:%Y-%m-%d}",
    )
    request_id = created["id"]
    walk.run(KEN, "browses open requests", rpc("browse_mini_requests"), lambda rows: f"{len(rows)} requests")
    walk.run(
        LINUS, "browses open requests", rpc("browse_mini_requests"),
        lambda rows: "; ".join(f"{r['title']!r} (resume link hidden: {'resume_url' not in r})" for r in rows),
    )
    walk.run(LINUS, "claims it", rpc("claim_mini_request", request_id=request_id),
             lambda rows: f"status {rows[0]['status']}")
    walk.run(BARBARA, "tries to claim it too", rpc("claim_mini_request", request_id=request_id), str)
    start = walk.admin.execute(
        "select (%s::date + time '10:00') at time zone 'America/Chicago' as at", (tomorrow,)
    ).fetchone()
    assert start is not None
    session = walk.run(
        LINUS,
        "schedules tomorrow 10:00 Chicago time, 45 min, Jitsi",
        rpc("schedule_mini_session", request_id=request_id, scheduled_at=start["at"], duration_minutes=45,
            meeting_platform="jitsi"),
        lambda rows: f"session {rows[0]['status']} at {rows[0]['scheduled_at']} UTC",
    )
    walk.run(
        ADA, "cannot join yet", rpc("join_mini_session", session_id=session[0]["id"]), str,
    )
    walk.run(
        ADA, "reads her sessions (from('mini_mentorship_sessions').select)",
        lambda conn: conn.execute("select status, duration_minutes from public.mini_mentorship_sessions").fetchall(),
        lambda rows: ", ".join(f"{r['status']} {r['duration_minutes']} min" for r in rows) or "none",
    )
    walk.run(
        ADMIN, "reads analytics", rpc("mini_mentorship_analytics"),
        lambda rows: f"{rows[0]['requests']} request(s), by status {json.dumps(rows[0]['requests_by_status'])}",
    )


def show_steps(steps: list[Step], console: Console) -> None:
    table = Table("who", "does", "what the app gets", title="One mentorship, step by step (as PostgREST runs it)")
    for step in steps:
        table.add_row(step.actor, step.action, step.outcome if step.ok else f"[yellow]refused[/] {step.outcome}")
    console.print(table)


def show_state(conn: Conn, console: Console) -> None:
    table = Table("table (public)", "rows", "RLS", title="What is in the database now")
    for row in conn.execute(TABLES_SQL).fetchall():
        count = conn.execute(
            sql.SQL("select count(*) as n from public.{}").format(sql.Identifier(row["relname"]))
        ).fetchone()
        table.add_row(row["relname"], str(count["n"] if count else 0), "on" if row["relrowsecurity"] else "off")
    console.print(table)
    events = conn.execute(
        "select event, coalesce(p.display_name, 'system') as actor, from_status, to_status "
        "from public.mini_mentorship_events as e left join private.people as p on p.id = e.actor_id order by e.id"
    ).fetchall()
    console.print("[bold]Audit trail[/] (mini_mentorship_events): " + " → ".join(
        f"{e['event']} by {e['actor']}" for e in events
    ))
    jobs = conn.execute("select kind, status, dedupe_key from private.outbox order by id").fetchall()
    console.print("[bold]Outbox[/] (private.outbox, for the workers): " + (
        ", ".join(f"{j['kind']} {j['status']} ({j['dedupe_key']})" for j in jobs) or "empty"
    ))
