"""Handlers by job kind: what the worker calls for each claimed job, and what a handler may answer.

A handler is any callable `handler(job, connect) -> Outcome`:

* `job` is the claimed row (`queue.Job`, payload = ids only);
* `connect()` opens a new connection to the same database, set up for the worker's pooler mode (use it as a
  context manager: `with connect() as conn: ...`) so the handler reads the *current* rows;
* it returns `Delivered(provider_message_id)` when the provider accepted the job, or `Skip(reason)` when the
  job's subject is no longer relevant (the session was cancelled or moved, the request was re-claimed): the
  job is then cancelled with that reason, never delivered;
* it raises for a failed attempt (the exception is recorded and the job retried with backoff), or raises
  `PermanentError` when retrying cannot help (the job fails at once).

A kind with no handler is never dropped: the worker records a failed attempt saying so, and after
max_attempts the job stays `failed` for an operator to retry once the handler exists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

import psycopg

from .queue import Job

ConnectionFactory = Callable[[], AbstractContextManager[psycopg.Connection[Any]]]


@dataclass(frozen=True)
class Delivered:
    """The provider accepted the job; its message id is recorded on the job."""

    provider_message_id: str


@dataclass(frozen=True)
class Skip:
    """The job must not run any more; it is cancelled with this reason."""

    reason: str


Outcome = Delivered | Skip


class PermanentError(Exception):
    """Raised by a handler when retrying cannot help (e.g. the provider rejected the address): fail now."""


class Handler(Protocol):
    def __call__(self, job: Job, connect: ConnectionFactory) -> Outcome: ...


class Registry(Mapping[str, Handler]):
    """A small dict of handlers by job kind; read-only once handed to a worker (build it, then run)."""

    def __init__(self, handlers: Mapping[str, Handler] | None = None) -> None:
        self._handlers: dict[str, Handler] = dict(handlers or {})

    def register(self, kind: str, handler: Handler) -> Registry:
        """Add the handler of `kind`; refuses to replace one silently. Returns the registry (chainable)."""
        if kind in self._handlers:
            raise ValueError(f"a handler for job kind {kind!r} is already registered")
        self._handlers[kind] = handler
        return self

    def __getitem__(self, kind: str) -> Handler:
        return self._handlers[kind]

    def __iter__(self) -> Iterator[str]:
        return iter(self._handlers)

    def __len__(self) -> int:
        return len(self._handlers)
