"""The pytest plugin used the way a host app's DBA uses it: from a separate project, in both modes.

Each test writes a small temporary project (tests/testing/projects.py) and runs pytest on it in a subprocess,
with nothing but the plugin: embedded (its own server), attached (a database of the suite's server, which must
be exactly as before afterwards, failing test included), and refused (a URL that does not look disposable).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mini_mentorship import db as dbmod
from mini_mentorship.pgserver import available_bindirs
from mini_mentorship.testing.servers import EmbeddedServer, disposability
from tests.testing import projects

PLUGIN = ("-p", "mini_mentorship.testing.plugin", "-p", "no:cacheprovider", "-ra")
TIMEOUT = 600  # seconds: a subprocess starting its own server, on a busy machine


@pytest.fixture
def scratch() -> Iterator[Path]:
    """An empty directory in the system's temp dir (not under pytest's basetemp: any pytest run as root makes
    /tmp/pytest-of-root private again, which would lock the server's unprivileged user out)."""
    path = Path(tempfile.mkdtemp(prefix="mm-plugin-test-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(autouse=True)
def _no_target_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MM_TEST_DATABASE_URL", raising=False)


@pytest.mark.parametrize("label", ["pg18", "pg15"])
def test_embedded_mode_in_a_separate_project(
    label: str, pytester: pytest.Pytester, scratch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if label not in available_bindirs():
        pytest.skip(f"{label} is not installed on this machine")
    monkeypatch.setenv("TMPDIR", str(scratch))  # where the project's server lives while it runs
    pytester.makeconftest(projects.EMBEDDED_CONFTEST.format(label=label, auto_expose=label == "pg15"))
    pytester.makepyfile(
        test_ten_lines=projects.TEN_LINES,
        test_callers=projects.CALLERS,
        test_embedded=projects.EMBEDDED_ONLY.format(label=label),
    )
    result = pytester.runpytest_subprocess(*PLUGIN, timeout=TIMEOUT)
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*deliberately failing after writes*",
            f"{label}: PostgreSQL *, migrations from */mini_mentorship/migrations",  # the packaged ones
        ]
    )
    assert list(scratch.iterdir()) == [], "the server and its data directory are gone after the run"


def footprint(pg: EmbeddedServer, url: str) -> dict[str, Any]:
    """Databases on the server and the rows of every table of `url`, once its other sessions are gone."""
    with dbmod.connect(url) as conn:
        for _ in range(100):
            row = conn.execute(
                "select count(*) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()"
            ).fetchone()
            if row is not None and row[0] == 0:
                break
            time.sleep(0.1)
        else:
            raise AssertionError("sessions of the run are still open on the attached database")
        tables = conn.execute(
            "select format('%I.%I', table_schema, table_name) from information_schema.tables "
            "where table_type = 'BASE TABLE' and table_schema in ('public', 'private', 'auth', 'storage') "
            "order by 1"
        ).fetchall()
        rows = {name: conn.execute(f"select count(*) from {name}").fetchone() for (name,) in tables}
        users = conn.execute("select id, full_name from public.users order by id").fetchall()
    with dbmod.connect(pg.url) as conn:
        databases = conn.execute("select datname from pg_database order by 1").fetchall()
    return {"databases": databases, "rows": rows, "users": users}


def test_attached_mode_leaves_nothing_behind(pg: EmbeddedServer, pytester: pytest.Pytester) -> None:
    url = pg.new_database()
    try:
        before = footprint(pg, url)
        pytester.makepyfile(
            test_ten_lines=projects.TEN_LINES, test_callers=projects.CALLERS, test_attached=projects.ATTACHED_ONLY
        )
        result = pytester.runpytest_subprocess(*PLUGIN, "--mm-db-url", url, timeout=TIMEOUT)
        result.assert_outcomes(passed=5, failed=1, skipped=1)
        result.stdout.fnmatch_lines(
            [
                "mini-mentorship: attached to postgresql://postgres@127.0.0.1:* (every test rolled back)",
                "*deliberately failing after writes*",
                "*needs databases of its own: runs on the embedded server only*",
            ]
        )
        assert footprint(pg, url) == before
    finally:
        pg.drop_database(url)


def test_attached_mode_needs_the_migrations(pg: EmbeddedServer, pytester: pytest.Pytester) -> None:
    url = pg.new_database(migrated=False)
    try:
        pytester.makepyfile(test_ten_lines=projects.TEN_LINES)
        result = pytester.runpytest_subprocess(*PLUGIN, "--mm-db-url", url, timeout=TIMEOUT)
        result.assert_outcomes(errors=1)
        result.stdout.fnmatch_lines(["*has no `auth` schema: not a Supabase database*"])
    finally:
        pg.drop_database(url)


REMOTE = "postgresql://postgres:s3cret@db.example.com:5432/postgres"


@pytest.mark.parametrize("how", ["option", "environment"])
def test_a_url_that_does_not_look_disposable_is_refused(
    how: str, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_ten_lines=projects.TEN_LINES)
    if how == "environment":
        monkeypatch.setenv("MM_TEST_DATABASE_URL", REMOTE)
    result = pytester.runpytest_subprocess(*PLUGIN, *(["--mm-db-url", REMOTE] if how == "option" else []))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "ERROR: mini-mentorship: refusing to run tests against postgresql://postgres:***@db.example.com:5432/"
            "postgres: the server db.example.com is not on this machine *--mm-allow-any-db if you mean it."
        ]
    )
    assert "s3cret" not in result.stdout.str() + result.stderr.str()


def test_allow_any_db_lifts_the_refusal_and_nothing_connects_unless_a_test_asks(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_without_the_database():\n    pass\n")
    result = pytester.runpytest_subprocess(*PLUGIN, "--mm-db-url", REMOTE, "--mm-allow-any-db")
    result.assert_outcomes(passed=1)  # db.example.com does not exist: any connection would have failed


def test_a_missing_migrations_directory_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest_subprocess(*PLUGIN, "--mm-migrations", "no/such/dir")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: mini-mentorship: no migrations directory at */no/such/dir"])


@pytest.mark.parametrize(
    ("url", "disposable"),
    [
        ("postgresql://postgres:postgres@127.0.0.1:54322/postgres", True),  # the local Supabase stack
        ("postgresql://postgres@localhost/postgres", True),
        ("postgresql://postgres@[::1]:5432/postgres", True),
        ("postgresql:///postgres", True),  # the local socket
        ("host=/var/run/postgresql dbname=app", True),
        ("postgresql://postgres@db.abcd.supabase.co:5432/postgres", False),
        ("postgresql://ci@pg.internal:5432/app_test", True),
        ("postgresql://ci@pg.internal:5432/testdb", True),
        ("postgresql://ci@pg.internal:5432/app-ci", True),
        ("postgresql://ci@pg.internal:5432/pr_42_branch", True),
        ("postgresql://ci@pg.internal:5432/latest", False),  # 'test' must start a word
        ("postgresql://ci@pg.internal:5432/template1", False),
        ("postgresql://app@db.example.com,localhost/app", False),  # every host must be local
        ("not a url", False),
    ],
)
def test_the_disposability_rule(url: str, disposable: bool) -> None:
    assert disposability(url)[0] is disposable, disposability(url)[1]


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "host-app-tests"


def copy_example(pytester: pytest.Pytester) -> None:
    for path in EXAMPLE.rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            target = pytester.path / path.relative_to(EXAMPLE)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())


@pytest.mark.parametrize("label", ["pg18"])  # the example runs on the plugin's default server
def test_the_host_app_example_passes_embedded(label: str, pytester: pytest.Pytester) -> None:
    copy_example(pytester)
    result = pytester.runpytest_subprocess(*PLUGIN, timeout=TIMEOUT)
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines([f"{label}: PostgreSQL *, migrations from *, */supabase/migrations"])


def test_the_host_app_example_passes_attached(pg: EmbeddedServer, pytester: pytest.Pytester) -> None:
    """The DBA's flow: their database has the toolkit's and their own migrations; the example runs on it."""
    from mini_mentorship.testing.plugin import packaged_migrations
    from mini_mentorship.testing.servers import apply_migrations

    url = dbmod.create_database(pg.url, "host_app_test")
    try:
        apply_migrations(url, [packaged_migrations(), EXAMPLE / "supabase" / "migrations"], auto_expose=False)
        before = footprint(pg, url)
        copy_example(pytester)
        result = pytester.runpytest_subprocess(*PLUGIN, "--mm-db-url", url, timeout=TIMEOUT)
        result.assert_outcomes(passed=3)
        assert footprint(pg, url) == before
    finally:
        pg.drop_database(url)
