"""The Resend sender, through the official `resend` SDK.

The SDK keeps its API key, base URL and HTTP client in module globals (`resend.api_key`, `resend.api_url`,
`resend.default_http_client`). This sender owns its own three values and installs them only for the length
of one call, under one process-wide lock, restoring what was there before; so two senders (or a test's fake
server and the real API) never see each other's settings and nothing global needs patching.

* The outbox job id is the `Idempotency-Key`: a retry after a crash cannot send twice.
* Calls are paced (`Pacer`, 2 req/s by default) across all of the worker's threads.
* 429: the pacer pauses every thread for `retry-after`; the call is retried in the same attempt when that is
  at most `max_retry_wait` seconds, else the attempt fails and the queue retries later.
* Other 4xx (validation, bad address, unverified domain, bad key, the same key with another body):
  `PermanentError` with Resend's message; except a 409 `concurrent_idempotent_requests` (the same key still in
  flight), retried.
* 5xx, timeouts, connection errors: an ordinary failed attempt (the queue retries with backoff).
"""

from __future__ import annotations

import base64
import threading
from typing import Any

import resend
from resend.exceptions import ResendError
from resend.http_client_requests import RequestsClient

from ...outbox.registry import PermanentError
from ..message import Message
from ..pacing import Pacer

_SDK_LOCK = threading.Lock()  # the SDK's configuration is module-global: one configured call at a time


class ResendRetryError(RuntimeError):
    """Resend asked to wait longer than the attempt may (429 with a long retry-after), or failed (5xx)."""


def _code(exc: ResendError) -> int:
    try:
        return int(getattr(exc, "code", 500))
    except (TypeError, ValueError):
        return 500


def _retry_after(exc: ResendError) -> float:
    headers = {k.lower(): v for k, v in (getattr(exc, "headers", None) or {}).items()}
    try:
        return max(0.0, float(headers.get("retry-after", "1")))
    except ValueError:
        return 1.0


class ResendSender:
    name = "resend"

    def __init__(self, api_key: str, *, base_url: str = "https://api.resend.com", pacer: Pacer | None = None,
                 timeout: float = 10.0, max_retry_wait: float = 10.0, max_rate_limited: int = 3) -> None:
        self._api_key = api_key
        self.base_url = base_url.rstrip("/")
        self._pacer = pacer or Pacer(2.0)
        self._client = RequestsClient(timeout=max(1, round(timeout)))
        self._max_retry_wait = max_retry_wait
        self._max_rate_limited = max_rate_limited

    def __repr__(self) -> str:  # never show the key
        return f"ResendSender(base_url={self.base_url!r})"

    def _params(self, message: Message) -> dict[str, Any]:
        params: dict[str, Any] = {
            "from": message.sender, "to": [message.to], "subject": message.subject,
            "html": message.html, "text": message.text,
        }
        if message.reply_to:
            params["reply_to"] = message.reply_to
        if message.attachments:
            params["attachments"] = [
                {"filename": a.filename, "content": base64.b64encode(a.data).decode(), "content_type": a.content_type}
                for a in message.attachments
            ]
        return params

    def _call(self, params: dict[str, Any], idempotency_key: str) -> str:
        with _SDK_LOCK:
            saved = (resend.api_key, resend.api_url, resend.default_http_client)
            resend.api_key, resend.api_url, resend.default_http_client = self._api_key, self.base_url, self._client
            try:
                response = resend.Emails.send(params, {"idempotency_key": idempotency_key})  # type: ignore[arg-type]
            finally:
                resend.api_key, resend.api_url, resend.default_http_client = saved
        return str(response["id"])

    def send(self, message: Message, idempotency_key: str) -> str:
        params = self._params(message)
        for _ in range(self._max_rate_limited + 1):
            self._pacer.wait()
            try:
                return self._call(params, idempotency_key)
            except ResendError as exc:
                code = _code(exc)
                detail = f"Resend {code}: {getattr(exc, 'message', None) or exc}"
                if code == 429:
                    wait = _retry_after(exc)
                    self._pacer.pause(wait)
                    if wait > self._max_retry_wait:
                        raise ResendRetryError(f"{detail} (retry after {wait:g} s)") from None
                    continue
                if getattr(exc, "error_type", "") == "concurrent_idempotent_requests":
                    raise ResendRetryError(detail) from None  # the same key is still in flight: try later
                if 400 <= code < 500:
                    raise PermanentError(detail) from None
                raise ResendRetryError(detail) from None
        raise ResendRetryError("Resend kept answering 429 (rate limited)")
