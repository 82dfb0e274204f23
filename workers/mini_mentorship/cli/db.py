"""`mini-mentorship db …`: apply supabase/migrations like `supabase db push`, show their status, check policies
and lints, run the security matrix, and run a local embedded PostgreSQL for development."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.table import Table

from .. import db as dbmod
from .. import lint, policies
from .. import migrate as migrations
from .common import (
    AsJson,
    AutoExpose,
    DbUrl,
    ProjectDir,
    console,
    embedded_server,
    fail,
    reported,
    settings_for,
    target,
)

if TYPE_CHECKING:
    from ..checks.run import Group, MatrixRun

db_app = typer.Typer(
    help="Manage the database: apply supabase/migrations like `supabase db push`, show their status, "
    "check lints, policies and the security matrix, and run a local embedded PostgreSQL for development.",
    no_args_is_help=True,
)


@db_app.command("migrate")
def db_migrate(db_url: DbUrl = None, auto_expose: AutoExpose = False, project_dir: ProjectDir = None) -> None:
    """Apply pending supabase/migrations in version order, each in its own transaction.

    History goes to supabase_migrations.schema_migrations exactly as the Supabase CLI keeps it, so either tool
    can continue the other's work. Re-running applies nothing. A migration edited after it was applied is
    reported as drift and nothing runs; a failing migration is rolled back and its statement shown.
    """
    settings = settings_for(project_dir)
    with reported():
        url = target(db_url, settings)
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
    settings = settings_for(project_dir)
    with reported():
        url = target(db_url, settings)
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

    One check per file in workers/mini_mentorship/lints/, named after the splinter lint it mirrors (0001-0029
    where they apply): RLS off or without policies, always-true policies, policies reading user_metadata,
    auth.uid() re-evaluated per row, multiple permissive policies, mutable function search_path, security
    definer views and functions executable by anon/authenticated, auth.users or sensitive columns exposed,
    extensions in public, materialized views and foreign tables in the API, public buckets that allow
    listing, unindexed foreign keys, duplicate indexes and more. Like Supabase's linter it skips Supabase's own
    schemas (auth, storage, realtime, graphql_public, extensions, vault, ...). Findings listed in
    supabase/lint_allowlist.toml (each with its reason) are shown as allowed. Exits 1 on any other finding.
    """
    settings = settings_for(project_dir)
    with reported():
        url = target(db_url, settings)
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
        raise fail("nothing to do: pass --check to compare the database with supabase/policies")
    settings = settings_for(project_dir)
    with reported():
        url = target(db_url, settings)
        with dbmod.connect(url) as conn:
            diff = policies.drift(conn, settings.project_dir / "supabase" / "policies")
    if diff:
        for line in diff:  # plain echo: diff lines must never be wrapped or cut
            colour = "red" if line.startswith("-") else "green" if line.startswith("+") else None
            typer.secho(line, fg=colour)
        raise fail("the database and supabase/policies disagree (see the diff above)")
    console.print("policies and grants match supabase/policies")


@db_app.command("test")
def db_test(db_url: DbUrl = None, as_json: AsJson = False, project_dir: ProjectDir = None) -> None:
    """Run the security matrix against a database where the migrations are applied.

    Every actor (anon, students, mentors in and out of the pool, the claiming
    mentor, admin, service_role) × every exposed table × select / insert /
    update / delete, column by column, and × every RPC, compared with the
    declaration (mini_mentorship/checks/security_matrix.py, which mirrors
    supabase/policies/).

    It builds its own users, requests, a session and availability inside ONE
    transaction that is always rolled back; each cell is a PostgREST-like
    request (role + JWT claims) in a savepoint rolled back after it. Nothing
    is committed: rows, the outbox and the host's data stay as they were
    (sequences may advance; the statistics count the attempted writes).
    Connect as `postgres`, the role `supabase db push` uses.

    Prints a table of actor × operation (✓ allowed, ✗ or SQLSTATE refused,
    rows seen, k/n columns allowed; a red ! where a cell differs), then every
    differing cell. Exits 1 on any difference, or when the migrations or the
    API roles are missing. See docs/security.md, "Checking a deployed
    database".
    """
    from ..checks.run import run_matrix  # only this command needs the matrix (and mini_mentorship.testing)

    settings = settings_for(project_dir)
    with reported():
        run = run_matrix(target(db_url, settings))
    if as_json:
        typer.echo(json.dumps(_matrix_json(run)))
    else:
        console.print(_matrix_table(run))
        for cell in run.differences:
            console.print(f"[red]differs:[/] {cell.sentence()}", highlight=False)
        differing = len(run.differences)
        verdict = "[red]differ from[/]" if differing else "[green]match[/]"
        console.print(f"{run.database}: {differing or 'all'} of {len(run.cells)} cells {verdict} the declaration")
    if run.differences:
        raise typer.Exit(1)


# Five-letter column heads so the table fits 80 columns; the legend below the table spells them out.
_HEADS = {"anon": "anon", "owner": "owner", "other_student": "stud2", "pool_mentor": "pool",
          "non_pool_mentor": "npool", "claiming_mentor": "claim", "other_mentor": "ment2", "admin": "admin",
          "service_role": "svc"}
_LEGEND = (
    "✓ allowed · ✗ or SQLSTATE refused · n rows seen (select) · k/n columns allowed (insert, update) · "
    "[bold red]![/] differs from the declaration\n"
    "owner: student owning the requests · stud2: another student · pool / npool: mentor in / outside the pool "
    "· claim: the claiming mentor · ment2: another claiming mentor · svc: service_role"
)


def _mark(group: Group) -> str:
    if group.operation == "rpc":
        text = "✓" if group.allowed else group.got.split()[0]
    elif group.rows is not None:
        text = str(group.rows)
    elif group.total == 1:
        text = "✓" if group.allowed else "✗"
    else:
        text = f"{group.allowed}/{group.total}" if group.allowed else "✗"
    if group.differing:
        return f"[bold red]{text}![/]"
    return f"[green]{text}[/]" if group.allowed else f"[dim]{text}[/]"


def _matrix_table(run: MatrixRun) -> Table:
    table = Table(title=f"security matrix on {run.database}", title_justify="left", caption=_LEGEND,
                  caption_justify="left", box=box.SIMPLE_HEAD, padding=(0, 0), pad_edge=False)
    table.add_column("", no_wrap=True)
    actors = list(dict.fromkeys(group.actor for group in run.groups()))
    for actor in actors:
        table.add_column(_HEADS.get(actor, actor), justify="center", no_wrap=True, min_width=5)
    rows: dict[str, dict[str, str]] = {}
    for group in run.groups():
        name = group.subject.removeprefix("mini_mentorship_").removeprefix("mentorship_")
        label = name.replace("_mini_", "_").removesuffix("_mini") if group.operation == "rpc" else (
            f"{name} {group.operation}"
        )
        rows.setdefault(label, {})[group.actor] = _mark(group)
    for label, marks in rows.items():
        table.add_row(label, *(marks.get(actor, "") for actor in actors))
    return table


def _matrix_json(run: MatrixRun) -> dict[str, object]:
    return {
        "database": run.database,
        "cells": len(run.cells),
        "differing": len(run.differences),
        "differences": [
            {"actor": c.actor, "subject": c.subject, "operation": c.operation, "detail": c.detail,
             "expected": c.expected, "got": c.got, "error": c.error, "sentence": c.sentence()}
            for c in run.differences
        ],
        "groups": [
            {"subject": g.subject, "operation": g.operation, "actor": g.actor, "cells": g.total,
             "allowed": g.allowed, "differing": g.differing, "rows": g.rows}
            for g in run.groups()
        ],
    }


@db_app.command("up")
def db_up(project_dir: ProjectDir = None) -> None:
    """Start the embedded PostgreSQL 18 under .mini-mentorship/pg and print its URL. Idempotent."""
    settings = settings_for(project_dir)
    with reported():
        url = target(None, settings)
    typer.echo(url)


@db_app.command("down")
def db_down(project_dir: ProjectDir = None) -> None:
    """Stop the embedded PostgreSQL (its data stays in .mini-mentorship/pg)."""
    stopped = embedded_server(settings_for(project_dir)).stop()
    console.print("stopped the embedded server" if stopped else "the embedded server was not running")


@db_app.command("url")
def db_url_command(db_url: DbUrl = None, project_dir: ProjectDir = None) -> None:
    """Print the URL the other commands would use (DATABASE_URL, else the running embedded server)."""
    if db_url:
        typer.echo(db_url)
        return
    with reported():
        server_url = embedded_server(settings_for(project_dir)).url()
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
    settings = settings_for(project_dir)
    with reported():
        url = target(db_url, settings)
        name = dbmod.dbname_of(url)
        if name in ("postgres", "template0", "template1"):
            raise fail(f"refusing to drop the maintenance database {name!r}: point --db-url at another one")
        if not yes and not typer.confirm(f"Drop and recreate database {name!r}? All its data is lost"):
            raise typer.Exit(1)
        applied, seeded = dbmod.reset_database(url, settings, auto_expose=auto_expose)
    console.print(f"reset {name}: {len(applied)} migrations applied" + (", seed loaded" if seeded else ""))
