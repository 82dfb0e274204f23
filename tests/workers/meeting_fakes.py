"""A local fake of the meeting APIs the providers call (Zoom, Google Calendar, Microsoft Graph), on 127.0.0.1.

One threaded HTTP server serves all three under path prefixes (`/zoom-oauth`, `/zoom-api`, `/google-token`,
`/google`, `/ms-login`, `/graph`), implementing the documented endpoints the providers use: token issue (with
expiry; API calls with an unknown, revoked or expired token get 401), create, read, list (Zoom, paged), patch
and delete. Tests script failures (`fail_next`: a status such as 500, 429 with retry-after, 400) and can hold
a create's answer (`hold_creates`) after the meeting was made, to kill a worker at exactly that point.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

ZOOM_ACCOUNT, ZOOM_CLIENT, ZOOM_SECRET = "acct-1", "zoom-client", "zoom-secret"
TEAMS_TENANT, TEAMS_CLIENT, TEAMS_SECRET = "tenant-1", "teams-client", "teams-secret"
GOOGLE_USER = "mentoring@example.org"


@dataclass
class Failure:
    method: str
    path: str  # a regex searched in the request path
    status: int
    headers: dict[str, str]
    body: dict[str, Any]
    times: int


@dataclass
class FakeState:
    """What the fake holds and saw; every field is read and written under `lock`."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    token_lifetime: int = 3600
    tokens: dict[str, tuple[str, float]] = field(default_factory=dict)  # token -> (service, expires at)
    issued: dict[str, int] = field(default_factory=dict)  # service -> tokens issued
    unauthorized: int = 0  # API calls answered 401
    meetings: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: {"zoom": {}, "google": {}, "teams": {}}
    )
    deleted: dict[str, list[str]] = field(default_factory=lambda: {"zoom": [], "google": [], "teams": []})
    calls: list[tuple[str, str]] = field(default_factory=list)  # (method, path) of every API call
    failures: list[Failure] = field(default_factory=list)
    hold: threading.Event | None = None  # set: create answers at once; clear: the answer waits for it
    created: threading.Event = field(default_factory=threading.Event)  # a create was made (while held)
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(85000000001))


class FakeMeetingApis:
    """The running fake; `url` is its base (http://127.0.0.1:<port>)."""

    def __init__(self) -> None:
        self.state = FakeState()
        state = self.state

        class Handler(_Handler):
            fake = state

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        if self.state.hold is not None:
            self.state.hold.set()
        self._server.shutdown()
        self._server.server_close()

    # --- scripting -----------------------------------------------------------------------------------------

    def fail_next(self, method: str, path: str, status: int, *, times: int = 1,
                  headers: dict[str, str] | None = None, body: dict[str, Any] | None = None) -> None:
        with self.state.lock:
            self.state.failures.append(Failure(method, path, status, headers or {}, body or {}, times))

    def revoke_tokens(self) -> None:
        with self.state.lock:
            self.state.tokens.clear()

    def hold_creates(self) -> threading.Event:
        """From now on a create makes the meeting, sets `state.created`, then waits for the returned event."""
        release = threading.Event()
        with self.state.lock:
            self.state.hold = release
            self.state.created.clear()
        return release

    def meetings(self, service: str) -> dict[str, dict[str, Any]]:
        with self.state.lock:
            return {k: dict(v) for k, v in self.state.meetings[service].items()}

    def issued(self, service: str) -> int:
        with self.state.lock:
            return self.state.issued.get(service, 0)

    def api_calls(self, method: str, pattern: str) -> int:
        with self.state.lock:
            return sum(1 for m, p in self.state.calls if m == method and re.search(pattern, p))


@contextmanager
def fake_meeting_apis() -> Iterator[FakeMeetingApis]:
    fake = FakeMeetingApis()
    try:
        yield fake
    finally:
        fake.close()


class _Handler(BaseHTTPRequestHandler):
    fake: FakeState

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_PATCH(self) -> None:
        self._route("PATCH")

    def do_DELETE(self) -> None:
        self._route("DELETE")

    # --- plumbing ------------------------------------------------------------------------------------------

    def _route(self, method: str) -> None:
        parts = urlsplit(self.path)
        path, query = parts.path, {k: v[-1] for k, v in parse_qs(parts.query).items()}
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            for pattern, verb, action in ROUTES:
                match = re.fullmatch(pattern, path)
                if match and verb == method:
                    if not action.startswith("token"):
                        failure = self._scripted(method, path)
                        if failure:
                            return self._send(failure.status, failure.body or {"message": "scripted"},
                                              failure.headers)
                        service = action.split("_")[0]
                        if not self._authorized(service):
                            return self._send(401, {"code": 124, "message": "Invalid access token."})
                        with self.fake.lock:
                            self.fake.calls.append((method, path))
                    else:
                        failure = self._scripted(method, path)
                        if failure:
                            return self._send(failure.status, failure.body or {"error": "scripted"},
                                              failure.headers)
                    getattr(self, action)(match, query, raw)
                    return None
            self._send(404, {"message": f"no route {method} {path}"})
        except BrokenPipeError:
            return None

    def _scripted(self, method: str, path: str) -> Failure | None:
        with self.fake.lock:
            for failure in self.fake.failures:
                if failure.method == method and re.search(failure.path, path) and failure.times > 0:
                    failure.times -= 1
                    return failure
        return None

    def _authorized(self, service: str) -> bool:
        header = self.headers.get("authorization") or ""
        token = header.removeprefix("Bearer ")
        with self.fake.lock:
            held = self.fake.tokens.get(token)
            ok = held is not None and held[0] == service and held[1] > time.monotonic()
            if not ok:
                self.fake.unauthorized += 1
        return ok

    def _send(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _issue(self, service: str) -> dict[str, Any]:
        with self.fake.lock:
            token = f"{service}-token-{next(self.fake.ids)}"
            self.fake.tokens[token] = (service, time.monotonic() + self.fake.token_lifetime)
            self.fake.issued[service] = self.fake.issued.get(service, 0) + 1
            return {"access_token": token, "token_type": "bearer", "expires_in": self.fake.token_lifetime}

    def _store(self, service: str, key: str, meeting: dict[str, Any]) -> None:
        """Keep a new meeting; while creates are held, answer only once the test releases the hold."""
        with self.fake.lock:
            self.fake.meetings[service][key] = meeting
            hold = self.fake.hold
        if hold is not None and not hold.is_set():
            self.fake.created.set()
            hold.wait(30)

    def _remove(self, service: str, key: str) -> bool:
        with self.fake.lock:
            if self.fake.meetings[service].pop(key, None) is None:
                return False
            self.fake.deleted[service].append(key)
            return True

    # --- Zoom ----------------------------------------------------------------------------------------------

    def token_zoom(self, match: re.Match[str], query: dict[str, str], raw: bytes) -> None:
        expected = base64.b64encode(f"{ZOOM_CLIENT}:{ZOOM_SECRET}".encode()).decode()
        if (self.headers.get("authorization") != f"Basic {expected}"
                or query.get("grant_type") != "account_credentials" or query.get("account_id") != ZOOM_ACCOUNT):
            return self._send(400, {"reason": "Invalid client_id or client_secret", "error": "invalid_client"})
        self._send(200, self._issue("zoom"))

    def zoom_create(self, match: re.Match[str], query: dict[str, str], raw: bytes) -> None:
        body = json.loads(raw)
        code = str(body.get("password", ""))
        if not re.fullmatch(r"[A-Za-z0-9@_*-]{1,10}", code):
            return self._send(400, {"code": 300, "message": "Invalid password."})
        with self.fake.lock:
            meeting_id = next(self.fake.ids)
        meeting = {
            "id": meeting_id, "host_id": match["user"], "topic": body["topic"], "type": body["type"],
            "start_time": body["start_time"], "duration": body["duration"], "timezone": body["timezone"],
            "agenda": body.get("agenda", ""), "password": code, "settings": body.get("settings", {}),
            "join_url": f"https://zoom.example.test/j/{meeting_id}?pwd=x",
        }
        self._store("zoom", str(meeting_id), meeting)
        self._send(201, meeting)

    def zoom_list(self, match: re.Match[str], query: dict[str, str], raw: bytes) -> None:
        size = min(int(query.get("page_size", 30)), 300)
        start = int(query.get("next_page_token") or 0)
        with self.fake.lock:
            everything = sorted(self.fake.meetings["zoom"].values(), key=lambda m: m["id"])
        page = everything[start:start + size]
        listed = [{k: m[k] for k in ("id", "topic", "agenda", "start_time", "duration", "timezone", "join_url")}
                  for m in page]
        more = start + size < len(everything)
        self._send(200, {"page_size": size, "total_records": len(everything), "meetings": listed,
                         "next_page_token": str(start + size) if more else ""})

    def zoom_get(self, match: re.Match[str], query: dict[str, str], raw: bytes) -> None:
        with self.fake.lock:
            meeting = self.fake.meetings["zoom"].get(match["id"])
        if meeting is None:
            return self._send(404, {"code": 3001, "message": "Meeting does not exist."})
        self._send(200, meeting)

    def zoom_patch(self, match: re.Match[str], query: dict[str, str], raw: bytes) -> None:
        with self.fake.lock:
            meeting = self.fake.meetings["zoom"].get(match["id"])
            if meeting is not None:
                meeting.update(json.loads(raw))
        if meeting is None:
            return self._send(404, {"code": 3001, "message": "Meeting does not exist."})
        self._send(204)

    def zoom_delete(self, match: re.Match[str], query: dict[str, str], raw: bytes) -> None:
        if not self._remove("zoom", match["id"]):
            return self._send(404, {"code": 3001, "message": "Meeting does not exist."})
        self._send(204)

    # --- Google Calendar -----------------------------------------------------------------------------------

    def token_google(self, match: re.Match[str], query: dict[str, str], raw: bytes) -> None:
        form = {k: v[-1] for k, v in parse_qs(raw.decode()).items()}
        try:
            claims = json.loads(base64.urlsafe_b64decode(form["assertion"].split(".")[1] + "=="))
        except (KeyError, IndexError, ValueError):
            return self._send(400, {"error": "invalid_grant", "error_description": "bad assertion"})
        if (form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer"
                or claims.get("sub") != GOOGLE_USER or "calendar.events" not in claims.get("scope", "")):
            return self._send(401, {"error": "unauthorized_client",
                                    "error_description": "Client is unauthorized to retrieve access tokens"})
        self._send(200, self._issue("google"))

    def google_insert(self, match: re.Match[str], query: dict[str, str], raw: bytes) -> None:
        body = json.loads(raw)
        event_id = body["id"]
        if not re.fullmatch(r"[a-v0-9]{5,1024}", event_id):
            return self._send(400, {"error": {"code": 400, "message": "Invalid resource id value."}})
        with self.fake.lock:
            exists = event_id in self.fake.meetings["google"]
        if exists:
            return self._send(409, {"error": {"code": 409, "message": "The requested identifier already exists."}})
        event = {"id": event_id, "status": "confirmed", "summary": body.get("summary"),
                 "description": body.get("description"), "start": body["start"], "end": body["end"]}
        request = (body.get("conferenceData") or {}).get("createRequest")
        if query.get("conferenceDataVersion") == "1" and request:
            code = f"abc-{event_id[:4]}-xyz"
            event["hangoutLink"] = f"https://meet.google.com/{code}"
            event["conferenceData"] = {
                "createRequest": {**request, "status": {"statusCode": "success"}},
                "entryPoints": [{"entryPointType": "video", "uri": event["hangoutLink"]}],
                "conferenceId": code,
            }
        self._store("google", event_id, event)
        self._send(200, event)

    def google_get(self, match: re.Match[str], query: dict[str, str], raw: bytes) -> None:
        with self.fake.lock:
            event = self.fake.meetings["google"].get(match["id"])
        if event is None:
            return self._send(404, {"error": {"code": 404, "message": "Not Found"}})
        self._send(200, event)

    def google_patch(self, match: re.Match[str], query: dict[str, str], raw: bytes) -> None:
        with self.fake.lock:
            event = self.fake.meetings["google"].get(match["id"])
            if event is not None:
                event.update(json.loads(raw))
        if event is None:
            return self._send(404, {"error": {"code": 404, "message": "Not Found"}})
        self._send(200, event)

    def google_delete(self, match: re.Match[str], query: dict[str, str], raw: bytes) -> None:
        if not self._remove("google", match["id"]):
            return self._send(410, {"error": {"code": 410, "message": "Resource has been deleted"}})
        self._send(204)

    # --- Microsoft Graph -----------------------------------------------------------------------------------

    def token_teams(self, match: re.Match[str], query: dict[str, str], raw: bytes) -> None:
        form = {k: v[-1] for k, v in parse_qs(raw.decode()).items()}
        if (match["tenant"] != TEAMS_TENANT or form.get("grant_type") != "client_credentials"
                or form.get("client_id") != TEAMS_CLIENT or form.get("client_secret") != TEAMS_SECRET
                or form.get("scope") != "https://graph.microsoft.com/.default"):
            return self._send(401, {"error": "invalid_client", "error_description": "AADSTS7000215: Invalid secret."})
        self._send(200, self._issue("teams"))

    def teams_create(self, match: re.Match[str], query: dict[str, str], raw: bytes) -> None:
        body = json.loads(raw)
        with self.fake.lock:
            existing = [m for m in self.fake.meetings["teams"].values() if m["externalId"] == body["externalId"]]
            number = next(self.fake.ids)
        if existing:
            return self._send(200, existing[0])
        meeting = {
            "id": f"MSo{number}", "externalId": body["externalId"], "subject": body.get("subject"),
            "startDateTime": body["startDateTime"], "endDateTime": body["endDateTime"],
            "joinWebUrl": f"https://teams.example.test/l/meetup-join/{number}",
            "joinMeetingIdSettings": {"joinMeetingId": str(number), "passcode": "Tp4ss"},
        }
        self._store("teams", meeting["id"], meeting)
        self._send(201, meeting)

    def teams_patch(self, match: re.Match[str], query: dict[str, str], raw: bytes) -> None:
        with self.fake.lock:
            meeting = self.fake.meetings["teams"].get(match["id"])
            if meeting is not None:
                meeting.update(json.loads(raw))
        if meeting is None:
            return self._send(404, {"error": {"code": "NotFound", "message": "not found"}})
        self._send(200, meeting)

    def teams_delete(self, match: re.Match[str], query: dict[str, str], raw: bytes) -> None:
        if not self._remove("teams", match["id"]):
            return self._send(404, {"error": {"code": "NotFound", "message": "not found"}})
        self._send(204)


ROUTES: list[tuple[str, str, str]] = [
    (r"/zoom-oauth/oauth/token", "POST", "token_zoom"),
    (r"/zoom-api/v2/users/(?P<user>[^/]+)/meetings", "POST", "zoom_create"),
    (r"/zoom-api/v2/users/(?P<user>[^/]+)/meetings", "GET", "zoom_list"),
    (r"/zoom-api/v2/meetings/(?P<id>\d+)", "GET", "zoom_get"),
    (r"/zoom-api/v2/meetings/(?P<id>\d+)", "PATCH", "zoom_patch"),
    (r"/zoom-api/v2/meetings/(?P<id>\d+)", "DELETE", "zoom_delete"),
    (r"/google-token", "POST", "token_google"),
    (r"/google/calendars/(?P<cal>[^/]+)/events", "POST", "google_insert"),
    (r"/google/calendars/(?P<cal>[^/]+)/events/(?P<id>[^/]+)", "GET", "google_get"),
    (r"/google/calendars/(?P<cal>[^/]+)/events/(?P<id>[^/]+)", "PATCH", "google_patch"),
    (r"/google/calendars/(?P<cal>[^/]+)/events/(?P<id>[^/]+)", "DELETE", "google_delete"),
    (r"/ms-login/(?P<tenant>[^/]+)/oauth2/v2.0/token", "POST", "token_teams"),
    (r"/graph/users/(?P<user>[^/]+)/onlineMeetings/createOrGet", "POST", "teams_create"),
    (r"/graph/users/(?P<user>[^/]+)/onlineMeetings/(?P<id>[^/]+)", "PATCH", "teams_patch"),
    (r"/graph/users/(?P<user>[^/]+)/onlineMeetings/(?P<id>[^/]+)", "DELETE", "teams_delete"),
]


def zoom_env(url: str) -> dict[str, str]:
    """MM_ZOOM_* of a worker that talks to the fake at `url`."""
    return {"MM_ZOOM_ACCOUNT_ID": ZOOM_ACCOUNT, "MM_ZOOM_CLIENT_ID": ZOOM_CLIENT,
            "MM_ZOOM_CLIENT_SECRET": ZOOM_SECRET, "MM_ZOOM_API_BASE_URL": f"{url}/zoom-api",
            "MM_ZOOM_OAUTH_BASE_URL": f"{url}/zoom-oauth", "MM_ZOOM_USER_ID": "host@example.org"}
