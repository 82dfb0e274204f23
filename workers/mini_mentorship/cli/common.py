"""What every command group shares: the consoles, the common options, and turning errors into one line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import psycopg
import typer
from rich.console import Console

from .. import db as dbmod
from .. import migrate as migrations
from .. import policies
from ..pgserver import LocalServer, ServerError, embedded_bindir
from ..settings import Settings

console = Console()
err_console = Console(stderr=True, soft_wrap=True)  # one-line errors are never wrapped

DbUrl = Annotated[
    str | None,
    typer.Option(
        "--db-url",
        envvar=["MM_DATABASE_URL", "DATABASE_URL"],
        help="PostgreSQL URL of the target database. Default: DATABASE_URL, else the embedded server "
        "started under the project's .mini-mentorship/ directory (started on demand).",
        show_default=False,
    ),
]
AutoExpose = Annotated[
    bool,
    typer.Option(
        "--auto-expose/--no-auto-expose",
        help="Only when the stand-in is applied (a database without an auth schema): also apply Supabase's "
        "historical default grants of everything in public to the API roles.",
    ),
]
ProjectDir = Annotated[
    Path | None,
    typer.Option(
        "--project-dir",
        help="Project root holding supabase/config.toml. Default: found from the current directory upward.",
        show_default=False,
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def settings_for(project_dir: Path | None) -> Settings:
    return Settings(project_dir=project_dir) if project_dir else Settings()


def embedded_server(settings: Settings) -> LocalServer:
    return LocalServer(settings.server_dir, embedded_bindir(), "embedded pg18")


def fail(message: str) -> typer.Exit:
    """Print `error: message` on stderr; raise the returned Exit (status 1)."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(1)


@contextmanager
def reported() -> Iterator[None]:
    """Turn the errors a user can act on into one clear line and exit status 1, never a traceback."""
    try:
        yield
    except (migrations.MigrationError, ServerError, policies.PolicyError, ValueError) as exc:
        raise fail(str(exc)) from None
    except psycopg.Error as exc:
        raise fail(f"database error: {' '.join(str(exc).split())}") from None


def target(db_url: str | None, settings: Settings, *, start: bool = True) -> str:
    """The URL to work on: the given one, or the embedded server's database (started if needed and `start`;
    otherwise it must be running, else a one-line error)."""
    if db_url:
        return db_url
    server = embedded_server(settings)
    if not start:
        try:
            return dbmod.with_dbname(server.url(), dbmod.EMBEDDED_DBNAME)
        except ServerError as exc:
            raise fail(f"no database: pass --db-url or set DATABASE_URL ({exc})") from None
    server_url = server.start()
    if not dbmod.database_exists(server_url, dbmod.EMBEDDED_DBNAME):
        dbmod.create_database(server_url, dbmod.EMBEDDED_DBNAME)
    return dbmod.with_dbname(server_url, dbmod.EMBEDDED_DBNAME)
