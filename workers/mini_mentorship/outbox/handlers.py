"""The handlers the worker uses by default, until the email and meeting issues bring real senders.

* `email` → `console_email`: prints the template, the recipient's id and the payload (ids only; nothing is
  rendered or sent) and answers a message id `console-<job id>`.
* `meeting_link` has no handler yet: such jobs are failed attempts ("no handler registered"), kept for an
  operator to retry once a meeting provider exists, never silently dropped.
"""

from __future__ import annotations

import json
import sys
from typing import TextIO

from ..settings import WorkerSettings
from .queue import Job
from .registry import ConnectionFactory, Delivered, Outcome, Registry


class ConsoleEmail:
    """Writes one line per email job to a stream (stdout by default) instead of sending it."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    def __call__(self, job: Job, connect: ConnectionFactory) -> Outcome:
        recipient = job.payload.get("recipient_id") or job.payload.get("user_id") or "-"
        stream = self._stream or sys.stdout
        stream.write(
            f"[console email] template={job.template} recipient={recipient} "
            f"payload={json.dumps(job.payload, sort_keys=True, default=str)}\n"
        )
        stream.flush()
        return Delivered(f"console-{job.id}")


def default_registry(settings: WorkerSettings) -> Registry:
    """The registry `worker run` uses unless MM_WORKER_REGISTRY / --registry names another."""
    return Registry({"email": ConsoleEmail()})
