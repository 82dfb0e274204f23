"""Microsoft Teams: an online meeting per session through Microsoft Graph with app-only credentials (MM_TEAMS_*).

* Token: client credentials (`POST {login}/{tenant}/oauth2/v2.0/token`, scope
  `https://graph.microsoft.com/.default`); cached until a minute before it expires, fetched again after a 401.
* Create: `POST {graph}/users/{organizer}/onlineMeetings/createOrGet` (start, end, subject, and the session's
  marker as `externalId`): Graph returns the meeting already made with that externalId, so a retry after a
  crash cannot make a second one. The organizer must be allowed by an application access policy.
* Move: `PATCH {graph}/users/{organizer}/onlineMeetings/{id}`; delete: `DELETE` (404: already gone).

The session stores the join URL, the meeting's Graph id and its passcode when Teams gives one.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from . import MeetingDetails, MeetingSession, PermanentProviderError
from .http import TokenCache, authorized, call, check

GRAPH_SCOPE = "https://graph.microsoft.com/.default"


class TeamsSettings(BaseSettings):
    """`MM_TEAMS_*`: the Entra ID app registration and the user who organizes the meetings."""

    model_config = SettingsConfigDict(env_prefix="MM_TEAMS_", env_file=".env", extra="ignore")

    tenant_id: str | None = Field(default=None, description="Directory (tenant) id of the app registration.")
    client_id: str | None = Field(default=None, description="Application (client) id.")
    client_secret: SecretStr | None = Field(default=None, description="A client secret of the app (never logged).")
    organizer: str | None = Field(
        default=None, description="Object id or UPN of the user who organizes the meetings."
    )
    graph_base_url: str = Field(default="https://graph.microsoft.com/v1.0", description="Microsoft Graph base URL.")
    login_base_url: str = Field(
        default="https://login.microsoftonline.com", description="Microsoft identity platform base URL."
    )
    timeout: float = Field(default=10.0, gt=0, le=120, description="Seconds one HTTP call may take.")

    def missing(self) -> list[str]:
        names = {"tenant_id": self.tenant_id, "client_id": self.client_id,
                 "client_secret": self.client_secret, "organizer": self.organizer}
        return [f"MM_TEAMS_{name.upper()}" for name, value in names.items() if not value]


class Teams:
    """The Teams provider (one per worker; shares its token between the worker's threads)."""

    platform = "teams"

    def __init__(self, settings: TeamsSettings, client: httpx.Client | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """`client` and `clock` (the token cache's) are for tests; by default a new client and time.monotonic."""
        missing = settings.missing()
        if missing:
            raise PermanentProviderError(f"Teams is not configured: set {', '.join(missing)}")
        self._settings = settings
        self._client = client or httpx.Client(timeout=settings.timeout)
        self._meetings = (f"{settings.graph_base_url.rstrip('/')}/users/"
                          f"{quote(settings.organizer or '', safe='')}/onlineMeetings")
        self._token = TokenCache(self._fetch_token, clock=clock)

    def create(self, session: MeetingSession) -> MeetingDetails:
        body = {"subject": session.title[:200], "externalId": session.marker, **_times(session)}
        response = self._request("POST", f"{self._meetings}/createOrGet", "create the Teams meeting", json=body)
        return _details(response.json())

    def move(self, session: MeetingSession, details: MeetingDetails) -> MeetingDetails:
        self._request("PATCH", f"{self._meetings}/{details.meeting_id}", "move the Teams meeting",
                      json=_times(session))
        return details

    def delete(self, details: MeetingDetails) -> None:
        self._request("DELETE", f"{self._meetings}/{details.meeting_id}", "delete the Teams meeting",
                      ok=(404,))

    def _fetch_token(self) -> tuple[str, float]:
        settings = self._settings
        url = f"{settings.login_base_url.rstrip('/')}/{quote(settings.tenant_id or '', safe='')}/oauth2/v2.0/token"
        response = call(self._client, "POST", url, what="get a Microsoft Graph token", data={
            "grant_type": "client_credentials",
            "client_id": settings.client_id or "",
            "client_secret": settings.client_secret.get_secret_value() if settings.client_secret else "",
            "scope": GRAPH_SCOPE,
        })
        body = check(response, "get a Microsoft Graph token (check MM_TEAMS_TENANT_ID/CLIENT_ID/CLIENT_SECRET)").json()
        return str(body["access_token"]), float(body.get("expires_in", 3600))

    def _request(self, method: str, url: str, what: str, *, ok: tuple[int, ...] = (),
                 **kwargs: Any) -> httpx.Response:
        return authorized(self._client, self._token, method, url, what=what, ok=ok, **kwargs)


def _times(session: MeetingSession) -> dict[str, str]:
    def at(when: dt.datetime) -> str:
        return when.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    return {"startDateTime": at(session.scheduled_at), "endDateTime": at(session.ends_at)}


def _details(meeting: dict[str, Any]) -> MeetingDetails:
    link = meeting.get("joinWebUrl") or meeting.get("joinUrl")
    if not link or not meeting.get("id"):
        raise PermanentProviderError("Graph answered without a join URL or meeting id")
    passcode = (meeting.get("joinMeetingIdSettings") or {}).get("passcode") or None
    return MeetingDetails(link=str(link), meeting_id=str(meeting["id"]), passcode=passcode)
