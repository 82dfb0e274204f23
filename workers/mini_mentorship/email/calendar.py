"""Calendar invites (.ics, RFC 5545 via `icalendar`) and the "Add to Google Calendar" link.

One VEVENT per session with a stable UID (`<session id>@mini-mentorship`), SEQUENCE = the session's
sequence, DTSTART/DTEND in UTC, the mentor as ORGANIZER and both participants as ATTENDEEs, the join link as
LOCATION and URL. Scheduled and rescheduled emails carry METHOD:REQUEST; a cancellation METHOD:CANCEL with the
same UID, so calendar apps update or remove the event they already have.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//mini-mentorship//sessions//EN"


@dataclass(frozen=True)
class Invite:
    session_id: str
    sequence: int
    start: datetime
    minutes: int
    title: str
    description: str
    organizer: tuple[str, str]  # (name, email): the mentor
    attendees: tuple[tuple[str, str], ...]
    location: str | None  # the join link, or the in-person place
    url: str | None

    @property
    def uid(self) -> str:
        return f"{self.session_id}@mini-mentorship"

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.minutes)


def _address(name: str, email: str, *, role: str | None = None) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["cn"] = vText(name)
    if role:
        address.params["role"] = vText(role)
        address.params["partstat"] = vText("NEEDS-ACTION")
    return address


def ics(invite: Invite, method: str) -> bytes:
    """The .ics for `method` REQUEST (scheduled, rescheduled) or CANCEL."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", method)
    event = Event()
    event.add("uid", invite.uid)
    event.add("sequence", invite.sequence)
    event.add("dtstamp", datetime.now(UTC))
    event.add("dtstart", invite.start.astimezone(UTC))
    event.add("dtend", invite.end.astimezone(UTC))
    event.add("summary", invite.title)
    event.add("description", invite.description)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event["organizer"] = _address(*invite.organizer)
    for name, email in invite.attendees:
        event.add("attendee", _address(name, email, role="REQ-PARTICIPANT"))
    if invite.location:
        event.add("location", invite.location)
    if invite.url:
        event.add("url", invite.url)
    cal.add_component(event)
    return bytes(cal.to_ical())


def google_calendar_link(invite: Invite) -> str:
    """https://calendar.google.com/calendar/render?action=TEMPLATE&... for the session (times in UTC)."""
    fmt = "%Y%m%dT%H%M%SZ"
    details = invite.description + (f"\n\nJoin: {invite.url}" if invite.url else "")
    query = {
        "action": "TEMPLATE",
        "text": invite.title,
        "dates": f"{invite.start.astimezone(UTC):{fmt}}/{invite.end.astimezone(UTC):{fmt}}",
        "details": details,
    }
    if invite.location:
        query["location"] = invite.location
    return "https://calendar.google.com/calendar/render?" + urlencode(query)
