"""Zoom: a scheduled meeting per session through a Server-to-Server OAuth app (MM_ZOOM_*).

* Token: `POST {oauth}/oauth/token?grant_type=account_credentials&account_id=…` with the app's client id and
  secret (HTTP basic); cached until a minute before `expires_in`, fetched again after a 401.
* Create: `POST {api}/v2/users/{user}/meetings`: type 2 (scheduled), start time (UTC), duration, time zone,
  a generated passcode within Zoom's rules (10 letters and digits, both kinds), waiting room on, and the
  session's marker as the agenda. Zoom's create has no idempotency key, so this provider is `Recoverable`:
  `find` lists the host's upcoming meetings (`GET /v2/users/{user}/meetings?type=upcoming`, paged) and
  returns the one whose agenda is the marker (then `GET /v2/meetings/{id}` for its passcode).
* Move: `PATCH /v2/meetings/{id}` (start time, duration, time zone); the link and passcode stay.
* Delete: `DELETE /v2/meetings/{id}`; a meeting already gone (404) counts as deleted.
"""

from __future__ import annotations

import datetime as dt
import secrets
import string
import time
from collections.abc import Callable
from typing import Any

import httpx
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from . import MeetingDetails, MeetingSession, PermanentProviderError
from .http import TokenCache, authorized, call, check

PASSCODE_LENGTH = 10  # Zoom's maximum; letters and digits satisfy every passcode-complexity setting
LIST_PAGE_SIZE = 300  # Zoom's maximum page size for the meetings list
MAX_LIST_PAGES = 20


class ZoomSettings(BaseSettings):
    """`MM_ZOOM_*`: the Server-to-Server OAuth app and the Zoom user who hosts the meetings."""

    model_config = SettingsConfigDict(env_prefix="MM_ZOOM_", env_file=".env", extra="ignore")

    account_id: str | None = Field(default=None, description="The app's Account ID.")
    client_id: str | None = Field(default=None, description="The app's Client ID.")
    client_secret: SecretStr | None = Field(default=None, description="The app's Client Secret (never logged).")
    user_id: str = Field(
        default="me", description="Host of the meetings: a Zoom user id or email ('me': the app's owner)."
    )
    api_base_url: str = Field(default="https://api.zoom.us", description="Zoom REST API base URL.")
    oauth_base_url: str = Field(default="https://zoom.us", description="Zoom OAuth base URL (token endpoint).")
    timeout: float = Field(default=10.0, gt=0, le=120, description="Seconds one HTTP call may take.")

    def missing(self) -> list[str]:
        """The credentials not set (all three are needed; none set means Zoom is not configured)."""
        names = {"account_id": self.account_id, "client_id": self.client_id, "client_secret": self.client_secret}
        return [f"MM_ZOOM_{name.upper()}" for name, value in names.items() if not value]


def passcode() -> str:
    """A Zoom meeting passcode: 10 characters from letters and digits, at least one of each."""
    alphabet = string.ascii_letters + string.digits
    while True:
        code = "".join(secrets.choice(alphabet) for _ in range(PASSCODE_LENGTH))
        if any(c.isdigit() for c in code) and any(c.isalpha() for c in code):
            return code


def _utc(session: MeetingSession) -> str:
    return session.scheduled_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Zoom:
    """The Zoom provider (one per worker; shares its token between the worker's threads)."""

    platform = "zoom"

    def __init__(self, settings: ZoomSettings, client: httpx.Client | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """`client` and `clock` (the token cache's) are for tests; by default a new client and time.monotonic."""
        missing = settings.missing()
        if missing:
            raise PermanentProviderError(f"Zoom is not configured: set {', '.join(missing)}")
        self._settings = settings
        self._api = settings.api_base_url.rstrip("/")
        self._client = client or httpx.Client(timeout=settings.timeout)
        self._token = TokenCache(self._fetch_token, clock=clock)

    # --- the provider interface ---------------------------------------------------------------------------

    def create(self, session: MeetingSession) -> MeetingDetails:
        body = {
            "topic": session.title[:200],
            "type": 2,
            "start_time": _utc(session),
            "duration": session.duration_minutes,
            "timezone": session.timezone,
            "password": passcode(),
            "agenda": session.marker,
            "settings": {"waiting_room": True, "join_before_host": False},
        }
        url = f"{self._api}/v2/users/{self._settings.user_id}/meetings"
        return _details(self._request("POST", url, "create the Zoom meeting", json=body).json())

    def find(self, session: MeetingSession) -> MeetingDetails | None:
        url = f"{self._api}/v2/users/{self._settings.user_id}/meetings"
        params: dict[str, Any] = {"type": "upcoming", "page_size": LIST_PAGE_SIZE}
        for _ in range(MAX_LIST_PAGES):
            page = self._request("GET", url, "list the host's Zoom meetings", params=params).json()
            for meeting in page.get("meetings") or []:
                if meeting.get("agenda") == session.marker:
                    found = self._request("GET", f"{self._api}/v2/meetings/{meeting['id']}", "read the Zoom meeting")
                    return _details(found.json())
            token = page.get("next_page_token")
            if not token:
                return None
            params["next_page_token"] = token
        return None

    def move(self, session: MeetingSession, details: MeetingDetails) -> MeetingDetails:
        body = {"start_time": _utc(session), "duration": session.duration_minutes, "timezone": session.timezone}
        self._request("PATCH", f"{self._api}/v2/meetings/{details.meeting_id}", "move the Zoom meeting", json=body)
        return details

    def delete(self, details: MeetingDetails) -> None:
        self._request("DELETE", f"{self._api}/v2/meetings/{details.meeting_id}", "delete the Zoom meeting",
                      ok=(404,))

    # --- HTTP ----------------------------------------------------------------------------------------------

    def _fetch_token(self) -> tuple[str, float]:
        settings = self._settings
        secret = settings.client_secret.get_secret_value() if settings.client_secret else ""
        response = call(
            self._client, "POST", f"{settings.oauth_base_url.rstrip('/')}/oauth/token", what="get a Zoom token",
            params={"grant_type": "account_credentials", "account_id": settings.account_id},
            auth=(settings.client_id or "", secret),
        )
        body = check(response, "get a Zoom token (check MM_ZOOM_ACCOUNT_ID/CLIENT_ID/CLIENT_SECRET)").json()
        return str(body["access_token"]), float(body.get("expires_in", 3600))

    def _request(self, method: str, url: str, what: str, *, ok: tuple[int, ...] = (),
                 **kwargs: Any) -> httpx.Response:
        return authorized(self._client, self._token, method, url, what=what, ok=ok, **kwargs)


def _details(meeting: dict[str, Any]) -> MeetingDetails:
    return MeetingDetails(link=str(meeting["join_url"]), meeting_id=str(meeting["id"]),
                          passcode=meeting.get("password") or None)
