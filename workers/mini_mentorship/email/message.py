"""One email as the senders take it: addresses, subject, text and HTML bodies, attachments (the .ics)."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # e.g. "text/calendar; method=REQUEST"
    data: bytes


@dataclass(frozen=True)
class Message:
    """A rendered email. `to` is one address (one job = one recipient)."""

    sender: str
    to: str
    subject: str
    text: str
    html: str
    reply_to: str | None = None
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)

    def to_mime(self, message_id: str | None = None) -> EmailMessage:
        """The message as MIME: multipart/alternative (text, HTML) plus attachments, headers set."""
        mime = EmailMessage()
        mime["From"] = self.sender
        mime["To"] = self.to
        mime["Subject"] = self.subject
        mime["Date"] = formatdate(localtime=False, usegmt=True)
        mime["Message-ID"] = message_id or make_msgid(domain="mini-mentorship.local")
        if self.reply_to:
            mime["Reply-To"] = self.reply_to
        mime.set_content(self.text)
        mime.add_alternative(self.html, subtype="html")
        for item in self.attachments:
            maintype, _, rest = item.content_type.partition("/")
            subtype, _, params = rest.partition(";")
            extra = dict(
                (k.strip(), v.strip()) for k, v in (p.split("=", 1) for p in params.split(";") if "=" in p)
            )
            mime.add_attachment(item.data, maintype=maintype, subtype=subtype.strip(), filename=item.filename,
                                params=extra)
        return mime
