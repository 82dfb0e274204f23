"""The analytics report for people who would rather look than read: a table of the headline figures and
terminal charts (requests per week by status, time to claim, rates, ratings, top session types), all
readable at 100 columns (no wrapped cells: bars are sized to fit, labels are short).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .analytics import Report

STATUS_COLOURS = {
    "open": "cyan", "claimed": "blue", "scheduled": "magenta",
    "completed": "green", "cancelled": "yellow", "expired": "bright_black",
}
BAR_WIDTH = 40
BLOCK = "█"


def percent(rate: Any) -> str:
    return "-" if rate is None else f"{float(rate) * 100:.0f}%"


def duration(seconds: Any) -> str:
    """Seconds as the unit a reader expects: 42 s, 17 min, 3.5 h, 2.1 days; '-' for none."""
    if seconds is None:
        return "-"
    value = float(seconds)
    if value < 60:
        return f"{value:.0f} s"
    if value < 3600:
        return f"{value / 60:.0f} min"
    if value < 86400:
        return f"{value / 3600:.1f} h"
    return f"{value / 86400:.1f} days"


def number(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


def bar(value: float, largest: float, style: str, width: int = BAR_WIDTH) -> Text:
    cells = 0 if largest <= 0 else round(width * value / largest)
    if value > 0 and cells == 0:
        cells = 1  # something is never drawn as nothing
    return Text(BLOCK * cells, style=style)


def period(report: Report) -> str:
    since, until = report.get("since"), report.get("until")
    if since is None and until is None:
        return "all time"
    start = since.date().isoformat() if since is not None else "the beginning"
    end = until.date().isoformat() if until is not None else "now"
    return f"requests created from {start} until {end} (exclusive)"


def headline(report: Report) -> Table:
    table = Table("figure", "value", "figure ", "value ", title=f"Mini-mentorship analytics, {period(report)}",
                  title_justify="left")
    pairs = [
        ("requests", number(report["requests"])),
        ("students (repeat)", f"{report['students']} ({report['repeat_students']})"),
        ("claimed", f"{report['claimed_requests']} ({percent(report['claim_rate'])})"),
        ("request -> claim (avg)", duration(report["average_request_to_claim_seconds"])),
        ("claim -> scheduled (avg)", duration(report["average_claim_to_scheduled_seconds"])),
        ("requests cancelled", percent(report["request_cancellation_rate"])),
        ("sessions (ended)", f"{report['sessions']} ({report['ended_sessions']})"),
        ("follow-up requests", number(report["follow_up_requests"])),
        ("student rating (n)", f"{number(report['average_student_rating'])} ({report['student_ratings']})"),
        ("mentor rating (n)", f"{number(report['average_mentor_rating'])} ({report['mentor_ratings']})"),
    ]
    for left, right in zip(pairs[0::2], pairs[1::2], strict=True):
        table.add_row(*left, *right)
    return table


def label_count_bar() -> Table:
    """The chart layout: a label, a right-aligned figure, a bar; nothing wraps."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(justify="right", no_wrap=True)
    grid.add_column(no_wrap=True)
    return grid


def panel(body: Any, title: str) -> Panel:
    return Panel(body, title=title, title_align="left", expand=False)


def weekly_chart(report: Report) -> Panel:
    weeks: list[dict[str, Any]] = report["requests_per_week"]
    largest = max((w["requests"] for w in weeks), default=0)
    grid = label_count_bar()
    for week in weeks:
        line = Text()
        for status, colour in STATUS_COLOURS.items():
            if week[status]:
                line.append_text(bar(week[status], largest, colour))
        grid.add_row(week["week"], str(week["requests"]), line)
    legend = Text("  ").join(Text(f"{BLOCK} {status}", style=colour) for status, colour in STATUS_COLOURS.items())
    body = Group(grid, legend) if weeks else Text("no requests in this period")
    return panel(body, "Requests per week (Monday, UTC) by current status")


def claim_chart(report: Report) -> Panel:
    buckets: list[dict[str, Any]] = report["time_to_claim_distribution"]
    largest = max((b["claims"] for b in buckets), default=0)
    grid = label_count_bar()
    for bucket in buckets:
        grid.add_row(bucket["bucket"], str(bucket["claims"]), bar(bucket["claims"], largest, "blue"))
    return panel(grid, "Time from request to first claim")


def rates_chart(report: Report) -> Panel:
    grid = label_count_bar()
    for label, key, colour in [
        ("claimed", "claim_rate", "blue"),
        ("sessions completed", "completion_rate", "green"),
        ("no-shows", "no_show_rate", "red"),
        ("sessions cancelled", "session_cancellation_rate", "yellow"),
        ("requests cancelled", "request_cancellation_rate", "yellow"),
        ("follow-up needed", "follow_up_needed_rate", "cyan"),
    ]:
        rate = report[key]
        grid.add_row(label, percent(rate), bar(float(rate or 0), 1.0, colour))
    return panel(grid, "Rates (sessions: over ended sessions)")


def ratings_chart(report: Report) -> Panel:
    students: dict[str, int] = report["student_rating_distribution"]
    mentors: dict[str, int] = report["mentor_rating_distribution"]
    largest = max([*students.values(), *mentors.values(), 0])
    grid = Table.grid(padding=(0, 1))
    for name in ("stars", "by students", "n", "by mentors", "n "):
        grid.add_column(name, no_wrap=True)
    for stars in ("5", "4", "3", "2", "1"):
        grid.add_row("★" * int(stars) + " " * (5 - int(stars)),
                     bar(students[stars], largest, "green", width=20), str(students[stars]),
                     bar(mentors[stars], largest, "magenta", width=20), str(mentors[stars]))
    return panel(grid, "Ratings: by students (green), by mentors (magenta)")


def types_chart(report: Report, top: int = 5) -> Panel:
    types: dict[str, dict[str, Any]] = report["by_session_type"]
    ranked = sorted(types.items(), key=lambda item: (-item[1]["requests"], item[0]))[:top]
    largest = max((figures["requests"] for _, figures in ranked), default=0)
    grid = Table.grid(padding=(0, 1))
    grid.add_column("type", no_wrap=True)
    grid.add_column("n", justify="right", no_wrap=True)
    grid.add_column("bar", no_wrap=True, min_width=30)
    grid.add_column("completed", justify="right", no_wrap=True)
    for name, figures in ranked:
        grid.add_row(name, str(figures["requests"]), bar(figures["requests"], largest, "cyan", width=30),
                     f"{percent(figures['completion_rate'])} completed")
    body = grid if ranked else Text("no requests in this period")
    return panel(body, f"Top session types (of {len(types)}), by requests")


def show_report(report: Report, console: Console) -> None:
    console.print(headline(report))
    for chart in (weekly_chart, claim_chart, rates_chart, ratings_chart, types_chart):
        console.print(chart(report))
