"""Run the whole security matrix against a database, inside one transaction that is always rolled back.

What `mini-mentorship db test` calls. One connection, one outer transaction: the world (users, requests, a
session, availability) is built in it, every cell is a savepoint rolled back after its request, and the outer
transaction is rolled back at the end, on success and on error alike. Nothing is committed; the only traces a
run leaves are those PostgreSQL keeps for rolled-back work: sequence values (`nextval` is never undone) and
the statistics counters of attempted writes (`n_tup_ins/upd/del`, dead tuples until vacuum).
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from mini_mentorship.testing.database import Database

from .cells import Cell, all_cells
from .security_matrix import RPCS, TABLES
from .security_world import build_world

API_ROLES = ("anon", "authenticated", "service_role")
# Objects outside the matrix that the world and the cells need.
_NEEDED = ("auth.users", "private.people")


class TargetError(ValueError):
    """The database cannot run the matrix (no migrations, or the connecting role cannot act as the API roles)."""


@dataclass(frozen=True)
class Group:
    """The cells of one actor on one table and operation (or one RPC): how many were allowed, how many differ."""

    subject: str
    operation: str
    actor: str
    total: int
    allowed: int
    differing: int
    got: str  # for a single cell: what it got (an RPC's SQLSTATE)
    rows: int | None  # select: the rows returned


@dataclass(frozen=True)
class MatrixRun:
    database: str  # name of the database checked
    cells: list[Cell]

    @property
    def differences(self) -> list[Cell]:
        return [cell for cell in self.cells if cell.differs]

    def groups(self) -> list[Group]:
        """One group per (subject, operation, actor), in the order the cells ran."""
        grouped: dict[tuple[str, str, str], list[Cell]] = {}
        for cell in self.cells:
            grouped.setdefault((cell.subject, cell.operation, cell.actor), []).append(cell)
        return [
            Group(subject, operation, actor, len(cells), sum(c.allowed for c in cells),
                  sum(c.differs for c in cells), cells[0].got if len(cells) == 1 else "", cells[0].rows)
            for (subject, operation, actor), cells in grouped.items()
        ]


def check_target(db: Database) -> None:
    """Refuse, saying what is missing, a connection that cannot act as the API roles, or a database where
    the migrations are not applied."""
    roles = db.query(
        "select name, exists (select from pg_catalog.pg_roles where rolname = name) as present, "
        "coalesce(pg_has_role(current_user, (select oid from pg_catalog.pg_roles where rolname = name), 'member'),"
        " false) as member from unnest(%s::text[]) as name",
        (list(API_ROLES),),
    )
    lacking = [r["name"] for r in roles if not (r["present"] and r["member"])]
    if lacking:
        raise TargetError(
            f"the connecting role {db.scalar('select current_user')!r} cannot act as {', '.join(lacking)}: "
            "connect as `postgres` (the role `supabase db push` uses), which is a member of the API roles"
        )
    relations = [f"public.{table}" for table in sorted(TABLES)] + list(_NEEDED)
    missing = [
        r["name"] for r in db.query("select name from unnest(%s::text[]) as name where to_regclass(name) is null",
                                    (relations,))
    ]
    missing += [
        f"public.{r['name']}()"
        for r in db.query(
            "select name from unnest(%s::text[]) as name where not exists (select from pg_catalog.pg_proc as p "
            "where p.pronamespace = 'public'::regnamespace and p.proname = name)",
            (sorted(RPCS),),
        )
    ]
    if missing:
        raise TargetError(
            f"the database lacks the mini-mentorship migrations (missing {', '.join(missing[:5])}"
            f"{', …' if len(missing) > 5 else ''}): apply them first (`mini-mentorship db migrate` or "
            "`supabase db push`), then run the matrix"
        )


def run_matrix(url: str) -> MatrixRun:
    """Every cell of the matrix on the database at `url`; everything it does is rolled back."""
    db = Database(url)
    try:
        check_target(db)
        with db.conn.transaction(force_rollback=True):
            try:
                with db.conn.transaction():  # a savepoint: a refused world leaves nothing to roll back but it
                    world = build_world(db)
            except psycopg.Error as exc:
                raise TargetError(
                    "could not build the matrix's users and rows on this database (a constraint or trigger of "
                    f"the host's refused them): {' '.join(str(exc).split())}"
                ) from None
            cells = all_cells(world)
        return MatrixRun(str(db.scalar("select current_database()")), cells)
    finally:
        db.close()
