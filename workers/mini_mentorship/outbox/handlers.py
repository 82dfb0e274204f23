"""The handlers the worker uses by default.

* `email` → `email.handler.EmailHandler` with the sender MM_EMAIL_BACKEND names (file by default: .eml files
  under MM_EMAIL_FILE_DIR): it asks `email.relevance.skip_reason()` whether the email is still worth sending
  (else `Skip(reason)`, the job is cancelled), renders it from the current rows and sends it with the job id
  as idempotency key. A missing or bad email setting stops the worker at start, naming the setting.
* `meeting_link` → `meetings.handler.MeetingLinkHandler` with the Jitsi provider (MM_JITSI_BASE_URL). Zoom and
  Google Meet sessions have no provider yet: their jobs are failed attempts saying so, kept for an operator to
  retry once a provider is configured, never silently dropped.
"""

from __future__ import annotations

from typing import IO

from pydantic import ValidationError

from ..email.backends import build_sender
from ..email.handler import EmailHandler
from ..email.settings import EmailSettings, EmailSettingsError
from ..meetings.handler import MeetingLinkHandler
from ..meetings.jitsi import Jitsi, JitsiSettings
from ..settings import WorkerSettings
from .registry import Registry
from .worker import WorkerError


def default_registry(
    settings: WorkerSettings,
    *,
    email: EmailSettings | None = None,
    email_stream: IO[str] | None = None,
    jitsi: JitsiSettings | None = None,
) -> Registry:
    """The registry `worker run` uses unless MM_WORKER_REGISTRY / --registry names another.

    `email` overrides the MM_EMAIL_* settings read from the environment, `email_stream` (default stdout) is
    where the console sender writes; `jitsi` overrides the MM_JITSI_* settings read from the environment. A
    bad or missing setting stops the worker at start, saying which."""
    try:
        email = email or EmailSettings()
        sender = build_sender(email, stream=email_stream)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise WorkerError(f"bad email setting: {problems}") from None
    except EmailSettingsError as exc:
        raise WorkerError(f"bad email setting: {exc}") from None
    try:
        jitsi = jitsi or JitsiSettings()
    except ValidationError as exc:
        problems = "; ".join(f"MM_JITSI_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
        raise WorkerError(f"bad meeting setting: {problems}") from None
    return Registry({
        "email": EmailHandler(sender, email),
        "meeting_link": MeetingLinkHandler({"jitsi": Jitsi(jitsi)}),
    })
