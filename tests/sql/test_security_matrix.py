"""Every actor × every exposed table × select / insert / update / delete, column by column.

Cells come from the declaration in tests/sql/security_matrix.py. Each cell is one PostgREST-like request
that is rolled back afterwards (`Prefer: tx=rollback`), so all cells of a test see the same world. A failing
test lists every cell that disagreed, as "actor did what: expected …, got …".
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from mini_mentorship import db as dbmod
from mini_mentorship.testing.api import Api, ApiError
from mini_mentorship.testing.database import Database, create_user
from tests.conftest import MATRIX_CELLS, RunningServer
from mini_mentorship.checks.security_matrix import ALL, DENIED, OK, RPCS, SELF, TABLES, TableRules
from mini_mentorship.checks.security_world import ACTORS, World, build_world

CELLS_ASSERTED: list[int] = []


@pytest.fixture(scope="module", autouse=True)
def report_cells(request: pytest.FixtureRequest) -> Iterator[None]:
    """Adds this module's cell count to the run summary ("security matrix: N cells asserted")."""
    yield
    request.config.stash[MATRIX_CELLS] = request.config.stash.get(MATRIX_CELLS, 0) + sum(CELLS_ASSERTED)
    CELLS_ASSERTED.clear()


@pytest.fixture(scope="module")
def world(pg: RunningServer) -> Iterator[World]:
    """One world per module and server: every cell rolls back, so the cells can share it."""
    url = pg.new_database()
    db = Database(url, pg)
    built = build_world(db, functools.partial(create_user, db))
    # Spare users for service-role inserts into the host tables: one without a profile, one with an
    # auth row only.
    built.users["spare_user"] = create_user(db, "admin")
    spare_auth = uuid.uuid4()
    db.query("insert into auth.users (id, email) values (%s, 'spare@example.test')", (spare_auth,))
    db.query("delete from public.users where id = %s", (spare_auth,))  # made by the sign-up trigger
    built.users["spare_auth"] = spare_auth
    yield built
    built.close()
    db.close()
    dbmod.drop_database(pg.url, dbmod.dbname_of(url))


def resolve(world: World, actor: str, table: str, probe: str) -> str:
    """Fill `{label}` placeholders of a probe with quoted ids."""
    self_id = world.users.get(actor)
    if actor == "service_role":
        self_id = {"users": world.users["spare_auth"], "mentorship_profiles": world.users["spare_user"],
                   "mini_mentorship_availability": world.users["claiming_mentor"]}.get(table, world.users["owner"])
    values = {**{k: v for k, v in world.users.items()}, **world.rows, "self": self_id}
    for label, value in values.items():
        probe = probe.replace("{" + label + "}", f"'{value}'::uuid")
    return probe


def key_column(table: str) -> str:
    return {"mentorship_profiles": "user_id"}.get(table, "id")


def target_id(world: World, table: str, rules: TableRules) -> Any:
    if table == "mini_mentorship_events":
        return world.db.scalar(
            "select min(id) from public.mini_mentorship_events where request_id = %s", (world.rows["R_open"],)
        )
    if table in ("users", "mentorship_profiles", "mini_mentorship_people"):
        return world.users[rules.target]
    return world.rows[rules.target]


def outcome(api: Api, query: str) -> tuple[str, Any]:
    """("ok", result) or ("denied", ApiError) for one rolled-back request."""
    try:
        return "ok", api.rolled_back().query(query)
    except ApiError as err:
        assert err.http_status < 500, f"{query!r} reached the app as HTTP {err.http_status}: {err}"
        return "denied", err


def record(failures: list[str], cells: int) -> None:
    CELLS_ASSERTED.append(cells)
    assert not failures, f"{len(failures)} of {cells} cells disagree with the matrix:\n" + "\n".join(failures)


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


def expected_rows(world: World, table: str, actor: str, rule: object) -> object:
    if rule in (DENIED, ALL):
        return rule
    if rule == SELF:  # the actor's own row, where they have one
        key = key_column(table)
        return {str(r[key]) for r in world.db.query(f"select {key} from public.{table} where {key} = %s",
                                                    (world.users[actor],))}
    assert isinstance(rule, set)
    return {str(world.users[label[1:]]) if label.startswith("@") else label for label in rule}


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("table", sorted(TABLES))
def test_select(world: World, table: str, actor: str) -> None:
    rules = TABLES[table]
    expected = expected_rows(world, table, actor, rules.select[actor])
    result, value = outcome(world.api(actor), f"select * from public.{table}")
    failures: list[str] = []
    if expected == DENIED:
        if result != "denied" or value.code != "42501":
            failures.append(f"{actor} selecting from {table}: expected 42501, got {result} {value}")
    elif result == "denied":
        failures.append(f"{actor} selecting from {table}: expected rows, got {value}")
    else:
        seen = labels_of(world, table, value)
        every_row = ("select id from private.people" if table == "mini_mentorship_people"
                     else f"select * from public.{table}")
        everything = labels_of(world, table, world.db.query(every_row))
        wanted: set[str] = everything if expected == ALL else expected  # type: ignore[assignment]
        if seen != wanted:
            failures.append(f"{actor} selecting from {table}: expected {sorted(wanted)}, saw {sorted(seen)}")
        if table == "mini_mentorship_events" and wanted and expected != ALL:
            # A request's student reads all its events; its claiming mentor only those from their claim on.
            total = world.db.scalar(
                "select count(*) from public.mini_mentorship_events as e "
                "join public.mini_mentorship_requests as r on r.id = e.request_id "
                "where e.request_id = any(%s) and (r.student_id = %s or e.at >= r.claimed_at)",
                ([world.rows[w] for w in wanted if w in world.rows], world.users[actor]),
            )
            if len(value) != total:
                failures.append(f"{actor} saw {len(value)} of the {total} events of {sorted(wanted)}")
    record(failures, 1)


def labels_of(world: World, table: str, rows: list[dict[str, Any]]) -> set[str]:
    if table == "mini_mentorship_events":
        return {world.label_of(r["request_id"]) for r in rows}
    if table in ("users", "mini_mentorship_people"):
        return {str(r["id"]) for r in rows}
    if table == "mentorship_profiles":
        return {str(r["user_id"]) for r in rows}
    return {world.label_of(r["id"]) for r in rows}


def insert_base(world: World, table: str, actor: str) -> dict[str, str]:
    base = {
        "mini_mentorship_requests": ["student_id", "title", "description", "session_type"],
        "mini_mentorship_sessions": ["request_id", "student_id", "mentor_id", "scheduled_at", "duration_minutes"],
        "mini_mentorship_availability": ["mentor_id", "available_from", "available_until"],
        "mini_mentorship_events": ["entity", "event", "request_id", "to_status"],
        "users": ["id", "email"],
        "mentorship_profiles": ["user_id", "profile_type"],
        "mini_mentorship_people": ["id", "display_name"],
    }[table]
    return {c: resolve(world, actor, table, TABLES[table].columns[c]) for c in base}


def expected_insert(rules: TableRules, actor: str, column: str) -> str:
    if actor == "anon" or column in rules.generated:
        return "denied"
    if actor == "service_role":
        if not rules.service_writes or rules.append_only:
            return "denied"
    elif column not in rules.auth_insert:
        return "denied"
    return rules.insert_protected.get(column, "ok")


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("table", sorted(TABLES))
def test_insert_column_by_column(world: World, table: str, actor: str) -> None:
    rules = TABLES[table]
    api = world.api(actor)
    failures: list[str] = []
    for column, probe in rules.columns.items():
        values = insert_base(world, table, actor)
        values[column] = resolve(world, actor, table, probe)
        query = (
            f"insert into public.{table} ({', '.join(values)}) values ({', '.join(values.values())}) "
            f"returning ({column} is not distinct from {values[column]}) as took"
        )
        result, value = outcome(api, query)
        got = result if result == "denied" else ("ok" if value[0]["took"] else "ignored")
        if column in rules.generated and result == "denied":
            got = "denied"
        want = expected_insert(rules, actor, column)
        if got != want:
            failures.append(f"{actor} inserting {table}.{column}: expected {want}, got {got} ({value})")
    # A row naming someone else is refused even with every column granted.
    if rules.auth_insert_needs_self and actor not in ("anon", "service_role"):
        values = insert_base(world, table, actor)
        other = "other_student" if actor != "other_student" else "owner"
        values[rules.auth_insert_needs_self] = f"'{world.users[other]}'::uuid"
        query = f"insert into public.{table} ({', '.join(values)}) values ({', '.join(values.values())})"
        result, value = outcome(api, query)
        if result != "denied":
            failures.append(f"{actor} inserting a {table} row for {other}: expected denied, got {result}")
    record(failures, len(rules.columns) + (1 if rules.auth_insert_needs_self else 0))


def writable(rules: TableRules, actor: str, target: str) -> bool:
    rows = rules.writable.get(actor, set())
    return rows == ALL or (isinstance(rows, set) and target in rows)


def expected_update(rules: TableRules, actor: str, column: str) -> str:
    if actor == "anon" or column in rules.generated or rules.append_only:
        return "denied"
    if actor == "service_role":
        return "1 row" if rules.service_writes else "denied"
    if column not in rules.auth_update:
        return "denied"
    return "1 row" if writable(rules, actor, rules.target) else "0 rows"


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("table", sorted(TABLES))
def test_update_column_by_column(world: World, table: str, actor: str) -> None:
    rules = TABLES[table]
    api = world.api(actor)
    key = key_column(table)
    target = target_id(world, table, rules)
    failures: list[str] = []
    for column in rules.columns:
        query = f"update public.{table} set {column} = {column} where {key} = '{target}' returning 1 as hit"
        result, value = outcome(api, query)
        got = "denied" if result == "denied" else f"{len(value)} row{'s' if len(value) != 1 else ''}"
        want = expected_update(rules, actor, column)
        if got != want:
            failures.append(
                f"{actor} updating {table}.{column} of {rules.target}: expected {want}, got {got} ({value})"
            )
    record(failures, len(rules.columns))


def expected_delete(rules: TableRules, actor: str) -> str:
    if actor == "anon" or rules.append_only:
        return "denied"
    if actor == "service_role":
        return "1 row" if rules.service_writes else "denied"
    if not rules.auth_delete:
        return "denied"
    return "1 row" if writable(rules, actor, rules.target) else "0 rows"


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("table", sorted(TABLES))
def test_delete(world: World, table: str, actor: str) -> None:
    rules = TABLES[table]
    target = target_id(world, table, rules)
    result, value = outcome(world.api(actor), f"delete from public.{table} where {key_column(table)} = '{target}' "
                                              "returning 1 as hit")
    got = "denied" if result == "denied" else f"{len(value)} row{'s' if len(value) != 1 else ''}"
    want = expected_delete(rules, actor)
    failures = [] if got == want else [f"{actor} deleting {rules.target} from {table}: expected {want}, got {got}"]
    record(failures, 1)


def test_every_rpc_has_a_row(db: Database) -> None:
    rpcs = {
        r["proname"]
        for r in db.query(
            "select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace "
            "where n.nspname = 'public' and p.prorettype <> 'trigger'::regtype"
        )
    }
    assert rpcs == set(RPCS), "every function the Data API exposes needs a row in security_matrix.RPCS"


def rpc_args(world: World, args: dict[str, object]) -> dict[str, object]:
    slot = world.db.scalar("select date_trunc('hour', now() + interval '1 day')")
    resolved: dict[str, object] = {}
    for name, value in args.items():
        if isinstance(value, str) and value.startswith("{slot+"):
            resolved[name] = slot + timedelta(hours=int(value[6:-1]))
        elif isinstance(value, str) and value.startswith("{"):
            resolved[name] = world.rows[value[1:-1]]
        else:
            resolved[name] = value
    return resolved


@pytest.mark.parametrize("rpc", sorted(RPCS))
def test_rpc(world: World, rpc: str) -> None:
    rules = RPCS[rpc]
    assert set(rules.outcome) == set(ACTORS), f"{rpc}: the matrix must decide every actor"
    failures: list[str] = []
    for actor in ACTORS:
        expected = rules.outcome[actor]
        try:
            world.api(actor).rolled_back().rpc(rpc, **rpc_args(world, rules.args))
            got: object = OK
        except ApiError as err:
            got = (err.code, err.hint)
            if err.http_status >= 500:
                failures.append(f"{actor} calling {rpc} got HTTP {err.http_status}")
        if got != expected:
            failures.append(f"{actor} calling {rpc}: expected {expected}, got {got}")
    record(failures, len(ACTORS))
