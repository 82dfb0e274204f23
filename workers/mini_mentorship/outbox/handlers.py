"""The handlers the worker uses by default.

* `email` → `email.handler.EmailHandler` with the sender MM_EMAIL_BACKEND names (file by default: .eml files
  under MM_EMAIL_FILE_DIR): it asks `email.relevance.skip_reason()` whether the email is still worth sending
  (else `Skip(reason)`, the job is cancelled), renders it from the current rows and sends it with the job id
  as idempotency key. A missing or bad email setting stops the worker at start, naming the setting.
* `meeting_link` → `meetings.handler.MeetingLinkHandler` with the Jitsi provider (MM_JITSI_BASE_URL) and the
  Zoom, Google Meet and Teams providers whose credentials are set (MM_ZOOM_*, MM_GOOGLE_*, MM_TEAMS_*). A job
  for a platform that is not configured fails at once, saying which settings are missing, and the mentor is
  asked for a link by hand (email meeting_link_failed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, TypeVar

from pydantic import ValidationError
from pydantic_settings import BaseSettings

from ..email.backends import build_sender
from ..email.handler import EmailHandler
from ..email.settings import EmailSettings, EmailSettingsError
from ..meetings import MeetingProvider, PermanentProviderError
from ..meetings.google_meet import GoogleMeet, GoogleSettings
from ..meetings.handler import MeetingLinkHandler
from ..meetings.jitsi import Jitsi, JitsiSettings
from ..meetings.teams import Teams, TeamsSettings
from ..meetings.zoom import Zoom, ZoomSettings
from ..settings import WorkerSettings
from .registry import Registry
from .worker import WorkerError


def default_registry(
    settings: WorkerSettings,
    *,
    email: EmailSettings | None = None,
    email_stream: IO[str] | None = None,
    jitsi: JitsiSettings | None = None,
    zoom: ZoomSettings | None = None,
    google: GoogleSettings | None = None,
    teams: TeamsSettings | None = None,
) -> Registry:
    """The registry `worker run` uses unless MM_WORKER_REGISTRY / --registry names another.

    `email` overrides the MM_EMAIL_* settings read from the environment, `email_stream` (default stdout) is
    where the console sender writes; `jitsi`, `zoom`, `google` and `teams` override the MM_JITSI_* /
    MM_ZOOM_* / MM_GOOGLE_* / MM_TEAMS_* settings. A bad or missing setting stops the worker at start, saying
    which; a meeting provider without credentials is only unavailable (its jobs fail saying so)."""
    try:
        email = email or EmailSettings()
        sender = build_sender(email, stream=email_stream)
    except ValidationError as exc:
        raise WorkerError(f"bad email setting: {_problems(exc, '')}") from None
    except EmailSettingsError as exc:
        raise WorkerError(f"bad email setting: {exc}") from None

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
        "email": EmailHandler(sender, email),
        "meeting_link": MeetingLinkHandler(providers, unavailable),
    })


S = TypeVar("S", bound=BaseSettings)


def _problems(exc: ValidationError, prefix: str) -> str:
    """`NAME: message; …` for each bad field; with a prefix the names are the environment variables."""
    names = [prefix + "_".join(map(str, e["loc"])).upper() if prefix else ".".join(map(str, e["loc"]))
             for e in exc.errors()]
    return "; ".join(f"{name}: {e['msg']}" for name, e in zip(names, exc.errors(), strict=True))


def _settings(kind: type[S], prefix: str) -> S:
    """Settings from the environment; a bad value is a WorkerError naming the variable."""
    try:
        return kind()
    except ValidationError as exc:
        raise WorkerError(f"bad meeting setting: {_problems(exc, prefix)}") from None
