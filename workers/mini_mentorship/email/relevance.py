"""Is a queued email still worth sending? Decided from the current rows, when the job runs.

The database queues an email in the transaction that causes it; by the time a worker picks it up, its subject
may have moved on (the session was cancelled or moved, the claim was released and the request re-claimed, the
recipient deleted their account). `skip_reason()` answers None (send it) or the reason to cancel the job;
the handler returns `Skip(reason)` and the queue records it (`cancelled`, reason in `last_error`).

Rules by template (payloads: docs/operations.md, "Notifications queued by the database"):

* every template: the recipient still exists (`private.people`);
* `session_scheduled`, `session_rescheduled`, `session_updated` (new meeting details): the session exists, is
  scheduled or in progress, and is still at the version (`sequence`) the notice announces;
* `reminder_24h`, `reminder_1h`: the session is scheduled, at the same version, starts at the time the
  reminder was queued for (`scheduled_at`), and has not started yet as of the later of now() and the tick's
  time (`as_of`: a tick run with `--now` in the future, for a demo or test, is judged at that time too);
* `meeting_link_failed` (to the mentor): the session is scheduled or in progress, at the same version, and
  still has no meeting link (once someone added one, the request to add it is moot);
* `follow_up`: the session is completed;
* `request_claimed`: the request is still held (claimed, scheduled or completed) by the mentor who claimed it
  (`mentor_id`) under the same claim: its `release_count` is the one it had when the email was queued;
* `session_cancelled`, `session_no_show`, `request_created`, `request_released`, `request_expired`,
  `request_cancelled` report a fact that stays true: sent whatever happened since (a cancellation must reach
  the other party even when an account deletion removed the session; the payload's `event_id` names the audit
  row to render it from).

A job whose payload lacks an id its rule needs, or whose template has no rule, raises `PermanentError`: it can
never be decided, so it fails for an operator to look at instead of being sent or dropped blindly.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row

from ..outbox.registry import PermanentError

RECIPIENT_DELETED = "recipient's account was deleted"
SESSION_GONE = "the session no longer exists"
SESSION_CANCELLED = "the session was cancelled"
SESSION_MOVED = "the session was moved"
SESSION_STARTED = "the session has already started"
REQUEST_GONE = "the request no longer exists"
CLAIM_RELEASED = "the claim was released"
REQUEST_RECLAIMED = "the request was re-claimed"

# Templates that report a fact: only the recipient must still exist.
FACTS = frozenset({
    "request_created", "request_released", "request_expired", "request_cancelled",
    "session_cancelled", "session_no_show",
})

PERSON_SQL = "select exists (select from private.people where id = %(id)s) as found"
SESSION_SQL = (
    "select status, sequence, scheduled_at, scheduled_at > now() as upcoming, meeting_link "
    "from public.mini_mentorship_sessions where id = %(id)s"
)
# The reminder's session, judged as of the later of now() and the tick's `as_of`.
REMINDER_SQL = (
    "select status, sequence, scheduled_at, "
    "scheduled_at > greatest(now(), coalesce(%(as_of)s::timestamptz, now())) as upcoming "
    "from public.mini_mentorship_sessions where id = %(id)s"
)
LINK_ADDED = "the session has a meeting link now"
REQUEST_SQL = (
    "select status, claimed_by_mentor_id, release_count from public.mini_mentorship_requests where id = %(id)s"
)

Conn = psycopg.Connection[Any]
Payload = Mapping[str, Any]


def skip_reason(conn: Conn, template: str | None, payload: Payload) -> str | None:
    """None when the email `template` with this payload is still worth sending now, else why not."""
    if not template:
        raise PermanentError("an email job needs a template")
    rule = RULES.get(template)
    if rule is None and template not in FACTS:
        raise PermanentError(f"no relevance rule for email template {template!r}")
    if not _one(conn, PERSON_SQL, _uuid(payload, "recipient_id"))["found"]:
        return RECIPIENT_DELETED
    return rule(conn, payload) if rule else None


# --- rules ---------------------------------------------------------------------------------------------------


def _session_notice(conn: Conn, payload: Payload) -> str | None:
    """session_scheduled / session_rescheduled / session_updated: the session is live, at the announced version."""
    session = _one(conn, SESSION_SQL, _uuid(payload, "session_id"))
    if not session:
        return SESSION_GONE
    if session["status"] == "cancelled":
        return SESSION_CANCELLED
    if session["status"] not in ("scheduled", "in-progress"):
        return f"the session is already {session['status']}"
    if session["sequence"] != _int(payload, "sequence"):
        return SESSION_MOVED
    return None


def _reminder(conn: Conn, payload: Payload) -> str | None:
    """reminder_24h / reminder_1h: the session is scheduled, at the same version and time, and still ahead."""
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(REMINDER_SQL, {"id": _uuid(payload, "session_id"), "as_of": payload.get("as_of")})
        session = cur.fetchone() or {}
    if not session:
        return SESSION_GONE
    if session["status"] == "cancelled":
        return SESSION_CANCELLED
    if session["status"] == "in-progress":
        return SESSION_STARTED
    if session["status"] != "scheduled":
        return f"the session is already {session['status']}"
    if session["sequence"] != _int(payload, "sequence"):
        return SESSION_MOVED
    if "scheduled_at" in payload and session["scheduled_at"] != _time(payload, "scheduled_at"):
        return SESSION_MOVED
    if not session["upcoming"]:
        return SESSION_STARTED
    return None


def _meeting_link_failed(conn: Conn, payload: Payload) -> str | None:
    """meeting_link_failed: the session is live at the same version and, when its link could not be created
    (action create), still has none; when its meeting could not be moved (action move), the mentor must fix
    the link the session already has."""
    reason = _session_notice(conn, payload)
    if reason is not None:
        return reason
    if payload.get("action") != "move" and _one(conn, SESSION_SQL, _uuid(payload, "session_id"))["meeting_link"]:
        return LINK_ADDED
    return None


def _follow_up(conn: Conn, payload: Payload) -> str | None:
    """follow_up: the session is completed (rate it)."""
    session = _one(conn, SESSION_SQL, _uuid(payload, "session_id"))
    if not session:
        return SESSION_GONE
    if session["status"] != "completed":
        return f"the session is {session['status']}, not completed"
    return None


def _request_claimed(conn: Conn, payload: Payload) -> str | None:
    """request_claimed: the same claim still holds the request (same mentor, same release count)."""
    request = _one(conn, REQUEST_SQL, _uuid(payload, "request_id"))
    if not request:
        return REQUEST_GONE
    if request["status"] == "open":
        return CLAIM_RELEASED
    if request["status"] not in ("claimed", "scheduled", "completed"):
        return f"the request was {request['status']}"
    if (
        request["claimed_by_mentor_id"] != _uuid(payload, "mentor_id")
        or request["release_count"] != _int(payload, "release_count")
    ):
        return REQUEST_RECLAIMED
    return None


Rule = Callable[[Conn, Payload], str | None]
RULES: dict[str, Rule] = {
    "session_scheduled": _session_notice,
    "session_rescheduled": _session_notice,
    "session_updated": _session_notice,
    "reminder_24h": _reminder,
    "reminder_1h": _reminder,
    "follow_up": _follow_up,
    "request_claimed": _request_claimed,
    "meeting_link_failed": _meeting_link_failed,
}


# --- reading the payload and the rows ------------------------------------------------------------------------


def _uuid(payload: Payload, key: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(payload[key]))
    except (KeyError, ValueError):
        raise PermanentError(f"the payload has no valid {key}") from None


def _int(payload: Payload, key: str) -> int:
    value = payload.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise PermanentError(f"the payload has no valid {key}")
    return value


def _time(payload: Payload, key: str) -> datetime:
    try:
        return datetime.fromisoformat(str(payload[key]))
    except (KeyError, ValueError):
        raise PermanentError(f"the payload has no valid {key}") from None


def _one(conn: Conn, query: str, subject: uuid.UUID) -> dict[str, Any]:
    """The one row of `query` for this id, or {} when there is none."""
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(query, {"id": subject})
        return cur.fetchone() or {}
