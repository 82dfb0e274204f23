"""`mini-mentorship demo`: reset the demo database, walk one mentorship through the API, show the result,
then drain the outbox it filled with the real worker.

Every step runs as the seed user it names, on a connection as `authenticator`, exactly as PostgREST runs the
app's supabase-js call (`caller.begin_request`): what you see is what RLS and the RPCs allow that person. The
transitions queued their notifications (and the Jitsi link job) in `private.outbox`; the demo lists them, runs
`Worker(..., once=True)` in-process with the default handlers (emails rendered and written as .eml files by
the file sender into `<data dir>/demo-mail`, the link made by the Jitsi provider, which queues the session's
announcements), then runs the cron tick as of 23 hours and 50 minutes before the session (`tick --now ...
--drain`: the 24 h and 1 h reminders), lists the outbox again and the emails delivered (recipient, subject,
the session's time in the recipient's zone).
"""

from __future__ import annotations

import email
import email.policy
import json
import logging
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from rich.console import Console
from rich.table import Table

from . import db as dbmod
from .caller import begin_request, claims_for
from .email.settings import EmailSettings
from .outbox.handlers import default_registry
from .outbox.worker import Worker, WorkerError
from .settings import Settings, WorkerSettings
from .tick import run_tick

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

OUTBOX_SQL = """
select
    o.kind,
    coalesce(o.template, '-') as template,
    coalesce(
        p.display_name,
        case when o.kind = 'meeting_link' then 'session v' || (o.payload ->> 'sequence') else '?' end
    ) as recipient,
    o.status,
    o.attempts,
    coalesce(o.last_error, '') as note
from private.outbox as o
left join private.people as p on p.id::text = o.payload ->> 'recipient_id'
order by o.created_at, o.id
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
    mail_dir = (settings.data_dir or settings.project_dir / ".mini-mentorship") / "demo-mail"
    shutil.rmtree(mail_dir, ignore_errors=True)
    walk = Walkthrough(url)
    try:
        lifecycle(walk)
        show_steps(walk.steps, console)
        show_state(walk.admin, console)
        show_outbox(walk.admin, console, "What the mentorship queued (private.outbox, for the workers)")
        drain_outbox(url, console, mail_dir)
        show_link(walk.admin, console)
        remind(walk.admin, url, console, mail_dir)
        show_outbox(walk.admin, console, "The outbox after the worker and the ticks")
        show_mail(mail_dir, console)
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
        "select (%s::date + time '10:00') at time zone 'America/Chicago' as at", (tomorrow + timedelta(days=1),)
    ).fetchone()
    assert start is not None
    session = walk.run(
        LINUS,
        "schedules the day after tomorrow 10:00 Chicago time, 45 min, Jitsi",
        rpc("schedule_mini_session", request_id=request_id, scheduled_at=start["at"], duration_minutes=45,
            meeting_platform="jitsi"),
        lambda rows: f"session {rows[0]['status']} at {rows[0]['scheduled_at']} UTC",
    )
    walk.run(
        ADA, "cannot join yet", rpc("join_mini_session", session_id=session[0]["id"]), str,
    )
    later = walk.admin.execute(
        "select (%s::date + time '11:00') at time zone 'America/Chicago' as at", (tomorrow + timedelta(days=1),)
    ).fetchone()
    assert later is not None
    walk.run(
        LINUS,
        "moves it to 11:00 before the worker made its link",
        rpc("reschedule_mini_session", session_id=session[0]["id"], scheduled_at=later["at"],
            reason="A clash with a team meeting"),
        lambda rows: f"session at {rows[0]['scheduled_at']} UTC, version {rows[0]['sequence']}",
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


def show_outbox(conn: Conn, console: Console, title: str) -> None:
    table = Table("kind", "template", "to", "status", "tries", "reason (cancelled, failed)", title=title)
    for job in conn.execute(OUTBOX_SQL).fetchall():
        table.add_row(job["kind"], job["template"], job["recipient"], job["status"], str(job["attempts"]),
                      job["note"])
    console.print(table)


def drain_outbox(url: str, console: Console, mail_dir: Path, *, title: str | None = None) -> None:
    """The real worker, once, in this process: emails written to `mail_dir` (.eml), the Jitsi link made."""
    console.print(title or "[bold]Running the worker once[/] (file email sender, Jitsi meeting provider):")
    quiet = logging.getLogger(f"{__name__}.worker")  # the tables say what happened; no log lines in the demo
    quiet.addHandler(logging.NullHandler())
    quiet.propagate = False
    settings = WorkerSettings(pool_mode="direct", listen=False, poll_interval=0.5)
    try:
        registry = default_registry(settings, email=EmailSettings(backend="file", file_dir=mail_dir))
    except WorkerError as exc:
        raise ValueError(str(exc)) from None
    worker = Worker(url, registry, settings, once=True, logger=quiet)
    worker.run()
    t = worker.tally
    console.print(f"worker done: {t.succeeded} succeeded, {t.cancelled} cancelled, {t.retried} to retry, "
                  f"{t.failed} failed", highlight=False)


def show_link(conn: Conn, console: Console) -> None:
    for row in conn.execute(
        "select meeting_link from public.mini_mentorship_sessions where meeting_link is not null order by id"
    ).fetchall():
        console.print(f"The session's Jitsi link, written by the worker:\n  {row['meeting_link']}", highlight=False)


def remind(conn: Conn, url: str, console: Console, mail_dir: Path) -> None:
    """`mini-mentorship tick --now <start - 23 h> --drain`, then the same at 50 minutes before the start."""
    row = conn.execute("select scheduled_at from public.mini_mentorship_sessions limit 1").fetchone()
    if row is None:
        return
    start: datetime = row["scheduled_at"]
    for before in (timedelta(hours=23), timedelta(minutes=50)):
        with dbmod.connect(url) as tick_conn:
            result = run_tick(tick_conn, start - before)
        drain_outbox(url, console, mail_dir, title=f"[bold]{result.summary()}[/]; the worker once:")


def show_mail(mail_dir: Path, console: Console) -> None:
    """The delivered emails, oldest first: recipient, subject and the session's time as the recipient sees it."""
    table = Table("to", "subject", "when (recipient's zone)", title=f"Emails delivered to {mail_dir}")
    invites: list[str] = []
    for path in sorted(mail_dir.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        when = next((line.removeprefix("When: ").split(" (")[0] + f" ({line.split('(')[1].split(')')[0]})"
                     for line in text.splitlines() if line.startswith("When: ")), "-")
        table.add_row(str(message["To"]), str(message["Subject"]), when)
        join = next((line.removeprefix("Join: ") for line in text.splitlines() if line.startswith("Join: ")), None)
        has_ics = any(part.get_content_type() == "text/calendar" for part in message.iter_attachments())
        if "Scheduled" in str(message["Subject"]) and join:
            invite = ", with a calendar invite (.ics)" if has_ics else ""
            invites.append(f"  to {message['To']}{invite}:\n    {join}")
    console.print(table)
    if invites:
        console.print("The scheduled emails carry the worker's meeting link:", highlight=False)
        for line in invites:
            console.print(line, highlight=False, soft_wrap=True)
