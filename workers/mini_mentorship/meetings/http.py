"""What the HTTP providers share: calling an API with httpx, sorting failures, caching an OAuth token.

* `call(client, method, url, what=..., **kwargs)` sends one request; timeouts and connection errors become
  `TransientProviderError`; the response is returned as is (the caller decides what 401 or 404 mean).
* `authorized(client, tokens, method, url, …)`: the same with a bearer token from a `TokenCache`, fetched
  again once after a 401.
* `check(response, what)` turns a non-2xx answer into `TransientProviderError` (5xx, 429 with its
  `retry-after`) or `PermanentProviderError` (any other 4xx), with the provider's short error text, never the
  request's headers (they carry the token).
* `TokenCache` keeps an access token until shortly before it expires; `invalidate()` after a 401 makes the
  next `get()` fetch a new one. Thread-safe: the worker runs jobs in threads that share a provider.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from . import PermanentProviderError, TransientProviderError

EXPIRY_MARGIN_SECONDS = 60.0  # refresh a token this long before the provider says it expires


def call(client: httpx.Client, method: str, url: str, *, what: str, **kwargs: Any) -> httpx.Response:
    """One request; a timeout or connection failure is a transient error naming `what` was attempted."""
    try:
        return client.request(method, url, **kwargs)
    except httpx.TimeoutException:
        raise TransientProviderError(f"{what}: the provider did not answer in time") from None
    except httpx.TransportError as exc:
        raise TransientProviderError(f"{what}: cannot reach the provider ({type(exc).__name__})") from None


def authorized(client: httpx.Client, tokens: TokenCache, method: str, url: str, *, what: str,
               ok: tuple[int, ...] = (), **kwargs: Any) -> httpx.Response:
    """A call with the cached bearer token; after a 401 the token is fetched again and the call made once more.
    Statuses in `ok` (e.g. 404 for a delete) are returned as they are; other failures raise as `check` does."""
    for attempt in (1, 2):
        token = tokens.get()
        headers = {"Authorization": f"Bearer {token}"}
        response = call(client, method, url, what=what, headers=headers, **kwargs)
        if response.status_code != 401 or attempt == 2:
            break
        tokens.invalidate(token)
    if response.status_code in ok:
        return response
    return check(response, what)


def check(response: httpx.Response, what: str) -> httpx.Response:
    """The response when it is 2xx, else the transient or permanent error it stands for."""
    if response.is_success:
        return response
    status = response.status_code
    detail = _detail(response)
    if status == 429:
        after = response.headers.get("retry-after")
        wait = f", retry after {after} s" if after else ""
        raise TransientProviderError(f"{what}: rate limited (HTTP 429{wait}){detail}")
    if status >= 500 or status == 408:
        raise TransientProviderError(f"{what}: the provider failed (HTTP {status}){detail}")
    raise PermanentProviderError(f"{what}: refused (HTTP {status}){detail}")


def _detail(response: httpx.Response) -> str:
    """The provider's own short error text (message / error_description / reason / error), at most 200 chars."""
    try:
        body = response.json()
    except ValueError:
        return ""
    text: Any = None
    if isinstance(body, dict):
        error = body.get("error")
        text = body.get("message") or body.get("error_description") or body.get("reason")
        if text is None and isinstance(error, dict):
            text = error.get("message")
        if text is None and isinstance(error, str):
            text = error
    return f": {str(text)[:200]}" if text else ""


class TokenCache:
    """An access token from `fetch() -> (token, expires_in seconds)`, reused until shortly before it expires."""

    def __init__(self, fetch: Callable[[], tuple[str, float]], *, clock: Callable[[], float] = time.monotonic,
                 margin: float = EXPIRY_MARGIN_SECONDS) -> None:
        self._fetch = fetch
        self._clock = clock
        self._margin = margin
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0

    def get(self) -> str:
        with self._lock:
            if self._token is None or self._clock() >= self._expires_at - self._margin:
                token, expires_in = self._fetch()
                self._token, self._expires_at = token, self._clock() + expires_in
            return self._token

    def invalidate(self, token: str) -> None:
        """Forget `token` (the provider answered 401 to it); a newer one fetched meanwhile is kept."""
        with self._lock:
            if self._token == token:
                self._token = None
