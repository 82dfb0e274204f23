"""The story the demo tells, chapter by chapter, every step through the API as the person who takes it.

Only the clock is faked: the cron tick runs `--now` at chosen times (as `mini-mentorship tick --now` does), and
before a session can be joined the demo moves it so that it starts a few minutes ago (`pass_time`: the
session's times shifted with ordinary triggers off, as the test suite does; nothing else is touched).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from psycopg.types.json import Jsonb
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from . import delivery
from .community import ADA, ASKS, BARBARA, EVERYONE, GRACE, KEN, LINUS, MARGARET, POOL_MENTORS, PRIYA, Ask
from .walk import Walk, Work, rpc, say

INSERT_REQUEST = """
insert into public.mini_mentorship_requests (
    student_id, title, description, session_type, preferred_duration_minutes, urgency, preferred_date_start,
    preferred_date_end, timezone, tags, preferred_time_slots
) values (
    %(student)s, %(title)s, %(description)s, %(session_type)s, %(minutes)s, %(urgency)s, %(start)s, %(end)s,
    %(zone)s, %(tags)s, %(slots)s
)
returning id, status, expires_at
"""

INSERT_WINDOW = """
insert into public.mini_mentorship_availability (available_from, available_until, timezone, is_available,
    blocked_reason)
values (%(start)s, %(end)s, %(zone)s, %(free)s, %(reason)s)
returning id
"""

# Moves a session's times (and the participants' copy the overlap constraint reads) with triggers off.
MOVE_SESSION_SQL = """
with moved as (
    update public.mini_mentorship_sessions
    set scheduled_at = scheduled_at + %(by)s, ends_at = ends_at + %(by)s
    where id = %(id)s
    returning id
)
update private.session_participants as p
set during = tstzrange(lower(p.during) + %(by)s, upper(p.during) + %(by)s, '[)')
from moved
where p.session_id = moved.id
"""


def insert(query: str, values: dict[str, Any]) -> Work:
    """`from(table).insert(values).select()`: the inserted row."""
    return lambda conn: conn.execute(query, values).fetchone()


@dataclass
class Outcome:
    """What happened, for the closing summary and the test."""

    race_winner: str = ""
    race_loser: str = ""
    race_refusal: str | None = None
    sessions: dict[str, str] = field(default_factory=dict)
    request_status: dict[str, str] = field(default_factory=dict)


class Story:
    def __init__(self, walk: Walk, url: str, mail_dir: Path, console: Console) -> None:
        self.walk = walk
        self.url = url
        self.mail_dir = mail_dir
        self.console = console
        self.now: datetime = walk.scalar("select now()")
        self.requests: dict[Ask, str] = {}
        self.outcome = Outcome()

    # -- helpers -------------------------------------------------------------------------------------------

    def chapter(self, title: str, text: str) -> None:
        self.console.rule(f"[bold]{title}")
        self.console.print(text, highlight=False)

    def local(self, day: date, hour: int, zone: str) -> datetime:
        """`hour`:00 on `day` in `zone`, as an instant."""
        at: datetime = self.walk.scalar("select (%s::date + make_time(%s, 0, 0)) at time zone %s", (day, hour, zone))
        return at

    def pass_time(self, session_id: str, starts_ago: timedelta) -> None:
        start: datetime = self.walk.scalar(
            "select scheduled_at from public.mini_mentorship_sessions where id = %s", (session_id,)
        )
        by = (self.walk.scalar("select now()") - starts_ago) - start
        with self.walk.admin.transaction():
            self.walk.admin.execute("set local session_replication_role = replica")
            self.walk.admin.execute(MOVE_SESSION_SQL, {"by": by, "id": session_id})
        minutes = int(starts_ago.total_seconds() // 60)
        say(self.console, "[magenta]»[/]",
            f"[magenta]the clock[/] (demo only): the session now started {minutes} minutes ago")

    def drain(self) -> None:
        delivery.drain(self.url, self.mail_dir, self.console)

    # -- chapters ------------------------------------------------------------------------------------------

    def tell(self) -> Outcome:
        self.community()
        self.availability()
        self.requests_posted()
        self.browsing()
        winner, loser = self.race()
        session_a = self.schedule_and_reschedule(winner)
        self.cancellation_reopens()
        self.reminders(session_a)
        self.session_held(session_a, winner)
        self.no_show(loser)
        self.expiry()
        self.outcome.request_status = {
            str(row["title"]): str(row["status"]) for row in self.walk.admin.execute(
                "select title, status from public.mini_mentorship_requests order by created_at, id"
            ).fetchall()
        }
        return self.outcome

    def community(self) -> None:
        self.chapter("1. The community", "supabase/seed.sql signed up these people (auth.users, public.users, "
                     "mentorship_profiles):")
        table = Table("who", "role", "time zone", title_justify="left")
        for person in EVERYONE:
            table.add_row(person.name, person.role, person.zone)
        self.console.print(table)

    def availability(self) -> None:
        self.chapter("2. Mentors publish when they are free",
                     "from('mini_mentorship_availability').insert(...), each mentor for themself:")
        for mentor in POOL_MENTORS:
            window = {"start": self.now + timedelta(minutes=10), "end": self.now + timedelta(days=14),
                      "zone": mentor.zone, "free": True, "reason": None}
            self.walk.run(mentor, "is free for the next two weeks",
                          insert(INSERT_WINDOW, window), lambda _: "window saved")
        blocked = {"start": self.now + timedelta(days=3), "end": self.now + timedelta(days=4),
                   "zone": BARBARA.zone, "free": False, "reason": "Speaking at a conference"}
        self.walk.run(BARBARA, "blocks a conference day", insert(INSERT_WINDOW, blocked),
                      lambda _: "blocked window saved")

    def requests_posted(self) -> None:
        self.chapter("3. Students ask for help",
                     f"from('mini_mentorship_requests').insert(...): {len(ASKS)} requests, every session type "
                     "and urgency; the database sets the status, owner and expiry.")
        today = self.now.date()
        with Progress(console=self.console, transient=True) as progress:
            task = progress.add_task("posting requests", total=len(ASKS))
            for ask in ASKS:
                values = {"student": ask.student.id, "title": ask.title, "description": ask.description,
                          "session_type": ask.session_type, "minutes": ask.minutes, "urgency": ask.urgency,
                          "start": today - timedelta(days=1), "end": today + timedelta(days=13),
                          "zone": ask.student.zone, "tags": list(ask.tags), "slots": Jsonb([])}
                row = self.walk.run(ask.student, "posts a request",
                                    insert(INSERT_REQUEST, values), quiet=True)
                self.requests[ask] = str(row["id"])
                progress.advance(task)
        table = Table("student", "session type", "urgency", "min", "title", title_justify="left")
        for ask in ASKS:
            table.add_row(ask.student.name, ask.session_type, ask.urgency, str(ask.minutes), ask.title)
        self.console.print(table)
        say(self.console, "[green]✓[/]", f"each is open and expires on {self.now + timedelta(days=7):%Y-%m-%d} "
            "unless claimed; a 'request posted' email is queued for each student (private.outbox)")

    def browsing(self) -> None:
        self.chapter("4. Mentors browse", "rpc('browse_mini_requests', {filters}): pool mentors only, without the "
                     "students' private links until claimed.")
        self.walk.run(KEN, "browses open requests", rpc("browse_mini_requests"))
        self.walk.run(
            LINUS, "filters: interview prep or resume review, high or urgent",
            rpc("browse_mini_requests", session_types=["interview_prep", "resume_review"],
                urgencies=["high", "urgent"]),
            lambda rows: "; ".join(f"{r['title']} ({r['urgency']})" for r in rows),
        )

    def race(self) -> tuple[Any, Any]:
        self.chapter("5. Two mentors race for Ada's request",
                     "Linus and Barbara call rpc('claim_mini_request') at the same instant, on two connections:")
        request_id = self.requests[ASKS[0]]
        steps = self.walk.race([LINUS, BARBARA], "claims Ada's interview prep",
                               rpc("claim_mini_request", request_id=request_id),
                               lambda rows: f"won: the request is {rows[0]['status']}")
        won = [s for s in steps if s.ok]
        lost = [s for s in steps if not s.ok]
        assert len(won) == 1 and len(lost) == 1, "exactly one claim wins"
        winner, loser = won[0].who, lost[0].who
        self.outcome.race_winner, self.outcome.race_loser = winner.name, loser.name
        self.outcome.race_refusal = lost[0].hint
        say(self.console, "→", f"{winner.name} won; {loser.name}'s app shows the refusal above.")
        return winner, loser

    def schedule_and_reschedule(self, mentor: Any) -> str:
        self.chapter("6. Schedule with Jitsi, then reschedule",
                     "rpc('schedule_mini_session', {meeting_platform: 'jitsi'}): the worker will make the link.")
        day = self.now.date() + timedelta(days=2)
        request_id = self.requests[ASKS[0]]
        rows = self.walk.run(
            mentor, f"schedules {day:%a %d %b} 10:00 in Ada's zone, 45 min, Jitsi",
            rpc("schedule_mini_session", request_id=request_id, scheduled_at=self.local(day, 10, ADA.zone),
                duration_minutes=45, meeting_platform="jitsi"),
            lambda rows: f"session {rows[0]['status']}",
        )
        session_id = str(rows[0]["id"])
        self.walk.run(ADA, "tries to join already", rpc("join_mini_session", session_id=session_id))
        self.walk.run(
            mentor, "moves it to 11:00 (a clash)",
            rpc("reschedule_mini_session", session_id=session_id, scheduled_at=self.local(day, 11, ADA.zone),
                reason="A clash with a team meeting"),
            lambda rows: f"invite version {rows[0]['sequence']}; the first link job is now moot",
        )
        self.drain()
        link = self.walk.scalar("select meeting_link from public.mini_mentorship_sessions where id = %s",
                                (session_id,))
        say(self.console, "→", f"the Jitsi link, written by the worker: {link}")
        return session_id

    def cancellation_reopens(self) -> None:
        self.chapter("7. A cancelled session reopens its request",
                     "Margaret books Priya, then cancels: rpc('cancel_mini_session') by the mentor reopens the "
                     "request for other mentors.")
        request_id = self.requests[ASKS[1]]
        day = self.now.date() + timedelta(days=1)
        self.walk.run(MARGARET, "claims Priya's resume review", rpc("claim_mini_request", request_id=request_id),
                      lambda rows: f"request {rows[0]['status']}")
        rows = self.walk.run(
            MARGARET, "schedules tomorrow 18:00 in Priya's zone",
            rpc("schedule_mini_session", request_id=request_id, scheduled_at=self.local(day, 18, PRIYA.zone),
                duration_minutes=30, meeting_platform="jitsi"),
            lambda rows: f"session {rows[0]['status']}",
        )
        self.walk.run(MARGARET, "cancels the session",
                      rpc("cancel_mini_session", session_id=rows[0]["id"], reason="A family emergency"),
                      lambda rows: f"session {rows[0]['status']}")
        self.walk.run(PRIYA, "reads her request (from().select)",
                      lambda c: c.execute("select status from public.mini_mentorship_requests where id = %s",
                                          (request_id,)).fetchone(),
                      lambda row: f"status {row['status']}: back in the pool")
        self.drain()

    def reminders(self, session_id: str) -> None:
        self.chapter("8. The cron tick sends reminders",
                     "`mini-mentorship tick --now ...` 23 hours, then 50 minutes, before the session; the worker "
                     "delivers each time.")
        start: datetime = self.walk.scalar("select scheduled_at from public.mini_mentorship_sessions where id = %s",
                                           (session_id,))
        for before in (timedelta(hours=23), timedelta(minutes=50)):
            delivery.tick(self.url, start - before, self.console)
            self.drain()

    def session_held(self, session_id: str, mentor: Any) -> None:
        self.chapter("9. The session happens", "join (from 15 minutes before), complete, and both rate it.")
        self.pass_time(session_id, timedelta(minutes=5))
        for who in (ADA, mentor):
            self.walk.run(who, "joins", rpc("join_mini_session", session_id=session_id),
                          lambda rows: "gets the link, attendance recorded")
        self.walk.run(
            mentor, "completes it with notes",
            rpc("complete_mini_session", session_id=session_id, mentor_notes="Strong on trade-offs.",
                topics_covered=["capacity estimates", "hashing"], action_items=["Practise a second design"],
                follow_up_needed=True, actual_duration_minutes=50),
            lambda rows: f"session {rows[0]['status']}",
        )
        self.walk.run(ADA, "rates it 5", rpc("rate_mini_session", session_id=session_id, rating=5,
                                              feedback="Exactly the practice I needed."), lambda _: "thanks!")
        self.walk.run(mentor, "rates it 4", rpc("rate_mini_session", session_id=session_id, rating=4,
                                                 feedback="Well prepared."), lambda _: "thanks!")
        self.walk.run(ADA, "rates it again", rpc("rate_mini_session", session_id=session_id, rating=1))
        self.outcome.sessions["Ada"] = "completed"
        self.drain()

    def no_show(self, mentor: Any) -> None:
        self.chapter("10. A no-show", f"{mentor.name} books Grace; Grace does not come.")
        request_id = self.requests[ASKS[2]]
        self.walk.run(mentor, "claims Grace's career advice", rpc("claim_mini_request", request_id=request_id),
                      lambda rows: f"request {rows[0]['status']}")
        day = self.now.date() + timedelta(days=1)
        rows = self.walk.run(
            mentor, "schedules tomorrow 09:00 in Grace's zone, Jitsi",
            rpc("schedule_mini_session", request_id=request_id, scheduled_at=self.local(day, 9, GRACE.zone),
                duration_minutes=30, meeting_platform="jitsi"),
            lambda rows: f"session {rows[0]['status']}",
        )
        session_id = str(rows[0]["id"])
        self.drain()
        self.pass_time(session_id, timedelta(minutes=15))
        self.walk.run(mentor, "joins", rpc("join_mini_session", session_id=session_id), lambda _: "waits…")
        self.walk.run(mentor, "reports the student absent", rpc("mark_mini_no_show", session_id=session_id,
                                                                absent="student"),
                      lambda rows: f"session {rows[0]['status']}")
        self.walk.run(GRACE, "tries to rate it", rpc("rate_mini_session", session_id=session_id, rating=3))
        self.outcome.sessions["Grace"] = "no-show"
        self.drain()

    def expiry(self) -> None:
        self.chapter("11. A week later: expiry", "Requests nobody claimed expire 7 days after they were posted.")
        delivery.tick(self.url, self.now + timedelta(days=7, hours=1), self.console)
        self.drain()
