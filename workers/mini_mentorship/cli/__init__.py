"""The `mini-mentorship` command line: one typer app, one module per command group.

`db` (cli/db.py): migrations, status, lint, policies, the embedded server; `outbox` (cli/outbox.py): the
operator's view of the job queue; `worker` (cli/worker.py): drain the outbox; `tick` (cli/tick.py): the cron
entry point; `analytics` (cli/analytics.py): the admin report as charts; `types` (cli/types.py): the
TypeScript types of the API; `demo` (here). The shared options and error handling live in cli/common.py.
"""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from .analytics import analytics
from .common import DbUrl, ProjectDir, console, reported, settings_for, target
from .db import db_app
from .outbox import outbox_app
from .tick import tick
from .types import types
from .worker import worker_app

app = typer.Typer(
    help="mini-mentorship: one-time mentorship sessions on Supabase. "
    "Database tools, workers and the demo. Settings come from MM_* environment variables or .env.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db_app, name="db")
app.add_typer(outbox_app, name="outbox")
app.add_typer(worker_app, name="worker")
app.command("tick")(tick)
app.command("analytics")(analytics)
app.command("types")(types)


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log what happens, one line per step.")] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@app.command("demo")
def demo(
    db_url: DbUrl = None,
    project_dir: ProjectDir = None,
) -> None:
    """Reset the demo database (embedded server by default), load the seed, and show what is there."""
    from ..demo import run_demo

    settings = settings_for(project_dir)
    with reported():
        url = target(db_url, settings)
        run_demo(url, settings, console)
