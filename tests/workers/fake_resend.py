"""A local stand-in for the Resend API (`POST /emails`), on 127.0.0.1, for the real `resend` SDK to talk to.

Speaks what https://resend.com/docs/api-reference/emails/send-email documents: Bearer API key (401 without,
403 with another key), JSON body with from / to / subject, `Idempotency-Key` (the same key with the same body
returns the first id and sends nothing; the same key with another body is a 409), and answers `{"id": ...}`.
Tests script failures ahead of time (`fail_next(status, retry_after=...)`): 429 with `retry-after`, 500.
Every request is recorded with its arrival time (for the pacing test).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    at: float
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeResend:
    api_key: str = "re_test_key"
    requests: list[Received] = field(default_factory=list)
    sent: dict[str, dict[str, Any]] = field(default_factory=dict)  # provider id -> body: emails really "sent"
    _idempotency: dict[str, tuple[str, str]] = field(default_factory=dict)
    _script: deque[tuple[int, float | None]] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def fail_next(self, status: int, *, retry_after: float | None = None) -> None:
        self._script.append((status, retry_after))

    def handle(self, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, Any], dict[str, str]]:
        lowered = {k.lower(): v for k, v in headers.items()}
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            return 400, {"statusCode": 400, "name": "validation_error", "message": "Invalid JSON"}, {}
        with self._lock:
            self.requests.append(Received(time.monotonic(), lowered, body))
            auth = lowered.get("authorization", "")
            if not auth.startswith("Bearer ") or auth == "Bearer None":
                return 401, {"statusCode": 401, "name": "missing_api_key",
                             "message": "Missing API key in the authorization header."}, {}
            if auth != f"Bearer {self.api_key}":
                return 403, {"statusCode": 403, "name": "invalid_api_key", "message": "API key is invalid"}, {}
            if self._script:
                status, retry_after = self._script.popleft()
                extra = {"retry-after": f"{retry_after:g}"} if retry_after is not None else {}
                name = {429: "rate_limit_exceeded", 409: "concurrent_idempotent_requests"}.get(
                    status, "internal_server_error")
                return status, {"statusCode": status, "name": name, "message": f"scripted {status}"}, extra
            missing = [k for k in ("from", "to", "subject") if not body.get(k)]
            if missing:
                return 422, {"statusCode": 422, "name": "validation_error",
                             "message": f"Missing `{missing[0]}` field."}, {}
            if "@" not in str(body["to"]):
                return 422, {"statusCode": 422, "name": "validation_error",
                             "message": "Invalid `to` field. The email address needs to follow the "
                             "`email@example.com` or `Name <email@example.com>` format."}, {}
            digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
            key = lowered.get("idempotency-key")
            if key and key in self._idempotency:
                first_digest, first_id = self._idempotency[key]
                if first_digest != digest:
                    return 409, {"statusCode": 409, "name": "invalid_idempotent_request",
                                 "message": "Same idempotency key used with a different request payload."}, {}
                return 200, {"id": first_id}, {}
            email_id = str(uuid.uuid4())
            if key:
                self._idempotency[key] = (digest, email_id)
            self.sent[email_id] = body
            return 200, {"id": email_id}, {}

    def start(self) -> FakeResend:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                extra: dict[str, str]
                if self.path != "/emails":
                    status, body, extra = 404, {"statusCode": 404, "name": "not_found", "message": "Not found"}, {}
                else:
                    status, body, extra = fake.handle(dict(self.headers.items()), raw)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
