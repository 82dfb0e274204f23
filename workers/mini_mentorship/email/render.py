"""Templates (Jinja2, one shared layout) → subject, plain text, HTML and the calendar attachment.

Each template (`templates/<name>.jinja`) extends `_layout.jinja` and sets its subject in a `subject` block.
It is rendered twice: once with autoescape on (`part = "html"`) and once with it off for the plain-text
alternative (`part = "text"`); so user-supplied text (titles, reasons, names) is always escaped in HTML.
Scheduled and rescheduled emails attach an .ics REQUEST, cancelled ones an .ics CANCEL (same UID).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, TemplateNotFound, select_autoescape

from ..outbox.registry import PermanentError
from .calendar import google_calendar_link, ics
from .message import Attachment

TEMPLATE_DIR = Path(__file__).parent / "templates"
TEMPLATES = (
    "request_created", "request_claimed", "request_released", "request_expired", "request_cancelled",
    "session_scheduled", "session_rescheduled", "session_updated", "session_cancelled", "reminder_24h",
    "reminder_1h", "follow_up", "session_no_show", "meeting_link_failed",
)
CALENDAR_METHOD = {
    "session_scheduled": "REQUEST", "session_rescheduled": "REQUEST", "session_updated": "REQUEST",
    "session_cancelled": "CANCEL",
}


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    attachments: tuple[Attachment, ...]


class Renderer:
    def __init__(self, directory: Path = TEMPLATE_DIR) -> None:
        loader = FileSystemLoader(directory)
        self._html = Environment(loader=loader, autoescape=select_autoescape(default=True, default_for_string=True),
                                 keep_trailing_newline=True)
        self._text = Environment(loader=loader, autoescape=False, keep_trailing_newline=True)  # noqa: S701

    def render(self, template: str, context: dict[str, Any]) -> Rendered:
        if template not in TEMPLATES:
            raise PermanentError(f"no email template {template!r}")
        context = dict(context)
        invite = context.get("invite")
        method = CALENDAR_METHOD.get(template)
        attachments: tuple[Attachment, ...] = ()
        if invite is not None:
            context["google_calendar"] = google_calendar_link(invite)
            if method:
                attachments = (Attachment("invite.ics", f"text/calendar; method={method}", ics(invite, method)),)
        try:
            text_template = self._text.get_template(f"{template}.jinja")
            html_template = self._html.get_template(f"{template}.jinja")
        except TemplateNotFound:
            raise PermanentError(f"no email template {template!r}") from None
        subject_ctx = text_template.new_context({**context, "part": "text"})
        subject = " ".join("".join(text_template.blocks["subject"](subject_ctx)).split())
        text = re.sub(r"\n{3,}", "\n\n", text_template.render(**context, part="text")).strip() + "\n"
        html = html_template.render(**context, part="html")
        return Rendered(subject, text, html, attachments)
