"""The handlers the worker uses by default, until the email issue brings real senders.

* `email` → `ConsoleEmail`: first asks `email.relevance.skip_reason()` whether the email is still worth
  sending from the current rows (a cancelled or moved session, a re-claimed request, a deleted recipient:
  `Skip(reason)`, the job is cancelled), then prints the template, the recipient's id and the payload (ids
  only; nothing is rendered or sent) and answers a message id `console-<job id>`.
* `meeting_link` → `meetings.handler.MeetingLinkHandler` with the Jitsi provider (MM_JITSI_BASE_URL). Zoom and
  Google Meet sessions have no provider yet: their jobs are failed attempts saying so, kept for an operator to
  retry once a provider is configured, never silently dropped.
"""

from __future__ import annotations

import json
import sys
from typing import IO

from pydantic import ValidationError

from ..email.relevance import skip_reason
from ..meetings.handler import MeetingLinkHandler
from ..meetings.jitsi import Jitsi, JitsiSettings
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
) -> Registry:
    """The registry `worker run` uses unless MM_WORKER_REGISTRY / --registry names another.

    `email_stream` (default stdout) is where the console email handler writes; `jitsi` overrides the
    MM_JITSI_* settings read from the environment (a bad value stops the worker at start, saying which)."""
    try:
        jitsi = jitsi or JitsiSettings()
    except ValidationError as exc:
        problems = "; ".join(f"MM_JITSI_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
        raise WorkerError(f"bad meeting setting: {problems}") from None
    return Registry({
        "email": ConsoleEmail(email_stream, payload=email_payload),
        "meeting_link": MeetingLinkHandler({"jitsi": Jitsi(jitsi)}),
    })
