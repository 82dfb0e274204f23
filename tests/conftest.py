"""Shared fixtures: real PostgreSQL servers, one fresh migrated database per test, PostgREST-like callers.

Every test runs once per server: the embedded PostgreSQL 18 (always) and Debian's PostgreSQL 15 (Supabase's
long-standing major) when installed. The PG 18 run uses the stand-in in the new no-auto-expose mode, the
PG 15 run with Supabase's historical default grants on public, so both privilege modes are exercised.

Isolation: the stand-in and all migrations are applied once per server into a template database; each test
gets its own copy (`create database … template …`), so tests can commit, use parallel connections, and
never see each other's data.
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mini_mentorship import db as dbmod
from mini_mentorship.pgserver import LocalServer, available_bindirs
from mini_mentorship.settings import Settings
from mini_mentorship.testing.api import TEMP_FILE_LIMIT, Api
from mini_mentorship.testing.database import Database, create_user, user_claims

PROJECT_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ServerKind:
    label: str  # pg18 / pg15
    auto_expose: bool


SERVERS_USED = pytest.StashKey[list[str]]()
MATRIX_CELLS = pytest.StashKey[int]()
SUMMARY_LINES = pytest.StashKey[list[str]]()  # figures a test wants in the run's summary (e.g. the chaos test)

SERVER_KINDS = [ServerKind("pg18", auto_expose=False), ServerKind("pg15", auto_expose=True)]


@dataclass
class RunningServer:
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


def _kinds() -> list[Any]:
    have = available_bindirs()
    return [
        pytest.param(
            kind,
            id=kind.label,
            marks=[]
            if kind.label in have
            else [pytest.mark.skip(reason=f"{kind.label} is not installed on this machine")],
        )
        for kind in SERVER_KINDS
    ]


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings(project_dir=PROJECT_DIR, database_url=None)


@pytest.fixture(scope="session", params=_kinds())
def pg(request: pytest.FixtureRequest, settings: Settings) -> Iterator[RunningServer]:
    """A running server of one kind with a migrated template database."""
    kind: ServerKind = request.param
    datadir = Path(tempfile.mkdtemp(prefix=f"mm-test-{kind.label}-"))
    server = LocalServer(datadir / "data", available_bindirs()[kind.label], kind.label, fast=True)
    try:
        url = server.start()
        template_url = dbmod.create_database(url, "mm_template")
        dbmod.migrate_database(template_url, settings, auto_expose=kind.auto_expose)
        with dbmod.connect(url) as conn:  # bounds every API request's temporary files (see mini_mentorship.testing.api)
            conn.execute(f"alter role authenticator set temp_file_limit = '{TEMP_FILE_LIMIT}'")
        running = RunningServer(kind, server, url, "mm_template", server.major_version())
        request.config.stash.setdefault(SERVERS_USED, []).append(
            f"{kind.label}: PostgreSQL {running.major} ({server.bindir}), stand-in auto_expose={kind.auto_expose}"
        )
        yield running
    finally:
        server.stop()
        shutil.rmtree(datadir, ignore_errors=True)


@pytest.fixture
def db(pg: RunningServer) -> Iterator[Database]:
    url = pg.new_database()
    database = Database(url, pg)
    try:
        yield database
    finally:
        database.close()
        dbmod.drop_database(pg.url, dbmod.dbname_of(url))


@pytest.fixture
def make_user(db: Database) -> Callable[..., uuid.UUID]:
    """`make_user(kind="student"|"mentor"|"admin", *, in_pool, admin, email, full_name, timezone) -> uuid`."""
    return functools.partial(create_user, db)


@pytest.fixture
def as_user(db: Database) -> Iterator[Callable[[uuid.UUID], Api]]:
    """`as_user(uid)`: a new caller (own connection) signed in as that user."""
    made: list[Api] = []

    def make(uid: uuid.UUID) -> Api:
        api = Api(db.authenticator_url, "authenticated", user_claims(db, uid), uid=uid)
        made.append(api)
        return api

    yield make
    for api in made:
        api.close()


@pytest.fixture
def as_anon(db: Database) -> Iterator[Api]:
    api = Api(db.authenticator_url, "anon", {"role": "anon"})
    yield api
    api.close()


@pytest.fixture
def as_admin(make_user: Callable[..., uuid.UUID], as_user: Callable[[uuid.UUID], Api]) -> Api:
    return as_user(make_user("admin", admin=True))


@pytest.fixture
def as_service_role(db: Database) -> Iterator[Api]:
    api = Api(db.authenticator_url, "service_role", {"role": "service_role"})
    yield api
    api.close()


@pytest.fixture(scope="session")
def project_dir() -> Path:
    return PROJECT_DIR


@pytest.fixture
def fresh_url(pg: RunningServer) -> Iterator[str]:
    """An empty database (no stand-in, no migrations) on the test server."""
    url = pg.new_database(migrated=False)
    yield url
    dbmod.drop_database(pg.url, dbmod.dbname_of(url))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project's supabase/ folder that a test may change (add or edit migrations)."""
    shutil.copytree(PROJECT_DIR / "supabase", tmp_path / "supabase", ignore=shutil.ignore_patterns(".temp"))
    return tmp_path


def pytest_report_header(config: pytest.Config) -> list[str]:
    have = ", ".join(f"{label}={path}" for label, path in available_bindirs().items())
    return [f"mini-mentorship: servers available: {have}; running as uid {os.geteuid()}"]


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    used = config.stash.get(SERVERS_USED, [])
    terminalreporter.section("PostgreSQL servers used")
    for line in used or ["none (no test needed a database)"]:
        terminalreporter.write_line(line)
    if MATRIX_CELLS in config.stash:
        terminalreporter.write_line(f"security matrix: {config.stash[MATRIX_CELLS]} cells asserted (all servers)")
    for line in config.stash.get(SUMMARY_LINES, []):
        terminalreporter.write_line(line)
