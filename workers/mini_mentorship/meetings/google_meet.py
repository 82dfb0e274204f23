"""Google Meet: a Calendar event with a Meet conference per session, made by a service account (MM_GOOGLE_*).

* Token: the service account's key signs a JWT for the Workspace user it impersonates (domain-wide
  delegation, scope calendar.events); `google-auth` exchanges it at the key's `token_uri` (overridable with
  MM_GOOGLE_TOKEN_URI) over httpx. Cached until a minute before it expires, fetched again after a 401.
* Create: `POST {api}/calendars/{calendar}/events?conferenceDataVersion=1&sendUpdates=none` with the event id
  `<session hex>s<sequence>` and `conferenceData.createRequest.requestId` `<session>-<sequence>`: both derived
  from the session version, so a retry after a crash cannot make a second event (Google answers 409 for the
  id; the existing event is then read). A conference still `pending` is a transient error (retried).
* Find (`Recoverable`): `GET …/events/{id}` of that derived id, so a create interrupted by a crash is found
  again, and deleted if its session was cancelled meanwhile.
* Move: `PATCH …/events/{id}` (start, end); delete: `DELETE …/events/{id}` (404/410: already gone).

The meeting id stored on the session is the event id; Meet has no passcode.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from google.auth import exceptions as google_exceptions
from google.auth import transport
from google.oauth2 import service_account
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from . import MeetingDetails, MeetingSession, PermanentProviderError, TransientProviderError
from .http import TokenCache, authorized

SCOPES = ["https://www.googleapis.com/auth/calendar.events"]


class GoogleSettings(BaseSettings):
    """`MM_GOOGLE_*`: the service account, the user it acts as, and where the API is."""

    model_config = SettingsConfigDict(env_prefix="MM_GOOGLE_", env_file=".env", extra="ignore")

    service_account_file: Path | None = Field(default=None, description="The service account's JSON key file.")
    service_account_json: SecretStr | None = Field(
        default=None, description="The JSON key itself (instead of a file; never logged)."
    )
    delegated_user: str | None = Field(
        default=None, description="Workspace user the service account acts as (domain-wide delegation)."
    )
    calendar_id: str = Field(default="primary", description="Calendar the events go in (of the delegated user).")
    api_base_url: str = Field(
        default="https://www.googleapis.com/calendar/v3", description="Google Calendar API base URL."
    )
    token_uri: str | None = Field(default=None, description="Token endpoint; unset: the key's token_uri.")
    timeout: float = Field(default=10.0, gt=0, le=120, description="Seconds one HTTP call may take.")

    def missing(self) -> list[str]:
        """The settings Google Meet needs that are not set."""
        needed = []
        if not (self.service_account_file or self.service_account_json):
            needed.append("MM_GOOGLE_SERVICE_ACCOUNT_FILE (or MM_GOOGLE_SERVICE_ACCOUNT_JSON)")
        if not self.delegated_user:
            needed.append("MM_GOOGLE_DELEGATED_USER")
        return needed

    def key_info(self) -> dict[str, Any]:
        """The service account key as a dict (token_uri replaced when MM_GOOGLE_TOKEN_URI is set)."""
        try:
            if self.service_account_json is not None:
                info = json.loads(self.service_account_json.get_secret_value())
            else:
                assert self.service_account_file is not None
                info = json.loads(self.service_account_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise PermanentProviderError(f"cannot read the Google service account key ({type(exc).__name__})") from None
        if not isinstance(info, dict):
            raise PermanentProviderError("the Google service account key is not a JSON object")
        if self.token_uri:
            info["token_uri"] = self.token_uri
        return info


class _Response(transport.Response):
    def __init__(self, response: httpx.Response) -> None:
        self._response = response

    @property
    def status(self) -> int:
        return self._response.status_code

    @property
    def headers(self) -> Mapping[str, str]:
        return self._response.headers

    @property
    def data(self) -> bytes:
        return self._response.content


class HttpxRequest(transport.Request):
    """google-auth's transport over an httpx client (so tokens come from the same, configurable, stack)."""

    def __init__(self, client: httpx.Client) -> None:
        self._client = client

    def __call__(self, url: str, method: str = "GET", body: bytes | None = None,
                 headers: Mapping[str, str] | None = None, timeout: float | None = None,
                 **kwargs: Any) -> transport.Response:
        try:
            if timeout is None:
                return _Response(self._client.request(method, url, content=body, headers=headers))
            return _Response(self._client.request(method, url, content=body, headers=headers, timeout=timeout))
        except httpx.HTTPError as exc:
            raise google_exceptions.TransportError(type(exc).__name__) from None  # type: ignore[no-untyped-call]


def event_id(session: MeetingSession) -> str:
    """The Calendar event id of a session version (base32hex: 0-9 a-v, 5 to 1024 characters)."""
    return f"{session.id.hex}s{session.sequence}"


class GoogleMeet:
    """The Google Meet provider (one per worker; shares its token between the worker's threads)."""

    platform = "google-meet"

    def __init__(self, settings: GoogleSettings, client: httpx.Client | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """`client` and `clock` (the token cache's) are for tests; by default a new client and time.monotonic."""
        missing = settings.missing()
        if missing:
            raise PermanentProviderError(f"Google Meet is not configured: set {', '.join(missing)}")
        self._settings = settings
        self._client = client or httpx.Client(timeout=settings.timeout)
        try:
            self._credentials = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
                settings.key_info(), scopes=SCOPES, subject=settings.delegated_user
            )
        except (ValueError, KeyError) as exc:
            raise PermanentProviderError(
                f"the Google service account key is not usable ({type(exc).__name__})"
            ) from None
        self._events = (f"{settings.api_base_url.rstrip('/')}/calendars/"
                        f"{quote(settings.calendar_id, safe='')}/events")
        self._token = TokenCache(self._fetch_token, clock=clock)

    def create(self, session: MeetingSession) -> MeetingDetails:
        body = {
            "id": event_id(session),
            "summary": session.title[:200],
            "description": session.marker,
            **_times(session),
            "conferenceData": {"createRequest": {
                "requestId": f"{session.id}-{session.sequence}",
                "conferenceSolutionKey": {"type": "hangoutsMeet"},
            }},
        }
        params = {"conferenceDataVersion": 1, "sendUpdates": "none"}
        response = self._request("POST", self._events, "create the Google Meet event", params=params, json=body,
                                 ok=(409,))
        if response.status_code == 409:  # made by an earlier attempt: read it
            response = self._request("GET", f"{self._events}/{event_id(session)}", "read the Google Meet event")
        return _details(response.json())

    def find(self, session: MeetingSession) -> MeetingDetails | None:
        """The event an earlier attempt made for this session version (its id is derived from it), if any."""
        response = self._request("GET", f"{self._events}/{event_id(session)}", "read the Google Meet event",
                                 ok=(404, 410))
        if response.status_code in (404, 410) or response.json().get("status") == "cancelled":
            return None
        return _details(response.json())

    def move(self, session: MeetingSession, details: MeetingDetails) -> MeetingDetails:
        self._request("PATCH", f"{self._events}/{details.meeting_id}", "move the Google Meet event",
                      params={"conferenceDataVersion": 1, "sendUpdates": "none"}, json=_times(session))
        return details

    def delete(self, details: MeetingDetails) -> None:
        self._request("DELETE", f"{self._events}/{details.meeting_id}", "delete the Google Meet event",
                      params={"sendUpdates": "none"}, ok=(404, 410))

    def _fetch_token(self) -> tuple[str, float]:
        try:
            self._credentials.refresh(HttpxRequest(self._client))
        except google_exceptions.TransportError:
            raise TransientProviderError("get a Google token: cannot reach the token endpoint") from None
        except google_exceptions.RefreshError as exc:
            if getattr(exc, "retryable", False):
                raise TransientProviderError("get a Google token: the token endpoint failed") from None
            raise PermanentProviderError(
                "get a Google token: refused (check the service account key, MM_GOOGLE_DELEGATED_USER and the "
                "domain-wide delegation of the calendar.events scope)"
            ) from None
        expiry = self._credentials.expiry  # naive UTC
        left = (expiry - dt.datetime.now(dt.UTC).replace(tzinfo=None)).total_seconds() if expiry else 3600.0
        return str(self._credentials.token), left

    def _request(self, method: str, url: str, what: str, *, ok: tuple[int, ...] = (),
                 **kwargs: Any) -> httpx.Response:
        return authorized(self._client, self._token, method, url, what=what, ok=ok, **kwargs)


def _times(session: MeetingSession) -> dict[str, Any]:
    def at(when: dt.datetime) -> dict[str, str]:
        return {"dateTime": when.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"), "timeZone": session.timezone}
    return {"start": at(session.scheduled_at), "end": at(session.ends_at)}


def _details(event: dict[str, Any]) -> MeetingDetails:
    link = event.get("hangoutLink")
    if not link:
        for entry in (event.get("conferenceData") or {}).get("entryPoints") or []:
            if entry.get("entryPointType") == "video":
                link = entry.get("uri")
    if not link:
        status = ((event.get("conferenceData") or {}).get("createRequest") or {}).get("status") or {}
        if status.get("statusCode") == "failure":
            raise PermanentProviderError("Google could not add a Meet conference to the event")
        raise TransientProviderError("the Meet conference is still being created")
    return MeetingDetails(link=str(link), meeting_id=str(event["id"]), passcode=None)
