"""`mini-mentorship analytics`: the admin analytics RPC as tables and terminal charts, JSON or CSV."""

from __future__ import annotations

import csv
import sys
from datetime import datetime
from typing import Annotated

import typer

from .. import db as dbmod
from ..analytics import AnalyticsError, fetch_report, report_rows, resolve_user, to_json
from ..analytics_view import show_report
from .common import DbUrl, console, fail, reported, settings_for, target


def _moment(option: str, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise fail(f"{option} {value!r} is not an ISO 8601 date or time (e.g. 2026-10-01 or "
                   "2026-10-01T00:00:00Z)") from None
    if moment.tzinfo is None:
        moment = moment.astimezone()  # a naive time is this machine's local time
    return moment


def analytics(
    since: Annotated[str | None, typer.Option(
        "--since", show_default=False,
        help="Count requests created at or after this date/time (ISO 8601; without an offset: local time).",
    )] = None,
    until: Annotated[str | None, typer.Option(
        "--until", show_default=False, help="... and before this date/time (exclusive).",
    )] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON (the RPC's row).")] = False,
    as_csv: Annotated[bool, typer.Option(
        "--csv", help="Print figure,value lines (nested figures as dotted names).",
    )] = False,
    db_url: DbUrl = None,
    as_user: Annotated[str | None, typer.Option(
        "--as-user", metavar="EMAIL|UUID", show_default=False,
        help="Ask as this user (must be an admin). Default: the oldest user whose app_metadata role is admin.",
    )] = None,
) -> None:
    """Show the admin analytics (`rpc('mini_mentorship_analytics')`) as tables and charts.

    Asked exactly as the app asks (role authenticated, the user's JWT claims): only admins get it.
    """
    if as_json and as_csv:
        raise fail("choose one of --json and --csv")
    start, end = _moment("--since", since), _moment("--until", until)
    settings = settings_for(None)
    with reported():
        url = target(db_url, settings, start=False)
        try:
            with dbmod.connect(url) as conn:
                report = fetch_report(conn, resolve_user(conn, as_user), start, end)
        except AnalyticsError as exc:
            raise fail(str(exc)) from None
    if as_json:
        typer.echo(to_json(report))
    elif as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["figure", "value"])
        for name, value in report_rows(report):
            writer.writerow([name, "" if value is None else value])
    else:
        show_report(report, console)
