"""The demo's back office: the real worker drains the outbox once (emails to the file sink, Jitsi links), the
cron tick runs as of a chosen time (`tick --now`), and the emails written are listed."""

from __future__ import annotations

import email
import email.policy
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from .. import db as dbmod
from ..email.settings import EmailSettings
from ..outbox.handlers import default_registry
from ..outbox.worker import Worker, WorkerError
from ..settings import WorkerSettings
from ..tick import TickResult, run_tick
from .walk import say


def drain(url: str, mail_dir: Path, console: Console) -> None:
    """`mini-mentorship worker run --once` in this process, file email backend into `mail_dir`."""
    quiet = logging.getLogger(f"{__name__}.worker")  # the narration says what happened; no log lines
    quiet.addHandler(logging.NullHandler())
    quiet.propagate = False
    settings = WorkerSettings(pool_mode="direct", listen=False, poll_interval=0.5)
    try:
        registry = default_registry(settings, email=EmailSettings(backend="file", file_dir=mail_dir))
    except WorkerError as exc:
        raise ValueError(str(exc)) from None
    worker = Worker(url, registry, settings, once=True, logger=quiet)
    with console.status("the worker drains the outbox…"):
        worker.run()
    t = worker.tally
    say(console, "[cyan]⚙[/]", f"[cyan]worker[/] {t.succeeded} jobs done, {t.cancelled} cancelled (no longer "
        f"relevant), {t.retried} to retry, {t.failed} failed")


def tick(url: str, as_of: datetime, console: Console) -> TickResult:
    """`mini-mentorship tick --now <as_of>`."""
    with dbmod.connect(url) as conn:
        result = run_tick(conn, as_of)
    say(console, "[cyan]◷[/]", f"[cyan]tick --now {as_of:%Y-%m-%dT%H:%MZ}[/] {result.expired} expired, "
        f"{result.released_stale} stale claims released, {result.reminders_queued} reminders queued")
    return result


@dataclass(frozen=True)
class Delivered:
    to: str
    subject: str
    when: str
    join: str | None
    has_invite: bool


def read_mail(mail_dir: Path) -> list[Delivered]:
    """The .eml files the file sender wrote, oldest first (their names sort by time)."""
    delivered = []
    for path in sorted(mail_dir.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        lines = (body.get_content() if body is not None else "").splitlines()
        when = next((line.removeprefix("When: ") for line in lines if line.startswith("When: ")), "-")
        join = next((line.removeprefix("Join: ") for line in lines if line.startswith("Join: ")), None)
        invite = any(part.get_content_type() == "text/calendar" for part in message.iter_attachments())
        delivered.append(Delivered(str(message["To"]), str(message["Subject"]), when, join, invite))
    return delivered


def show_mail(delivered: list[Delivered], mail_dir: Path, console: Console) -> None:
    """One line per email: recipient, subject (without the product name) and the session's local time."""
    table = Table(title=f"{len(delivered)} emails written to {mail_dir}", title_justify="left")
    for header in ("to", "subject", "session time, in the recipient's zone"):
        table.add_column(header, no_wrap=True, overflow="ellipsis")
    for mail in delivered:
        table.add_row(mail.to.split("@")[0], mail.subject.replace("Mini Mentorship ", ""),
                      mail.when.split(" (")[0])
    console.print(table)
