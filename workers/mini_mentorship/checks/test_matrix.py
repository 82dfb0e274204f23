"""The security matrix against the database given by `--mm-db-url`: one test per table operation and RPC.

Run it with `pytest --pyargs mini_mentorship.checks --mm-db-url URL`; a failing test lists each cell that
differs from the declaration as "actor did what: expected …, got …".
"""

from __future__ import annotations

import pytest

from mini_mentorship.checks.cells import OPERATIONS
from mini_mentorship.checks.run import MatrixRun
from mini_mentorship.checks.security_matrix import RPCS, TABLES

GROUPS = [(table, operation) for table in sorted(TABLES) for operation in OPERATIONS] + [
    (rpc, "rpc") for rpc in sorted(RPCS)
]


@pytest.mark.parametrize(("subject", "operation"), GROUPS, ids=[f"{s}-{o}" for s, o in GROUPS])
def test_cells_match_the_declaration(matrix_run: MatrixRun, subject: str, operation: str) -> None:
    cells = [c for c in matrix_run.cells if (c.subject, c.operation) == (subject, operation)]
    assert cells, f"no cell ran for {subject} {operation}"
    differing = [c.sentence() for c in cells if c.differs]
    assert not differing, f"{len(differing)} of {len(cells)} cells differ:\n" + "\n".join(differing)
