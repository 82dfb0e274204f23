"""This project's own test setup, on top of the mini-mentorship pytest plugin (mini_mentorship.testing.plugin).

The plugin provides the database and caller fixtures (`pg`, `db`, `make_user`, `as_user`, `as_anon`, `as_admin`,
`as_service_role`, `fresh_url`, `settings`); see docs/testing.md. Here: every database test runs on two servers,
the embedded PostgreSQL 18 (always) and Debian's PostgreSQL 15 (Supabase's long-standing major) when
installed. The PG 18 run uses the stand-in in the new no-auto-expose mode, the PG 15 run with Supabase's
historical default grants on public, so both privilege modes are exercised.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from mini_mentorship.pgserver import available_bindirs
from mini_mentorship.testing.servers import EmbeddedServer, ServerKind

pytest_plugins = ["pytester"]  # tests/testing/ runs the plugin in separate temporary projects

PROJECT_DIR = Path(__file__).resolve().parent.parent

RunningServer = EmbeddedServer  # the name tests/sql/test_security_matrix.py imports

MATRIX_CELLS = pytest.StashKey[int]()
SUMMARY_LINES = pytest.StashKey[list[str]]()  # figures a test wants in the run's summary (e.g. the chaos test)


def pytest_mm_server_kinds(config: pytest.Config) -> list[ServerKind]:
    return [ServerKind("pg18", auto_expose=False), ServerKind("pg15", auto_expose=True)]


@pytest.fixture(scope="session")
def project_dir() -> Path:
    return PROJECT_DIR


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project's supabase/ folder that a test may change (add or edit migrations)."""
    shutil.copytree(PROJECT_DIR / "supabase", tmp_path / "supabase", ignore=shutil.ignore_patterns(".temp"))
    return tmp_path


def pytest_report_header(config: pytest.Config) -> list[str]:
    have = ", ".join(f"{label}={path}" for label, path in available_bindirs().items())
    return [f"mini-mentorship: servers available: {have}; running as uid {os.geteuid()}"]


@pytest.hookimpl(trylast=True)  # after the plugin's "PostgreSQL servers used" section
def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if MATRIX_CELLS in config.stash:
        terminalreporter.write_line(f"security matrix: {config.stash[MATRIX_CELLS]} cells asserted (all servers)")
    for line in config.stash.get(SUMMARY_LINES, []):
        terminalreporter.write_line(line)
