"""The email job handler: relevance check → render from the current rows → send → Delivered(provider id).

For every email job the worker claims:

1. `relevance.skip_reason()` decides from the current rows whether it is still worth sending (else `Skip`);
2. `context.build()` reads the recipient (private.people), the other participant, request and session, and
   `Renderer` renders the template (subject, text, HTML, .ics);
3. the sender sends it with the job id as idempotency key (Resend's `Idempotency-Key`, the SMTP Message-ID,
   the .eml's name), so a retried job never reaches a person twice;
4. for reminders, `reminder_24hr_sent_at` / `reminder_1hr_sent_at` is set once the provider accepted it.
"""

from __future__ import annotations

import logging

from ..outbox.logs import LOGGER_NAME
from ..outbox.queue import Job
from ..outbox.registry import ConnectionFactory, Delivered, Outcome, PermanentError, Skip
from . import context as contexts
from .backends import Sender
from .message import Message
from .relevance import skip_reason
from .render import Renderer
from .settings import EmailSettings

_SENT_WHERE = (
    "where id = %(id)s and sequence = %(sequence)s "
    "and (%(start)s::timestamptz is null or scheduled_at = %(start)s::timestamptz)"
)
REMINDER_SENT_SQL = {
    "reminder_24h": "update public.mini_mentorship_sessions set reminder_24hr_sent_at = now() " + _SENT_WHERE,
    "reminder_1h": "update public.mini_mentorship_sessions set reminder_1hr_sent_at = now() " + _SENT_WHERE,
}


class EmailHandler:
    def __init__(self, sender: Sender, settings: EmailSettings, renderer: Renderer | None = None) -> None:
        self.sender = sender
        self.settings = settings
        self.renderer = renderer or Renderer()
        self._log = logging.getLogger(LOGGER_NAME)

    def message(self, job: Job, connect: ConnectionFactory) -> Message | Skip:
        """The rendered message of a job still worth sending, else Skip (no sending)."""
        if not job.template:
            raise PermanentError("an email job needs a template")
        with connect() as conn:
            reason = skip_reason(conn, job.template, job.payload)
            if reason is not None:
                return Skip(reason)
            context = contexts.build(conn, job.template, dict(job.payload), self.settings.app_base_url)
        rendered = self.renderer.render(job.template, context)
        return Message(
            sender=self.settings.sender, to=context["recipient"].email, subject=rendered.subject,
            text=rendered.text, html=rendered.html, reply_to=self.settings.reply_to,
            attachments=rendered.attachments,
        )

    def __call__(self, job: Job, connect: ConnectionFactory) -> Outcome:
        message = self.message(job, connect)
        if isinstance(message, Skip):
            return message
        provider_id = self.sender.send(message, str(job.id))
        sent_sql = REMINDER_SENT_SQL.get(job.template or "")
        if sent_sql:
            with connect() as conn:
                conn.execute(sent_sql, {"id": str(job.payload["session_id"]), "sequence": job.payload["sequence"],
                                        "start": job.payload.get("scheduled_at")})
        return Delivered(provider_id)
