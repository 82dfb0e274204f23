"""Meeting providers: create, move and delete the online meeting of a session.

Each provider is a small object with the same three methods (Django's mail backends are the model), chosen by
the session's `meeting_platform`:

* `create(session) -> MeetingDetails`: a new meeting for the session (its link, the provider's meeting id,
  and a passcode when the provider has one);
* `move(session, details) -> MeetingDetails`: the session moved; update the meeting (the link may stay);
* `delete(details)`: the meeting is not needed (the session was cancelled, or another worker's link won).

`jitsi` (jitsi.py) needs no account: a room exists as soon as someone opens its unguessable link. `zoom`
(zoom.py), `google-meet` (google_meet.py) and `teams` (teams.py) call the platform's API over HTTP (base URLs
configurable, credentials only from settings). A provider whose create has no idempotency key also implements
`find(session)` (the `Recoverable` protocol): the handler records a create in flight before calling it, and a
later attempt looks the meeting up by `session.marker` instead of creating a second one.

Providers raise `TransientProviderError` (5xx, 429, timeouts: the job is retried with the queue's backoff) or
`PermanentProviderError` (400/401/403, misconfiguration: the job fails and the mentor is asked for a link).
handler.py is the outbox handler of `meeting_link` jobs.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class MeetingSession:
    """What a provider needs to know about a session to create or move its meeting."""

    id: uuid.UUID
    title: str  # the request's title: the meeting's topic
    scheduled_at: dt.datetime
    duration_minutes: int
    timezone: str
    platform: str
    sequence: int = 0  # the session version (ICS sequence) the meeting is for

    @property
    def marker(self) -> str:
        """Names this session version in the provider's meeting (topic/agenda/description), to find it again."""
        return f"mini-mentorship:{self.id}:{self.sequence}"

    @property
    def ends_at(self) -> dt.datetime:
        return self.scheduled_at + dt.timedelta(minutes=self.duration_minutes)


@dataclass(frozen=True)
class MeetingDetails:
    """A meeting as the session stores it (meeting_link, meeting_id, meeting_passcode)."""

    link: str
    meeting_id: str
    passcode: str | None = None


class MeetingProvider(Protocol):
    """One meeting platform (the value of sessions.meeting_platform it serves is `platform`)."""

    platform: str

    def create(self, session: MeetingSession) -> MeetingDetails: ...

    def move(self, session: MeetingSession, details: MeetingDetails) -> MeetingDetails: ...

    def delete(self, details: MeetingDetails) -> None: ...


@runtime_checkable
class Recoverable(Protocol):
    """A provider whose create is not idempotent: `find` looks up the meeting an earlier attempt may have made."""

    def find(self, session: MeetingSession) -> MeetingDetails | None: ...


class MeetingProviderError(Exception):
    """A provider call failed; the message is readable and never holds a credential."""


class TransientProviderError(MeetingProviderError):
    """Retrying later may help (5xx, 429, a timeout, a connection error): the queue retries with backoff."""


class PermanentProviderError(MeetingProviderError):
    """Retrying cannot help (400/401/403, a misconfigured provider): the job fails, the mentor is told."""
