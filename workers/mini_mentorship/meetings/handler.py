"""The outbox handler of `meeting_link` jobs: create, move and delete the provider meeting of a session.

A job's payload says what to do (`action`, default `create`):

* `create` (`session_id`, `sequence`): queued for a virtual Jitsi / Zoom / Google Meet / Teams session without
  a link, once per session version. The handler reads the session as it is now:
  - no longer scheduled or in progress, moved to a newer version (that version has its own job), already given
    a link, or no longer a virtual meeting: `Skip(reason)`, the job is cancelled and nothing is created;
  - a provider that is not idempotent (Zoom, `Recoverable`) gets a row in private.meeting_creations
    (committed) before the call; a later attempt that finds the row first looks the meeting up by its marker;
  - the link is written with `… where meeting_link is null` (and the session still at that version): two
    workers can never both give a session a link. The loser deletes the meeting it made and skips. Writing the
    link makes the notification trigger queue `session_scheduled`, so the emails carry the link.
* `move` (`session_id`, `sequence`, `platform`, `meeting_id`): the session was rescheduled; the provider's
  meeting is moved unless the session moved again (the newer job moves it), was cancelled, or uses another
  meeting now (`Skip`).
* `delete` (`platform`, `meeting_id`): the session was cancelled or deleted, or its meeting replaced: the
  provider's meeting is deleted unless the session still uses it (`Skip`).

Failures: a provider's `TransientProviderError` (5xx, 429, timeouts) propagates, so the queue retries with
backoff. A `PermanentProviderError` (400/401/403) or a platform with no configured provider fails the job at
once (`PermanentError`) after queuing the `meeting_link_failed` email to the mentor (create and move only:
the mentor then adds a link by hand). Each job is handled on its own, so one provider's outage holds up only
its own jobs.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from typing import Any, NoReturn

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from ..outbox.queue import Job
from ..outbox.registry import ConnectionFactory, Delivered, Outcome, PermanentError, Skip
from . import MeetingDetails, MeetingProvider, MeetingSession, PermanentProviderError, Recoverable

LINK_PLATFORMS = ("jitsi", "zoom", "google-meet", "teams")  # what private.session_awaits_link() queues jobs for
FAILED_TEMPLATE = "meeting_link_failed"

log = logging.getLogger(__name__)

SESSION_SQL = """
select
    s.id, s.status, s.sequence, s.meeting_type, s.meeting_platform, s.meeting_link, s.meeting_id,
    s.meeting_passcode, s.mentor_id, s.scheduled_at, s.duration_minutes, s.timezone, r.title
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

REWRITE_LINK_SQL = """
update public.mini_mentorship_sessions
set meeting_link = %(link)s, meeting_passcode = %(passcode)s
where id = %(id)s and sequence = %(sequence)s and meeting_id = %(meeting_id)s
    and (meeting_link, meeting_passcode) is distinct from (%(link)s, %(passcode)s)
"""

RECORD_CREATE_SQL = """
insert into private.meeting_creations (session_id, sequence, platform)
values (%(id)s, %(sequence)s, %(platform)s)
on conflict (session_id, sequence) do nothing
returning session_id
"""

FORGET_CREATE_SQL = "delete from private.meeting_creations where session_id = %(id)s and sequence = %(sequence)s"

FAILED_EMAIL_SQL = "select private.enqueue_email(%(template)s, %(mentor)s, %(purpose)s, %(payload)s)"


class NoProviderError(PermanentError):
    """The session's platform has no configured provider: the job fails and the mentor is asked for a link."""


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


def move_stale_reason(session: dict[str, Any] | None, sequence: int, meeting_id: str) -> str | None:
    """Why a move job must not move the meeting (the session as read now); None when it must."""
    if session is None:
        return "the session no longer exists"
    if session["status"] != "scheduled":
        return f"the session is {session['status']}: nothing to move"
    if session["sequence"] != sequence:
        return "the session moved again: the job of its new version moves the meeting"
    if session["meeting_id"] != meeting_id:
        return "the session uses another meeting now"
    return None


class MeetingLinkHandler:
    """Handles `meeting_link` jobs with the providers given by platform (e.g. {"jitsi": Jitsi(...)}).

    `unavailable` maps a platform to why it has no provider (e.g. "Zoom is not configured: set MM_ZOOM_…");
    a platform in neither mapping is "not configured"."""

    def __init__(self, providers: Mapping[str, MeetingProvider],
                 unavailable: Mapping[str, str] | None = None) -> None:
        self._providers = dict(providers)
        self._unavailable = dict(unavailable or {})

    def __call__(self, job: Job, connect: ConnectionFactory) -> Outcome:
        action = job.payload.get("action", "create")
        session_id, sequence = _ids(job)
        with connect() as conn:
            if action == "create":
                return self._create(conn, session_id, sequence)
            if action == "move":
                return self._move(conn, session_id, sequence, _text(job, "meeting_id"))
            if action == "delete":
                return self._delete(conn, session_id, _text(job, "platform"), _text(job, "meeting_id"))
        raise PermanentError(f"unknown meeting_link action {action!r}")

    # --- actions -------------------------------------------------------------------------------------------

    def _create(self, conn: psycopg.Connection[Any], session_id: uuid.UUID, sequence: int) -> Outcome:
        session = _load(conn, session_id)
        reason = stale_reason(session, sequence)
        if reason or session is None:
            self._remove_orphan(conn, session, sequence)
            return Skip(reason or "the session no longer exists")
        platform = str(session["meeting_platform"])
        provider = self._provider(conn, session, sequence, platform)
        meeting = _meeting_session(session, sequence)
        try:
            details = None
            if isinstance(provider, Recoverable):  # not idempotent: record the create before it can happen
                params = {"id": session_id, "sequence": sequence, "platform": platform}
                if conn.execute(RECORD_CREATE_SQL, params).fetchone() is None:
                    details = provider.find(meeting)  # an earlier attempt may have made it
                    if details is not None:
                        log.info("found the %s meeting an earlier attempt made for session %s", platform, session_id)
            if details is None:
                details = provider.create(meeting)
        except PermanentProviderError as exc:
            self._give_up(conn, session, sequence, str(exc))
        forget = {"id": session_id, "sequence": sequence}
        with conn.transaction():
            written = _write(conn, session_id, sequence, platform, details)
            if written:
                conn.execute(FORGET_CREATE_SQL, forget)
        if written:
            return Delivered(f"{platform}:{details.meeting_id}")
        # Another writer got there first, or the session changed: not needed. The record of the create is
        # kept until the meeting is deleted, so a retry after a failed delete still finds and deletes it.
        provider.delete(details)
        conn.execute(FORGET_CREATE_SQL, forget)
        return Skip(stale_reason(_load(conn, session_id), sequence)
                    or "the session changed while its link was being made")

    def _move(self, conn: psycopg.Connection[Any], session_id: uuid.UUID, sequence: int,
              meeting_id: str) -> Outcome:
        session = _load(conn, session_id)
        reason = move_stale_reason(session, sequence, meeting_id)
        if reason or session is None:
            return Skip(reason or "the session no longer exists")
        platform = str(session["meeting_platform"])
        provider = self._provider(conn, session, sequence, platform)
        current = MeetingDetails(session["meeting_link"] or "", meeting_id, session["meeting_passcode"])
        try:
            moved = provider.move(_meeting_session(session, sequence), current)
        except PermanentProviderError as exc:
            self._give_up(conn, session, sequence, str(exc))
        if moved != current:
            conn.execute(REWRITE_LINK_SQL, {"id": session_id, "sequence": sequence, "meeting_id": meeting_id,
                                            "link": moved.link, "passcode": moved.passcode})
        return Delivered(f"{platform}:{meeting_id}:moved")

    def _delete(self, conn: psycopg.Connection[Any], session_id: uuid.UUID, platform: str,
                meeting_id: str) -> Outcome:
        session = _load(conn, session_id)
        if (session is not None and session["status"] in ("scheduled", "in-progress")
                and session["meeting_platform"] == platform and session["meeting_id"] == meeting_id):
            return Skip("the session still uses this meeting")
        provider = self._providers.get(platform)
        if provider is None:
            raise NoProviderError(self._why_missing(platform) + f"; delete {platform} meeting {meeting_id} by hand")
        try:
            provider.delete(MeetingDetails(link="", meeting_id=meeting_id))
        except PermanentProviderError as exc:
            raise PermanentError(str(exc)) from None
        return Delivered(f"{platform}:{meeting_id}:deleted")

    # --- helpers -------------------------------------------------------------------------------------------

    def _provider(self, conn: psycopg.Connection[Any], session: dict[str, Any], sequence: int,
                  platform: str) -> MeetingProvider:
        provider = self._providers.get(platform)
        if provider is None:
            self._give_up(conn, session, sequence, self._why_missing(platform), NoProviderError)
        return provider

    def _remove_orphan(self, conn: psycopg.Connection[Any], session: dict[str, Any] | None, sequence: int) -> None:
        """A create recorded in flight for a session that no longer needs it: delete what it may have made."""
        if session is None:
            return  # the record went with the session (on delete cascade); nothing left to look it up by
        row = conn.execute(FORGET_CREATE_SQL + " returning platform", {"id": session["id"], "sequence": sequence})
        recorded = row.fetchone()
        provider = self._providers.get(str(recorded[0])) if recorded else None
        if not isinstance(provider, Recoverable):
            return
        found = provider.find(_meeting_session(session, sequence))
        if found is not None and found.meeting_id != session["meeting_id"]:
            log.info("deleting the meeting an interrupted attempt made for session %s", session["id"])
            provider.delete(found)

    def _why_missing(self, platform: str) -> str:
        return self._unavailable.get(platform) or f"no provider is configured for {platform}"

    def _give_up(self, conn: psycopg.Connection[Any], session: dict[str, Any], sequence: int, reason: str,
                 error: type[PermanentError] = PermanentError) -> NoReturn:
        """Ask the mentor for a link by hand (email meeting_link_failed), then fail the job: never returns."""
        conn.execute(FAILED_EMAIL_SQL, {
            "template": FAILED_TEMPLATE, "mentor": session["mentor_id"],
            "purpose": f"{session['id']}:{sequence}",
            "payload": Jsonb({
                "session_id": str(session["id"]), "sequence": sequence, "reason": reason,
                # a session that has a link was being moved: its meeting may still be at the old time
                "action": "move" if session["meeting_link"] else "create",
            }),
        })
        log.warning("no %s meeting for session %s: %s (the mentor is asked for a link)",
                    session["meeting_platform"], session["id"], reason)
        raise error(reason)


def _ids(job: Job) -> tuple[uuid.UUID, int]:
    try:
        session_id = uuid.UUID(str(job.payload["session_id"]))
    except (KeyError, ValueError):
        raise PermanentError("the payload has no valid session_id") from None
    sequence = job.payload.get("sequence")
    if isinstance(sequence, bool) or not isinstance(sequence, int):
        raise PermanentError("the payload has no valid sequence")
    return session_id, sequence


def _text(job: Job, key: str) -> str:
    value = job.payload.get(key)
    if not isinstance(value, str) or not value or len(value) > 1024:
        raise PermanentError(f"the payload has no valid {key}")
    return value


def _load(conn: psycopg.Connection[Any], session_id: uuid.UUID) -> dict[str, Any] | None:
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(SESSION_SQL, {"id": session_id})
        return cur.fetchone()


def _meeting_session(row: dict[str, Any], sequence: int) -> MeetingSession:
    return MeetingSession(
        id=row["id"], title=row["title"], scheduled_at=row["scheduled_at"],
        duration_minutes=row["duration_minutes"], timezone=row["timezone"], platform=row["meeting_platform"],
        sequence=sequence,
    )


def _write(conn: psycopg.Connection[Any], session_id: uuid.UUID, sequence: int, platform: str,
           details: MeetingDetails) -> bool:
    """Write the link if the session still has none and is still at `sequence`; whether it was written."""
    params = {"id": session_id, "sequence": sequence, "platform": platform, "link": details.link,
              "meeting_id": details.meeting_id, "passcode": details.passcode}
    return conn.execute(WRITE_LINK_SQL, params).fetchone() is not None
