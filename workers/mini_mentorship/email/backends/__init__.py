"""Email senders behind one interface: `send(message, idempotency_key) -> provider message id`.

One class per module, chosen by MM_EMAIL_BACKEND (`build_sender`): `file` (the local default: one .eml per
message), `console` (prints the text), `resend` (the Resend API through its official SDK), `smtp`. A sender
raises `PermanentError` when retrying cannot help (the provider rejected the message) and any other
exception for a failed attempt the queue retries with backoff.
"""

from __future__ import annotations

from typing import IO, Protocol

from ..message import Message
from ..pacing import Pacer
from ..settings import EmailSettings


class Sender(Protocol):
    name: str

    def send(self, message: Message, idempotency_key: str) -> str:
        """Hand the message to the provider; the provider's message id."""
        ...


def build_sender(settings: EmailSettings, *, stream: IO[str] | None = None) -> Sender:
    """The sender MM_EMAIL_BACKEND names (settings checked first: EmailSettingsError names what is missing)."""
    settings.check()
    if settings.backend == "resend":
        from .resend import ResendSender

        assert settings.resend_api_key is not None
        return ResendSender(settings.resend_api_key.get_secret_value(), base_url=settings.resend_base_url,
                            pacer=Pacer(settings.rate_per_second), timeout=settings.timeout,
                            max_retry_wait=settings.max_retry_wait)
    if settings.backend == "smtp":
        from .smtp import SmtpSender

        assert settings.smtp_host is not None
        return SmtpSender(settings.smtp_host, settings.smtp_port_or_default, security=settings.smtp_security,
                          user=settings.smtp_user,
                          password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
                          timeout=settings.timeout, pacer=Pacer(settings.rate_per_second))
    if settings.backend == "console":
        from .console import ConsoleSender

        return ConsoleSender(stream)
    from .file import FileSender

    return FileSender(settings.mail_dir)
