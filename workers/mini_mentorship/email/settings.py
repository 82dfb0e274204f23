"""Email settings (`MM_EMAIL_*`, `MM_APP_BASE_URL`, `MM_RESEND_*`, `MM_SMTP_*`), checked when the worker starts.

`check()` raises `EmailSettingsError` naming every missing setting the chosen backend needs, so a worker with
`MM_EMAIL_BACKEND=resend` and no API key stops at start instead of failing its first job.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from ..settings import find_project_dir

Backend = Literal["file", "console", "resend", "smtp"]
SmtpSecurity = Literal["starttls", "ssl", "none"]


class EmailSettingsError(ValueError):
    """The email settings cannot work (the message names the settings to set)."""


def _alias(name: str) -> AliasChoices:
    return AliasChoices(name, name.lower())


class EmailSettings(BaseSettings):
    """How the email worker sends. Keyword arguments override the environment."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    backend: Backend = Field(default="file", validation_alias=_alias("MM_EMAIL_BACKEND"),
                             description="file (default), console, resend or smtp.")
    sender: str = Field(default="Mini Mentorship <mentorship@localhost>",
                        validation_alias=_alias("MM_EMAIL_FROM"), description="The From address.")
    reply_to: str | None = Field(default=None, validation_alias=_alias("MM_EMAIL_REPLY_TO"))
    app_base_url: str = Field(default="http://localhost:3000", validation_alias=_alias("MM_APP_BASE_URL"),
                              description="Where the host app lives; emails link into it.")
    file_dir: Path | None = Field(default=None, validation_alias=_alias("MM_EMAIL_FILE_DIR"),
                                  description="file backend: where .eml files go "
                                  "(default <project>/.mini-mentorship/outbox-mail).")
    rate_per_second: float = Field(default=2.0, gt=0, le=1000, validation_alias=_alias("MM_EMAIL_RATE"),
                                   description="Most provider calls per second, across the worker's threads.")
    max_retry_wait: float = Field(default=10.0, ge=0, le=600, validation_alias=_alias("MM_EMAIL_MAX_RETRY_WAIT"),
                                  description="A 429 retry-after up to this many seconds is waited out in the "
                                  "attempt; a longer one fails the attempt (the queue retries later).")
    timeout: float = Field(default=10.0, gt=0, le=300, validation_alias=_alias("MM_EMAIL_TIMEOUT"),
                           description="Seconds one provider call may take.")
    resend_api_key: SecretStr | None = Field(default=None,
                                             validation_alias=AliasChoices("MM_RESEND_API_KEY", "resend_api_key"))
    resend_base_url: str = Field(default="https://api.resend.com",
                                 validation_alias=AliasChoices("MM_RESEND_BASE_URL", "resend_base_url"))
    smtp_host: str | None = Field(default=None, validation_alias=AliasChoices("MM_SMTP_HOST", "smtp_host"))
    smtp_port: int | None = Field(default=None, ge=1, le=65535,
                                  validation_alias=AliasChoices("MM_SMTP_PORT", "smtp_port"))
    smtp_security: SmtpSecurity = Field(default="starttls",
                                        validation_alias=AliasChoices("MM_SMTP_SECURITY", "smtp_security"))
    smtp_user: str | None = Field(default=None, validation_alias=AliasChoices("MM_SMTP_USER", "smtp_user"))
    smtp_password: SecretStr | None = Field(default=None,
                                            validation_alias=AliasChoices("MM_SMTP_PASSWORD", "smtp_password"))

    @property
    def mail_dir(self) -> Path:
        return self.file_dir or find_project_dir() / ".mini-mentorship" / "outbox-mail"

    @property
    def smtp_port_or_default(self) -> int:
        return self.smtp_port or {"ssl": 465, "starttls": 587, "none": 25}[self.smtp_security]

    def check(self) -> None:
        """Raise EmailSettingsError when the chosen backend lacks a required setting."""
        missing: list[str] = []
        if not self.sender.strip():
            missing.append("MM_EMAIL_FROM")
        if not self.app_base_url.startswith(("http://", "https://")):
            raise EmailSettingsError(f"MM_APP_BASE_URL must be an http(s) URL, not {self.app_base_url!r}")
        if self.backend == "resend" and not (self.resend_api_key and self.resend_api_key.get_secret_value()):
            missing.append("MM_RESEND_API_KEY")
        if self.backend == "smtp" and not self.smtp_host:
            missing.append("MM_SMTP_HOST")
        if self.backend == "smtp" and bool(self.smtp_user) != bool(self.smtp_password):
            missing.append("MM_SMTP_USER and MM_SMTP_PASSWORD (both or neither)")
        if missing:
            raise EmailSettingsError(f"MM_EMAIL_BACKEND={self.backend} needs " + ", ".join(missing))
