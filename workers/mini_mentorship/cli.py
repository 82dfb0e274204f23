"""The `mini-mentorship` command line: database lifecycle (migrate, status, up/down, reset) and the demo."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import psycopg
import typer
from rich.console import Console
from rich.table import Table

from . import db as dbmod
from . import lint, policies
from . import migrate as migrations
from .cli_outbox import outbox_app
from .cli_tick import tick
from .cli_worker import worker_app
from .pgserver import LocalServer, ServerError, embedded_bindir
from .settings import Settings

app = typer.Typer(
    help="mini-mentorship: one-time mentorship sessions on Supabase. "
    "Database tools, workers and the demo. Settings come from MM_* environment variables or .env.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(
    help="Manage the database: apply supabase/migrations like `supabase db push`, show their status, "
    "and run a local embedded PostgreSQL for development.",
    no_args_is_help=True,
)
app.add_typer(db_app, name="db")
app.add_typer(outbox_app, name="outbox")
app.add_typer(worker_app, name="worker")
app.command("tick")(tick)

console = Console()
err_console = Console(stderr=True)

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


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log what happens, one line per step.")] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def _settings(project_dir: Path | None) -> Settings:
    return Settings(project_dir=project_dir) if project_dir else Settings()


def _server(settings: Settings) -> LocalServer:
    return LocalServer(settings.server_dir, embedded_bindir(), "embedded pg18")


def _fail(message: str) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(1)


@contextmanager
def _reported() -> Iterator[None]:
    """Turn the errors a user can act on into one clear line and exit status 1, never a traceback."""
    try:
        yield
    except (migrations.MigrationError, ServerError, policies.PolicyError, ValueError) as exc:
        raise _fail(str(exc)) from None
    except psycopg.Error as exc:
        raise _fail(f"database error: {str(exc).strip()}") from None


def _target(db_url: str | None, settings: Settings) -> str:
    """The URL to work on: the given one, or the embedded server's database (started if needed)."""
    if db_url:
        return db_url
    server = _server(settings)
    server_url = server.start()
    if not dbmod.database_exists(server_url, dbmod.EMBEDDED_DBNAME):
        dbmod.create_database(server_url, dbmod.EMBEDDED_DBNAME)
    return dbmod.with_dbname(server_url, dbmod.EMBEDDED_DBNAME)


@db_app.command("migrate")
def db_migrate(db_url: DbUrl = None, auto_expose: AutoExpose = False, project_dir: ProjectDir = None) -> None:
    """Apply pending supabase/migrations in version order, each in its own transaction.

    History goes to supabase_migrations.schema_migrations exactly as the Supabase CLI keeps it, so either tool
    can continue the other's work. Re-running applies nothing. A migration edited after it was applied is
    reported as drift and nothing runs; a failing migration is rolled back and its statement shown.
    """
    settings = _settings(project_dir)
    with _reported():
        url = _target(db_url, settings)
        applied = dbmod.migrate_database(url, settings, auto_expose=auto_expose)
    if not applied:
        console.print("database is up to date: no migration to apply")
    for migration in applied:
        console.print(f"applied {migration.version}_{migration.name}.sql")


@db_app.command("status")
def db_status(
    db_url: DbUrl = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the status as JSON.")] = False,
    project_dir: ProjectDir = None,
) -> None:
    """Show each migration as applied, pending, drifted (edited after applying) or missing (no local file).

    Exits 1 when anything is drifted or missing, so scripts can gate on it.
    """
    settings = _settings(project_dir)
    with _reported():
        url = _target(db_url, settings)
        with dbmod.connect(url) as conn:
            rows = migrations.status(conn, settings.migrations_dir)
    if as_json:
        typer.echo(json.dumps([{"version": r.version, "name": r.name, "state": r.state.value} for r in rows]))
    else:
        table = Table("version", "name", "state", title="supabase/migrations")
        colours = {"applied": "green", "pending": "yellow", "drifted": "red", "missing": "red"}
        for r in rows:
            table.add_row(r.version, r.name, f"[{colours[r.state.value]}]{r.state.value}[/]")
        console.print(table)
    bad = [r for r in rows if r.state in (migrations.State.DRIFTED, migrations.State.MISSING)]
    if bad:
        raise typer.Exit(1)


@db_app.command("lint")
def db_lint(
    db_url: DbUrl = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print findings as JSON.")] = False,
    project_dir: ProjectDir = None,
) -> None:
    """Run the Supabase-linter (splinter) equivalent checks against the database.

    Checks: RLS disabled in an exposed schema, policies with RLS off, RLS on with no policy, security-definer
    views, mutable function search_path, auth.users exposed through a view, auth.uid() re-evaluated per row
    in a policy, multiple permissive policies, unindexed foreign keys, duplicate indexes. Findings listed in
    supabase/lint_allowlist.toml (each with its reason) are shown as allowed. Exits 1 on any other finding.
    """
    settings = _settings(project_dir)
    with _reported():
        url = _target(db_url, settings)
        with dbmod.connect(url) as conn:
            findings = lint.run_lints(conn)
        allowed = lint.load_allowlist(settings.project_dir / "supabase" / "lint_allowlist.toml")
    failing = lint.unexplained(findings, allowed)
    if as_json:
        typer.echo(json.dumps([
            {"lint": f.lint, "object": f.object, "detail": f.detail, "allowed": f not in failing}
            for f in findings
        ]))
    else:
        for f in findings:
            mark = "[red]FAIL[/]" if f in failing else "[dim]allowed[/]"
            console.print(f"{mark} {f.lint} {f.object}: {f.detail}", highlight=False)
        console.print(f"{len(lint.lint_names())} checks, {len(findings)} findings, {len(failing)} not allowed")
    if failing:
        raise typer.Exit(1)


@db_app.command("policies")
def db_policies(
    check: Annotated[
        bool, typer.Option("--check", help="Compare the database with supabase/policies/*.sql (required).")
    ] = False,
    db_url: DbUrl = None,
    project_dir: ProjectDir = None,
) -> None:
    """Check that the database's RLS policies and grants equal what supabase/policies/*.sql declares.

    Snapshots RLS flags, policies, table, column and function grants of mini-mentorship's objects, then applies
    the policy files onto a stripped copy of the same schema inside a transaction that is rolled back, and
    prints a diff of any difference (- database, + policy files). Changes nothing. Exits 1 on drift.
    """
    if not check:
        raise _fail("nothing to do: pass --check to compare the database with supabase/policies")
    settings = _settings(project_dir)
    with _reported():
        url = _target(db_url, settings)
        with dbmod.connect(url) as conn:
            diff = policies.drift(conn, settings.project_dir / "supabase" / "policies")
    if diff:
        for line in diff:  # plain echo: diff lines must never be wrapped or cut
            colour = "red" if line.startswith("-") else "green" if line.startswith("+") else None
            typer.secho(line, fg=colour)
        raise _fail("the database and supabase/policies disagree (see the diff above)")
    console.print("policies and grants match supabase/policies")


@db_app.command("up")
def db_up(project_dir: ProjectDir = None) -> None:
    """Start the embedded PostgreSQL 18 under .mini-mentorship/pg and print its URL. Idempotent."""
    settings = _settings(project_dir)
    with _reported():
        url = _target(None, settings)
    typer.echo(url)


@db_app.command("down")
def db_down(project_dir: ProjectDir = None) -> None:
    """Stop the embedded PostgreSQL (its data stays in .mini-mentorship/pg)."""
    stopped = _server(_settings(project_dir)).stop()
    console.print("stopped the embedded server" if stopped else "the embedded server was not running")


@db_app.command("url")
def db_url_command(db_url: DbUrl = None, project_dir: ProjectDir = None) -> None:
    """Print the URL the other commands would use (DATABASE_URL, else the running embedded server)."""
    if db_url:
        typer.echo(db_url)
        return
    with _reported():
        server_url = _server(_settings(project_dir)).url()
    typer.echo(dbmod.with_dbname(server_url, dbmod.EMBEDDED_DBNAME))


@db_app.command("reset")
def db_reset(
    db_url: DbUrl = None,
    auto_expose: AutoExpose = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    project_dir: ProjectDir = None,
) -> None:
    """Drop the database, create it again, apply the stand-in, every migration and supabase/seed.sql.

    Destroys all data in that database. Refuses to drop the server's maintenance database `postgres`.
    """
    settings = _settings(project_dir)
    with _reported():
        url = _target(db_url, settings)
        name = dbmod.dbname_of(url)
        if name in ("postgres", "template0", "template1"):
            raise _fail(f"refusing to drop the maintenance database {name!r}: point --db-url at another one")
        if not yes and not typer.confirm(f"Drop and recreate database {name!r}? All its data is lost"):
            raise typer.Exit(1)
        applied, seeded = dbmod.reset_database(url, settings, auto_expose=auto_expose)
    console.print(f"reset {name}: {len(applied)} migrations applied" + (", seed loaded" if seeded else ""))


@app.command("demo")
def demo(
    db_url: DbUrl = None,
    project_dir: ProjectDir = None,
) -> None:
    """Reset the demo database (embedded server by default), load the seed, and show what is there."""
    from .demo import run_demo

    settings = _settings(project_dir)
    with _reported():
        url = _target(db_url, settings)
        run_demo(url, settings, console)
