"""The outbox handler of `meeting_link` jobs: create the session's meeting and write its link.

A job (payload `session_id`, `sequence`) is queued for a virtual Jitsi / Zoom / Google Meet session without a
link, once per session version. When it runs, the handler reads the session as it is now:

* no longer scheduled or in progress, moved to a newer version (that version has its own job), already given a
  link, or no longer a virtual meeting: `Skip(reason)`, the job is cancelled and nothing is created;
* a platform with no configured provider: a failed attempt saying so (retried, then `failed`; never dropped);
* otherwise the provider creates the meeting and the link is written with `… where meeting_link is null`
  (and the session still at that version): two workers can never both give a session a link. The loser deletes
  the meeting it made and skips. Writing the link makes the notification trigger queue `session_scheduled`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import psycopg
from psycopg.rows import dict_row

from ..outbox.queue import Job
from ..outbox.registry import ConnectionFactory, Delivered, Outcome, PermanentError, Skip
from . import MeetingDetails, MeetingProvider, MeetingSession

LINK_PLATFORMS = ("jitsi", "zoom", "google-meet")  # what private.session_awaits_link() queues jobs for

SESSION_SQL = """
select
    s.id, s.status, s.sequence, s.meeting_type, s.meeting_platform, s.meeting_link,
    s.scheduled_at, s.duration_minutes, s.timezone, r.title
from public.mini_mentorship_sessions as s
join public.mini_mentorship_requests as r on r.id = s.request_id
where s.id = %(id)s
"""

WRITE_LINK_SQL = """
update public.mini_mentorship_sessions
set meeting_link = %(link)s, meeting_id = %(meeting_id)s, meeting_passcode = %(passcode)s
where
    id = %(id)s
    and meeting_link is null
    and status in ('scheduled', 'in-progress')
    and sequence = %(sequence)s
    and meeting_type = 'virtual'
    and meeting_platform = %(platform)s
returning id
"""


class NoProviderError(RuntimeError):
    """The session's platform has no configured provider: a failed attempt, kept for an operator."""


def stale_reason(session: dict[str, Any] | None, sequence: int) -> str | None:
    """Why a link must not be made for this session (as read now) at this version; None when it must."""
    if session is None:
        return "the session no longer exists"
    if session["status"] == "cancelled":
        return "the session was cancelled"
    if session["status"] not in ("scheduled", "in-progress"):
        return f"the session is already {session['status']}"
    if session["sequence"] != sequence:
        return "the session was moved: the job of its new version makes the link"
    if session["meeting_link"] is not None:
        return "the session already has a link"
    if session["meeting_type"] != "virtual" or session["meeting_platform"] not in LINK_PLATFORMS:
        return f"the session no longer needs a link ({session['meeting_type']}, {session['meeting_platform']})"
    return None


class MeetingLinkHandler:
    """Handles `meeting_link` jobs with the providers given by platform (e.g. {"jitsi": Jitsi(...)})."""

    def __init__(self, providers: Mapping[str, MeetingProvider]) -> None:
        self._providers = dict(providers)

    def __call__(self, job: Job, connect: ConnectionFactory) -> Outcome:
        session_id, sequence = _ids(job)
        with connect() as conn:
            session = _load(conn, session_id)
            reason = stale_reason(session, sequence)
            if reason or session is None:
                return Skip(reason or "the session no longer exists")
            platform = str(session["meeting_platform"])
            provider = self._providers.get(platform)
            if provider is None:
                raise NoProviderError(
                    f"no provider configured for {platform} yet; configure one, then "
                    "`mini-mentorship outbox retry` this job"
                )
            details = provider.create(_meeting_session(session))
            if _write(conn, session_id, sequence, platform, details):
                return Delivered(f"{platform}:{details.meeting_id}")
            provider.delete(details)  # another writer got there first: our meeting is not needed
            return Skip(stale_reason(_load(conn, session_id), sequence)
                        or "the session changed while its link was being made")


def _ids(job: Job) -> tuple[uuid.UUID, int]:
    try:
        session_id = uuid.UUID(str(job.payload["session_id"]))
    except (KeyError, ValueError):
        raise PermanentError("the payload has no valid session_id") from None
    sequence = job.payload.get("sequence")
    if isinstance(sequence, bool) or not isinstance(sequence, int):
        raise PermanentError("the payload has no valid sequence")
    return session_id, sequence


def _load(conn: psycopg.Connection[Any], session_id: uuid.UUID) -> dict[str, Any] | None:
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(SESSION_SQL, {"id": session_id})
        return cur.fetchone()


def _meeting_session(row: dict[str, Any]) -> MeetingSession:
    return MeetingSession(
        id=row["id"], title=row["title"], scheduled_at=row["scheduled_at"],
        duration_minutes=row["duration_minutes"], timezone=row["timezone"], platform=row["meeting_platform"],
    )


def _write(conn: psycopg.Connection[Any], session_id: uuid.UUID, sequence: int, platform: str,
           details: MeetingDetails) -> bool:
    """Write the link if the session still has none and is still at `sequence`; whether it was written."""
    params = {"id": session_id, "sequence": sequence, "platform": platform, "link": details.link,
              "meeting_id": details.meeting_id, "passcode": details.passcode}
    return conn.execute(WRITE_LINK_SQL, params).fetchone() is not None
