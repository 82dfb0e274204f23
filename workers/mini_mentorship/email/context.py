"""What an email is about, read from the current rows when it is sent: the recipient (through the people
adapter view `private.people`), the other participant, the request and the session.

Times are formatted in the recipient's own IANA zone with the zone named ("Tuesday 1 December, 10:00 CST
(America/Chicago)"), by `zoneinfo`, so DST changes and half- or quarter-hour offsets come out right.

A cancelled session whose row is gone (an account deletion cascaded it before the job ran) is rebuilt from
the audit trail: the `mini_mentorship_events` row named by `payload.event_id` (who cancelled, why) and the
session's latest `session.scheduled` / `session.rescheduled` event (when it was, for how long).

Links into the host app (MM_APP_BASE_URL + these paths; the app routes them):

| link | path |
|---|---|
| view a request | `/mentorship/requests/<request id>` |
| post a new request | `/mentorship/requests/new` |
| view a session (join, details) | `/mentorship/sessions/<session id>` |
| reschedule | `/mentorship/sessions/<session id>/reschedule` |
| cancel | `/mentorship/sessions/<session id>/cancel` |
| rate | `/mentorship/sessions/<session id>/rate` |
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import psycopg
from psycopg.rows import dict_row

from ..outbox.registry import PermanentError
from .calendar import Invite

PEOPLE_SQL = "select id, email, display_name, timezone from private.people where id = any(%(ids)s)"
REQUEST_SQL = """
select r.id, r.title, r.status, r.student_id, r.claimed_by_mentor_id, r.expires_at, r.cancellation_reason,
    r.last_release_reason
from public.mini_mentorship_requests as r
where r.id = %(id)s
"""
SESSION_SQL = """
select s.id, s.request_id, s.student_id, s.mentor_id, s.scheduled_at, s.duration_minutes, s.meeting_type,
    s.meeting_platform, s.meeting_link, s.meeting_passcode, s.location, s.status, s.sequence,
    s.cancelled_by, s.cancellation_reason, s.no_show_absent, s.reschedule_reason, r.title
from public.mini_mentorship_sessions as s
left join public.mini_mentorship_requests as r on r.id = s.request_id
where s.id = %(id)s
"""
EVENT_SQL = """
select e.id, e.event, e.request_id, e.session_id, e.actor_id, e.actor_role, e.reason, e.detail, e.at
from public.mini_mentorship_events as e
where e.id = %(id)s
"""
# The session as it last stood, from the audit trail (when its row is gone).
SESSION_HISTORY_SQL = """
select
    e.detail ->> 'scheduled_at' as scheduled_at,
    (e.detail ->> 'duration_minutes')::integer as duration_minutes,
    (select f.detail ->> 'mentor_id' from public.mini_mentorship_events as f
        where f.session_id = %(id)s and f.event = 'session.scheduled' order by f.id limit 1) as mentor_id,
    (select f.actor_id from public.mini_mentorship_events as f
        where f.request_id = e.request_id and f.event = 'request.created' order by f.id limit 1) as student_id
from public.mini_mentorship_events as e
where e.session_id = %(id)s and e.event in ('session.scheduled', 'session.rescheduled')
order by e.id desc
limit 1
"""

Conn = psycopg.Connection[Any]


@dataclass(frozen=True)
class Person:
    id: uuid.UUID
    email: str
    name: str
    timezone: str

    @property
    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")


def local_time(moment: datetime, person: Person) -> str:
    """"Tuesday 1 December 2026, 10:00 CST (America/Chicago)" in the person's zone."""
    local = moment.astimezone(person.zone)
    return f"{local:%A} {local.day} {local:%B %Y}, {local:%H:%M} {local:%Z} ({person.zone.key})"


def _rows(conn: Conn, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(query, params)
        return cur.fetchall()


def _one(conn: Conn, query: str, key: object) -> dict[str, Any] | None:
    if key is None:
        return None
    rows = _rows(conn, query, {"id": key})
    return rows[0] if rows else None


def _id(payload: dict[str, Any], key: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(payload[key]))
    except (KeyError, ValueError):
        return None


def _people(conn: Conn, ids: list[uuid.UUID | None]) -> dict[uuid.UUID, Person]:
    wanted = [i for i in ids if i is not None]
    rows = _rows(conn, PEOPLE_SQL, {"ids": wanted}) if wanted else []
    return {r["id"]: Person(r["id"], r["email"], r["display_name"], r["timezone"]) for r in rows}


def build(conn: Conn, template: str, payload: dict[str, Any], app_base_url: str) -> dict[str, Any]:
    """The template context for one job (raises PermanentError when the recipient cannot be found)."""
    base = app_base_url.rstrip("/")
    recipient_id = _id(payload, "recipient_id")
    request_id = _id(payload, "request_id")
    session_id = _id(payload, "session_id")
    role = str(payload.get("recipient_role") or "")

    request = _one(conn, REQUEST_SQL, request_id)
    session = _one(conn, SESSION_SQL, session_id)
    event_id = payload.get("event_id")
    event = _one(conn, EVENT_SQL, event_id if isinstance(event_id, int) else None)

    if session is None and session_id is not None:
        history = _rows(conn, SESSION_HISTORY_SQL, {"id": session_id})
        if history and history[0]["scheduled_at"]:
            h = history[0]
            session = {
                "id": session_id, "request_id": request_id, "scheduled_at": datetime.fromisoformat(h["scheduled_at"]),
                "duration_minutes": h["duration_minutes"], "student_id": _uuid_or_none(h["student_id"]),
                "mentor_id": _uuid_or_none(h["mentor_id"]), "meeting_type": None, "meeting_platform": None,
                "meeting_link": None, "meeting_passcode": None, "location": None, "status": "cancelled",
                "sequence": payload.get("sequence", 0), "cancelled_by": event["actor_id"] if event else None,
                "cancellation_reason": event["reason"] if event else None, "no_show_absent": None,
                "reschedule_reason": None, "title": request["title"] if request else None,
            }

    student_id = (session or {}).get("student_id") or (request or {}).get("student_id")
    mentor_id = (session or {}).get("mentor_id") or _id(payload, "mentor_id") or (request or {}).get(
        "claimed_by_mentor_id")
    people = _people(conn, [recipient_id, student_id, mentor_id, (event or {}).get("actor_id")])
    if recipient_id is None or recipient_id not in people:
        raise PermanentError("the recipient is not in private.people")
    recipient = people[recipient_id]
    if role not in ("student", "mentor"):
        role = "mentor" if recipient_id == mentor_id else "student"
    other_id = mentor_id if role == "student" else student_id
    other = people.get(other_id) if other_id else None
    title = (session or {}).get("title") or (request or {}).get("title") or "your mentorship request"

    context: dict[str, Any] = {
        "template": template,
        "recipient": recipient,
        "role": role,
        "other_name": other.name if other else ("your mentor" if role == "student" else "your student"),
        "title": title,
        "request": request,
        "payload": payload,
        "links": {"new_request": f"{base}/mentorship/requests/new"},
        "reason": None,
    }
    if request_id:
        context["links"]["request"] = f"{base}/mentorship/requests/{request_id}"
    if event:
        context["reason"] = event["reason"]
        actor = people.get(event["actor_id"]) if event["actor_id"] else None
        context["actor"] = ("you" if event["actor_id"] == recipient_id else
                            actor.name if actor else "the system" if event["actor_role"] == "system" else
                            "an administrator" if event["actor_role"] in ("admin", "service_role") else "someone")
    if request and request.get("expires_at"):
        context["expires_local"] = local_time(request["expires_at"], recipient)
    if session:
        start: datetime = session["scheduled_at"]
        minutes = int(session["duration_minutes"] or 60)
        sid = session["id"]
        join = session["meeting_link"] if _is_web_link(session["meeting_link"]) else None
        place = join or session["location"]
        context["session"] = session
        context["start_local"] = local_time(start, recipient)
        context["end_local"] = local_time(start + timedelta(minutes=minutes), recipient)
        context["minutes"] = minutes
        context["join_url"] = join
        context["links"].update({
            "session": f"{base}/mentorship/sessions/{sid}",
            "reschedule": f"{base}/mentorship/sessions/{sid}/reschedule",
            "cancel": f"{base}/mentorship/sessions/{sid}/cancel",
            "rate": f"{base}/mentorship/sessions/{sid}/rate",
        })
        student = people.get(student_id) if student_id else None
        mentor = people.get(mentor_id) if mentor_id else None
        attendees = tuple((p.name, p.email) for p in (student, mentor) if p)
        context["invite"] = Invite(
            session_id=str(sid), sequence=int(payload.get("sequence", session["sequence"]) or 0),
            start=start, minutes=minutes, title=f"Mini mentorship: {title}",
            description=f"Mini mentorship session: {title}\nDetails: {base}/mentorship/sessions/{sid}",
            organizer=(mentor.name, mentor.email) if mentor else ("Mini Mentorship", recipient.email),
            attendees=attendees, location=place, url=join,
        )
    return context


def _is_web_link(value: Any) -> bool:
    """Only http(s) links become hrefs (a `javascript:` link typed by a user never does)."""
    return isinstance(value, str) and value.lower().startswith(("https://", "http://"))


def _uuid_or_none(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None
