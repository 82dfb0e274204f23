"""Every actor × every exposed table × select / insert / update / delete, column by column, and every RPC.

Cells come from the declaration in mini_mentorship/checks/security_matrix.py and run through
mini_mentorship.checks.cells, the same code `mini-mentorship db test` runs against a deployed database: the
world is built inside one transaction on one connection, each cell is a PostgREST-like request in a savepoint
rolled back afterwards (`Prefer: tx=rollback`), so all cells of a module see the same world and nothing is
committed. A failing test lists every cell that disagreed, as "actor did what: expected …, got …".
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mini_mentorship import db as dbmod
from mini_mentorship.checks.cells import Cell, delete_cells, insert_cells, rpc_cells, select_cells, update_cells
from mini_mentorship.checks.security_matrix import RPCS, TABLES
from mini_mentorship.checks.security_world import ACTORS, World, build_world
from mini_mentorship.testing.database import Database
from tests.conftest import MATRIX_CELLS, RunningServer

CELLS_ASSERTED: list[int] = []


@pytest.fixture(scope="module", autouse=True)
def report_cells(request: pytest.FixtureRequest) -> Iterator[None]:
    """Adds this module's cell count to the run summary ("security matrix: N cells asserted")."""
    yield
    request.config.stash[MATRIX_CELLS] = request.config.stash.get(MATRIX_CELLS, 0) + sum(CELLS_ASSERTED)
    CELLS_ASSERTED.clear()


@pytest.fixture(scope="module")
def world(pg: RunningServer) -> Iterator[World]:
    """One world per module and server, inside a transaction rolled back at the end."""
    url = pg.new_database()
    db = Database(url, pg)
    try:
        with db.conn.transaction(force_rollback=True):
            yield build_world(db)
    finally:
        db.close()
        dbmod.drop_database(pg.url, dbmod.dbname_of(url))


def record(cells: list[Cell]) -> None:
    CELLS_ASSERTED.append(len(cells))
    failures = [cell.sentence() for cell in cells if cell.differs]
    assert not failures, f"{len(failures)} of {len(cells)} cells disagree with the matrix:\n" + "\n".join(failures)


def test_every_exposed_table_and_column_has_a_row(db: Database) -> None:
    tables = {
        r["relname"]
        for r in db.query(
            "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm')"
        )
    }
    assert tables == set(TABLES), "every table the Data API exposes needs a row in security_matrix.TABLES"
    for table, rules in TABLES.items():
        columns = [
            r["attname"]
            for r in db.query(
                "select attname from pg_attribute where attrelid = %s::regclass and attnum > 0 "
                "and not attisdropped order by attnum",
                (f"public.{table}",),
            )
        ]
        assert sorted(columns) == sorted(rules.columns), f"public.{table}: columns and matrix rows differ"


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("table", sorted(TABLES))
def test_select(world: World, table: str, actor: str) -> None:
    record(select_cells(world, table, actor))


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("table", sorted(TABLES))
def test_insert_column_by_column(world: World, table: str, actor: str) -> None:
    record(insert_cells(world, table, actor))


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("table", sorted(TABLES))
def test_update_column_by_column(world: World, table: str, actor: str) -> None:
    record(update_cells(world, table, actor))


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("table", sorted(TABLES))
def test_delete(world: World, table: str, actor: str) -> None:
    record(delete_cells(world, table, actor))


def test_every_rpc_has_a_row(db: Database) -> None:
    rpcs = {
        r["proname"]
        for r in db.query(
            "select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace "
            "where n.nspname = 'public' and p.prorettype <> 'trigger'::regtype"
        )
    }
    assert rpcs == set(RPCS), "every function the Data API exposes needs a row in security_matrix.RPCS"


@pytest.mark.parametrize("rpc", sorted(RPCS))
def test_rpc(world: World, rpc: str) -> None:
    assert set(RPCS[rpc].outcome) == set(ACTORS), f"{rpc}: the matrix must decide every actor"
    record(rpc_cells(world, rpc))
