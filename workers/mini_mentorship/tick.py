"""The cron tick from Python: `private.tick(as_of)` (request sweeps, then due reminders) in one transaction.

`as_of` None means the database's now(). A tick run with an explicit time judges the sweeps and the reminder
windows at that time, and writes it into each reminder's payload (`as_of`), which the email worker's
relevance check uses too (a session counts as started once the later of now() and `as_of` passed its start),
so a demo or test that ticks "tomorrow" sees its reminders delivered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

TICK_SQL = "select private.tick(coalesce(%(as_of)s::timestamptz, now()))"


@dataclass(frozen=True)
class TickResult:
    as_of: datetime
    expired: int
    released_stale: int
    released_departed: int
    reminders_queued: int

    def summary(self) -> str:
        return (f"tick as of {self.as_of.isoformat()}: {self.expired} expired, {self.released_stale} stale claims "
                f"released, {self.released_departed} departed mentors' claims released, "
                f"{self.reminders_queued} reminders queued")


def run_tick(conn: psycopg.Connection[Any], as_of: datetime | None = None) -> TickResult:
    """One tick, committed (the connection may be autocommit or not)."""
    with conn.transaction():
        row = conn.execute(TICK_SQL, {"as_of": as_of}).fetchone()
    assert row is not None
    data: dict[str, Any] = row[0]
    return TickResult(
        as_of=datetime.fromisoformat(str(data["as_of"])), expired=int(data["expired"]),
        released_stale=int(data["released_stale"]), released_departed=int(data["released_departed"]),
        reminders_queued=int(data["reminders_queued"]),
    )
