"""The handlers the worker uses by default, until the email issue brings real senders.

* `email` → `ConsoleEmail`: first asks `email.relevance.skip_reason()` whether the email is still worth
  sending from the current rows (a cancelled or moved session, a re-claimed request, a deleted recipient:
  `Skip(reason)`, the job is cancelled), then prints the template, the recipient's id and the payload (ids
  only; nothing is rendered or sent) and answers a message id `console-<job id>`.
* `meeting_link` → `meetings.handler.MeetingLinkHandler` with the Jitsi provider (MM_JITSI_BASE_URL) and the
  Zoom, Google Meet and Teams providers whose credentials are set (MM_ZOOM_*, MM_GOOGLE_*, MM_TEAMS_*). A job
  for a platform that is not configured fails at once, saying which settings are missing, and the mentor is
  asked for a link by hand (email meeting_link_failed).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import IO, TypeVar

from pydantic import ValidationError
from pydantic_settings import BaseSettings

from ..email.relevance import skip_reason
from ..meetings import MeetingProvider, PermanentProviderError
from ..meetings.google_meet import GoogleMeet, GoogleSettings
from ..meetings.handler import MeetingLinkHandler
from ..meetings.jitsi import Jitsi, JitsiSettings
from ..meetings.teams import Teams, TeamsSettings
from ..meetings.zoom import Zoom, ZoomSettings
from ..settings import WorkerSettings
from .queue import Job
from .registry import ConnectionFactory, Delivered, Outcome, Registry, Skip
from .worker import WorkerError


class ConsoleEmail:
    """Writes one line per email still worth sending to a stream (stdout by default) instead of sending it.

    `payload=False` leaves the payload out of the line (the demo's short output)."""

    def __init__(self, stream: IO[str] | None = None, *, payload: bool = True) -> None:
        self._stream = stream
        self._payload = payload

    def __call__(self, job: Job, connect: ConnectionFactory) -> Outcome:
        with connect() as conn:
            reason = skip_reason(conn, job.template, job.payload)
        if reason is not None:
            return Skip(reason)
        stream = self._stream or sys.stdout
        line = f"[console email] template={job.template} recipient={job.payload['recipient_id']}"
        if self._payload:
            line += f" payload={json.dumps(job.payload, sort_keys=True, default=str)}"
        stream.write(line + "\n")
        stream.flush()
        return Delivered(f"console-{job.id}")


def default_registry(
    settings: WorkerSettings,
    *,
    email_stream: IO[str] | None = None,
    email_payload: bool = True,
    jitsi: JitsiSettings | None = None,
    zoom: ZoomSettings | None = None,
    google: GoogleSettings | None = None,
    teams: TeamsSettings | None = None,
) -> Registry:
    """The registry `worker run` uses unless MM_WORKER_REGISTRY / --registry names another.

    `email_stream` (default stdout) is where the console email handler writes; `jitsi`, `zoom`, `google` and
    `teams` override the MM_JITSI_* / MM_ZOOM_* / MM_GOOGLE_* / MM_TEAMS_* settings read from the environment
    (a bad value stops the worker at start, saying which)."""
    jitsi = jitsi or _settings(JitsiSettings, "MM_JITSI_")
    providers: dict[str, MeetingProvider] = {"jitsi": Jitsi(jitsi)}
    unavailable: dict[str, str] = {}
    candidates: list[tuple[str, Callable[[], MeetingProvider]]] = [
        ("zoom", lambda: Zoom(zoom or _settings(ZoomSettings, "MM_ZOOM_"))),
        ("google-meet", lambda: GoogleMeet(google or _settings(GoogleSettings, "MM_GOOGLE_"))),
        ("teams", lambda: Teams(teams or _settings(TeamsSettings, "MM_TEAMS_"))),
    ]
    for platform, build in candidates:
        try:
            providers[platform] = build()
        except PermanentProviderError as exc:  # not configured: its jobs fail saying so, the mentor is told
            unavailable[platform] = str(exc)
    return Registry({
        "email": ConsoleEmail(email_stream, payload=email_payload),
        "meeting_link": MeetingLinkHandler(providers, unavailable),
    })


S = TypeVar("S", bound=BaseSettings)


def _settings(kind: type[S], prefix: str) -> S:
    """Settings from the environment; a bad value is a WorkerError naming the variable."""
    try:
        return kind()
    except ValidationError as exc:
        problems = "; ".join(f"{prefix}{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
        raise WorkerError(f"bad meeting setting: {problems}") from None
