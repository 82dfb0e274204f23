"""`MM_TEST_DATABASE_URL=URL pytest --pyargs mini_mentorship.checks`: the security matrix as a pytest run.

The URL comes from `--mm-db-url` where a plugin registers that option (pytest only reads options from
plugins and the root conftest, never from a conftest inside a package collected with --pyargs), else from
`MM_TEST_DATABASE_URL`. Everything runs inside one rolled-back transaction (see mini_mentorship.checks.run).
"""

from __future__ import annotations

import os

import pytest

from mini_mentorship.checks.run import MatrixRun, TargetError, run_matrix


@pytest.fixture(scope="session")
def matrix_run(request: pytest.FixtureRequest) -> MatrixRun:
    """Every cell of the matrix, run once for the session against the target database."""
    url = request.config.getoption("--mm-db-url", default=None) or os.environ.get("MM_TEST_DATABASE_URL")
    if not url:
        pytest.exit("set MM_TEST_DATABASE_URL (or pass --mm-db-url): the database to check",
                    pytest.ExitCode.USAGE_ERROR)
    try:
        return run_matrix(url)
    except TargetError as exc:
        pytest.exit(str(exc), pytest.ExitCode.USAGE_ERROR)
