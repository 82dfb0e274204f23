"""Meeting providers: create, move and delete the online meeting of a session.

Each provider is a small object with the same three methods (Django's mail backends are the model), chosen by
the session's `meeting_platform`:

* `create(session) -> MeetingDetails`: a new meeting for the session (its link, the provider's meeting id,
  and a passcode when the provider has one);
* `move(session, details) -> MeetingDetails`: the session moved; update the meeting (the link may stay);
* `delete(details)`: the meeting is not needed (the session was cancelled, or another worker's link won).

`jitsi` (jitsi.py) needs no account: a room exists as soon as someone opens its unguessable link. Zoom, Google
Meet and Teams come with the meeting issue. handler.py is the outbox handler of `meeting_link` jobs.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class MeetingSession:
    """What a provider needs to know about a session to create or move its meeting."""

    id: uuid.UUID
    title: str  # the request's title: the meeting's topic
    scheduled_at: dt.datetime
    duration_minutes: int
    timezone: str
    platform: str


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
