"""Apply `supabase/migrations/*.sql` the way `supabase db push` does, with the same history table.

Each file runs in its own transaction, statement by statement (so a failure names the statement), and is
recorded in `supabase_migrations.schema_migrations (version, name, statements)`: a database migrated by the
Supabase CLI can be continued by this runner and the other way round. A file edited after it was applied is
drift and stops the run; it is never silently skipped or re-applied.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import psycopg

from .sqlsplit import fingerprint, split_statements

log = logging.getLogger(__name__)

# The CLI's own rule is `<digits>_<name>.sql`; we hold ourselves to 14 digits and a snake_case name.
FILENAME = re.compile(r"^(?P<version>\d{14})_(?P<name>[a-z0-9]+(?:_[a-z0-9]+)*)\.sql$")

# As the Supabase CLI does: give up instead of queueing behind a long lock and blocking the app's queries.
LOCK_TIMEOUT = "set local lock_timeout = '4s'"

HISTORY_DDL = [
    "create schema if not exists supabase_migrations",
    "create table if not exists supabase_migrations.schema_migrations (version text not null primary key)",
    "alter table supabase_migrations.schema_migrations add column if not exists statements text[]",
    "alter table supabase_migrations.schema_migrations add column if not exists name text",
]


class MigrationError(RuntimeError):
    """A migration could not be applied, or the history disagrees with the files."""


class State(StrEnum):
    APPLIED = "applied"
    PENDING = "pending"
    DRIFTED = "drifted"  # applied, but the file changed since
    MISSING = "missing"  # in the database's history, no file for it here


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    path: Path

    @property
    def statements(self) -> list[str]:
        return split_statements(self.path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class MigrationStatus:
    version: str
    name: str
    state: State


def discover(migrations_dir: Path) -> list[Migration]:
    """Every migration file in version order; a badly named .sql file is an error, not a skip."""
    if not migrations_dir.is_dir():
        raise MigrationError(f"no migrations directory at {migrations_dir}")
    found: list[Migration] = []
    for path in sorted(migrations_dir.glob("*.sql")):
        match = FILENAME.match(path.name)
        if match is None:
            raise MigrationError(
                f"{path.name}: migration files must be named <14-digit version>_<snake_case_name>.sql"
            )
        found.append(Migration(match["version"], match["name"], path))
    versions = [m.version for m in found]
    if len(versions) != len(set(versions)):
        raise MigrationError("two migration files share a version: " + ", ".join(sorted(versions)))
    return found


def _history(conn: psycopg.Connection) -> dict[str, tuple[str | None, list[str]]]:
    exists = conn.execute("select to_regclass('supabase_migrations.schema_migrations') is not null").fetchone()
    if not exists or not exists[0]:
        return {}
    rows = conn.execute(
        "select version, name, coalesce(statements, '{}') from supabase_migrations.schema_migrations"
    ).fetchall()
    return {version: (name, list(statements)) for version, name, statements in rows}


def status(conn: psycopg.Connection, migrations_dir: Path) -> list[MigrationStatus]:
    """Applied, pending, drifted and missing migrations, in version order."""
    history = _history(conn)
    result: list[MigrationStatus] = []
    local = discover(migrations_dir)
    for migration in local:
        if migration.version not in history:
            state = State.PENDING
        elif fingerprint(history[migration.version][1]) != fingerprint(migration.statements):
            state = State.DRIFTED
        else:
            state = State.APPLIED
        result.append(MigrationStatus(migration.version, migration.name, state))
    local_versions = {m.version for m in local}
    for version, (name, _) in history.items():
        if version not in local_versions:
            result.append(MigrationStatus(version, name or "", State.MISSING))
    return sorted(result, key=lambda s: s.version)


def migrate(conn: psycopg.Connection, migrations_dir: Path) -> list[Migration]:
    """Apply every pending migration in order; return those applied. Refuses to run past drift."""
    states = status(conn, migrations_dir)
    drifted = [s for s in states if s.state is State.DRIFTED]
    if drifted:
        names = ", ".join(f"{s.version}_{s.name}.sql" for s in drifted)
        raise MigrationError(
            f"drift: {names} changed after it was applied. Released migrations are never edited: "
            "revert the file and put the change in a new migration."
        )
    pending = {s.version for s in states if s.state is State.PENDING}
    applied: list[Migration] = []
    for migration in discover(migrations_dir):
        if migration.version in pending:
            apply_one(conn, migration)
            applied.append(migration)
    return applied


def apply_one(conn: psycopg.Connection, migration: Migration) -> None:
    statements = migration.statements
    with conn.transaction():
        conn.execute(LOCK_TIMEOUT)
        for ddl in HISTORY_DDL:
            conn.execute(ddl)
        for number, statement in enumerate(statements, start=1):
            try:
                with conn.cursor() as cur:
                    cur.execute(statement, prepare=False)
            except psycopg.Error as exc:
                diag = exc.diag
                detail = f" ({diag.sqlstate})" if diag.sqlstate else ""
                raise MigrationError(
                    f"{migration.path.name}: statement {number} of {len(statements)} failed{detail}: "
                    f"{diag.message_primary or exc}\n--- failing statement ---\n{statement}\n"
                    "Nothing from this file was applied (rolled back)."
                ) from exc
        conn.execute(
            "insert into supabase_migrations.schema_migrations (version, name, statements) values (%s, %s, %s)",
            (migration.version, migration.name, statements),
        )
    log.info("applied migration %s_%s (%d statements)", migration.version, migration.name, len(statements))
