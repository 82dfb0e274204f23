"""Jitsi Meet: no account, no API call. A room exists once someone opens its link, so the link itself is the
secret: a room name with 128 random bits from `secrets` on the configured server (MM_JITSI_BASE_URL, by
default the public https://meet.jit.si; point it at your own Jitsi deployment to keep meetings in-house)."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from . import MeetingDetails, MeetingSession

ROOM_PREFIX = "mini-mentorship-"


class JitsiSettings(BaseSettings):
    """`MM_JITSI_*` settings; keyword arguments override the environment."""

    model_config = SettingsConfigDict(env_prefix="MM_JITSI_", env_file=".env", extra="ignore")

    base_url: str = Field(
        default="https://meet.jit.si",
        description="Jitsi server whose rooms the links point at (https://host[/path]).",
    )

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError("must be an http(s) URL such as https://meet.jit.si (no query or fragment)")
        return value.strip().rstrip("/")


class Jitsi:
    """The Jitsi provider: create makes an unguessable room; move keeps it; delete has nothing to do."""

    platform = "jitsi"

    def __init__(self, settings: JitsiSettings | None = None) -> None:
        self.base_url = (settings or JitsiSettings()).base_url

    def create(self, session: MeetingSession) -> MeetingDetails:
        room = ROOM_PREFIX + secrets.token_hex(16)
        return MeetingDetails(link=f"{self.base_url}/{room}", meeting_id=room, passcode=None)

    def move(self, session: MeetingSession, details: MeetingDetails) -> MeetingDetails:
        return details  # a Jitsi room has no time: the same link works at the new time

    def delete(self, details: MeetingDetails) -> None:
        return None  # nothing was created on the server: an unused room never exists
