"""`mini-mentorship demo` (what `scripts/demo` runs): one small community's whole mentorship, told as it happens.

It resets the demo database (migrations + supabase/seed.sql), then every step runs as the person it names,
through the PostgREST-faithful path (demo/walk.py): availability, requests of every type and urgency,
browsing, two mentors racing for one request, a Jitsi session scheduled and moved, a cancellation that
reopens a request, reminders from `tick --now`, a session joined, completed and rated, a no-show, an expiry.
The real worker (demo/delivery.py) drains the outbox after each chapter into the file email sink; the emails
written are listed, and the admin's analytics report closes the story.

Modules: community.py (who and what they ask), walk.py (calls as a user, the race), story.py (the chapters),
delivery.py (worker, tick, the emails written).
"""

from __future__ import annotations

import shutil

from rich.console import Console

from .. import db as dbmod
from ..analytics import fetch_report
from ..analytics_view import show_report
from ..settings import Settings
from .community import ADMIN
from .delivery import read_mail, show_mail
from .story import Outcome, Story
from .walk import Walk

__all__ = ["run_demo"]


def run_demo(url: str, settings: Settings, console: Console) -> Outcome:
    applied, seeded = dbmod.reset_database(url, settings)
    console.print(f"[bold]mini-mentorship demo[/]: {dbmod.dbname_of(url)} reset, {len(applied)} migrations "
                  f"applied" + (", seed loaded" if seeded else ", no seed file"), highlight=False)
    mail_dir = (settings.data_dir or settings.project_dir / ".mini-mentorship") / "demo-mail"
    shutil.rmtree(mail_dir, ignore_errors=True)
    walk = Walk(url, console)
    try:
        outcome = Story(walk, url, mail_dir, console).tell()
        console.rule("[bold]12. Every email the worker wrote")
        show_mail(read_mail(mail_dir), mail_dir, console)
        console.rule("[bold]13. What the admin sees: mini-mentorship analytics")
        console.print("rpc('mini_mentorship_analytics') as the admin; the same as `mini-mentorship analytics`.",
                      highlight=False)
        show_report(fetch_report(walk.admin, ADMIN.id), console)
    finally:
        walk.close()
    refused = sum(not step.ok for step in walk.steps)
    console.print(f"[bold]Done:[/] {len(walk.steps)} API calls as {len({s.who for s in walk.steps})} people, "
                  f"{refused} refused as they should be. Run it again: it starts clean.", highlight=False)
    return outcome
