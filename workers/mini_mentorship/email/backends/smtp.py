"""The SMTP sender (stdlib smtplib): STARTTLS (default, port 587), implicit TLS (`ssl`, 465) or plain.

One connection per message (a worker sends a few per second at most). The Message-ID is derived from the
idempotency key, so a retry that reaches the server twice carries the same id (mail systems can drop the
duplicate). 5xx replies (the server refused the message or a recipient) fail the job at once; 4xx replies,
timeouts and connection errors are retried by the queue.
"""

from __future__ import annotations

import smtplib
import ssl

from ...outbox.registry import PermanentError
from ..message import Message
from ..pacing import Pacer
from ..settings import SmtpSecurity


class SmtpSender:
    name = "smtp"

    def __init__(self, host: str, port: int, *, security: SmtpSecurity = "starttls", user: str | None = None,
                 password: str | None = None, timeout: float = 10.0, pacer: Pacer | None = None,
                 tls_context: ssl.SSLContext | None = None) -> None:
        self.host = host
        self.port = port
        self.security = security
        self._user = user
        self._password = password
        self._timeout = timeout
        self._pacer = pacer
        self._context = tls_context or ssl.create_default_context()

    def _connect(self) -> smtplib.SMTP:
        if self.security == "ssl":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self._timeout, context=self._context)
        client = smtplib.SMTP(self.host, self.port, timeout=self._timeout)
        if self.security == "starttls":
            client.starttls(context=self._context)
        return client

    def send(self, message: Message, idempotency_key: str) -> str:
        if self._pacer:
            self._pacer.wait()
        message_id = f"<{idempotency_key}@mini-mentorship.local>"
        mime = message.to_mime(message_id=message_id)
        try:
            with self._connect() as client:
                if self._user and self._password:
                    client.login(self._user, self._password)
                client.send_message(mime)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            if all(code >= 500 for code in codes):
                raise PermanentError(f"SMTP server refused the recipient: {exc.recipients}") from None
            raise
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            if exc.smtp_code >= 500:
                raise PermanentError(f"SMTP server refused the message: {exc.smtp_code} {exc.smtp_error!r}") from None
            raise
        except smtplib.SMTPAuthenticationError as exc:
            raise PermanentError(f"SMTP login failed: {exc.smtp_code}") from None
        return message_id
