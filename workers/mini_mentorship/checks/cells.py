"""Every cell of the security matrix as one rolled-back request: what it expected, what it got.

The expectations are the declaration in `security_matrix` (DESIGN.md §7; the same grants and policies as
supabase/policies/, which tests/sql/test_policy_drift.py keeps equal to the migrations). Each function below
runs one group of cells (one actor on one table and operation, or one RPC for every actor) against a `World`
and returns them; nothing here asserts, so the test suite and `mini-mentorship db test` read the same cells.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from mini_mentorship.testing.api import Api, ApiError

from .security_matrix import ALL, DENIED, OK, RPCS, SELF, TABLES, TableRules
from .security_world import ACTORS, World

OPERATIONS = ("select", "insert", "update", "delete")
_USER_TABLES = ("users", "mentorship_profiles", "mini_mentorship_people")  # keyed by user id
_VERBS = {"select": "selecting from", "insert": "inserting", "update": "updating", "delete": "deleting from",
          "rpc": "calling"}


@dataclass(frozen=True)
class Cell:
    """One actor doing one thing; `expected` and `got` are short words (`ok`, `denied`, `1 row`, a SQLSTATE)."""

    actor: str
    subject: str  # table or function name
    operation: str  # select / insert / update / delete / rpc
    detail: str  # the column, or what else the cell is about ("" when nothing)
    expected: str
    got: str
    error: str = ""  # the error the request got, when it failed
    rows: int | None = None  # select: how many rows the request returned

    @property
    def differs(self) -> bool:
        return self.expected != self.got

    @property
    def allowed(self) -> bool:
        """The request went through (whether or not it touched a row)."""
        if self.operation == "rpc":
            return self.got == OK
        return self.got not in ("denied", "HTTP 5xx")

    def sentence(self) -> str:
        what = f"{self.subject}.{self.detail}" if self.detail and self.operation in ("insert", "update") else (
            f"{self.subject} ({self.detail})" if self.detail else self.subject
        )
        tail = f" ({self.error})" if self.error and self.differs else ""
        return f"{self.actor} {_VERBS[self.operation]} {what}: expected {self.expected}, got {self.got}{tail}"


def _resolve(world: World, actor: str, table: str, probe: str) -> str:
    """Fill `{label}` placeholders of a probe with quoted ids."""
    self_id = world.users.get(actor)
    if actor == "service_role":
        self_id = {"users": world.users["spare_auth"], "mentorship_profiles": world.users["spare_user"],
                   "mini_mentorship_availability": world.users["claiming_mentor"]}.get(table, world.users["owner"])
    values = {**world.users, **world.rows, "self": self_id}
    for label, value in values.items():
        probe = probe.replace("{" + label + "}", f"'{value}'::uuid")
    return probe


def _key_column(table: str) -> str:
    return {"mentorship_profiles": "user_id"}.get(table, "id")


def _target_id(world: World, table: str, rules: TableRules) -> Any:
    if table == "mini_mentorship_events":
        return world.db.scalar(
            "select min(id) from public.mini_mentorship_events where request_id = %s", (world.rows["R_open"],)
        )
    if table in _USER_TABLES:
        return world.users[rules.target]
    return world.rows[rules.target]


T = TypeVar("T")


class _ServerError(ApiError):
    """A 500-class answer, as mini_mentorship.testing.api reports it (an assertion naming the error)."""

    def __str__(self) -> str:
        return self.message


def _attempt(call: Callable[[], T]) -> tuple[str, T | None, ApiError | None]:
    """("ok", result, None), ("denied", None, error), or ("HTTP 5xx", None, error) for one rolled-back request:
    a 500-class answer is a finding of its own (PostgREST would hand the app a server error), never a crash."""
    try:
        return "ok", call(), None
    except ApiError as err:
        return ("HTTP 5xx" if err.http_status >= 500 else "denied"), None, err
    except AssertionError as err:  # mini_mentorship.testing.api asserts on a 5xx before raising it
        return "HTTP 5xx", None, _ServerError("5xx", str(err), None, None, 500)


def _outcome(api: Api, query: str) -> tuple[str, Any]:
    """("ok", rows), or the outcome word and the error text, for one statement as the actor."""
    result, rows, err = _attempt(lambda: api.query(query))
    return (result, rows) if err is None else (result, str(err))


def _rows_word(rows: list[Any]) -> str:
    return f"{len(rows)} row{'' if len(rows) == 1 else 's'}"


# What a select returned, summed up in the database so that a large table never travels: which of the world's
# own rows it returned (by key), how many other rows, how many in all. The `select *` stays inside, so a
# missing column grant refuses the whole statement exactly as it would the app's `select()`.
_SELECT_SUMMARY = (
    "select coalesce(array_agg(distinct s.{key}) filter (where s.{key} = any(%(mine)s)), '{{}}'::uuid[]) as mine, "
    "count(*) filter (where s.{key} is null or s.{key} <> all(%(mine)s)) as others, count(*) as total "
    "from (select * from {source}) as s"
)
def _world_keys(world: World, table: str) -> list[Any]:
    """The keys of the world's own rows in `table` (events are keyed by their request)."""
    if table in _USER_TABLES:
        return list(world.users.values())
    if table == "mini_mentorship_events":
        return [rid for label, rid in world.rows.items() if label.startswith("R_")]
    return list(world.rows.values())


def _summary(
    run: Callable[[str, dict[str, Any]], Any], world: World, table: str, source: str
) -> tuple[set[str], int, int]:
    """(labels of the world's rows returned, number of other rows, number of rows) for `select * from source`."""
    key = {"mini_mentorship_events": "request_id"}.get(table, _key_column(table))
    row = run(_SELECT_SUMMARY.format(key=key, source=source), {"mine": _world_keys(world, table)})[0]
    labels = {str(k) if table in _USER_TABLES else world.label_of(k) for k in row["mine"]}
    return labels, row["others"], row["total"]


def _names(world: World, labels: set[str], others: int = 0) -> str:
    """Row labels as a reader knows them (user ids become actor names), and how many rows the world did not
    make (the database's own data)."""
    by_id = {str(uid): f"@{name}" for name, uid in world.users.items()}
    names = sorted(by_id.get(label, label) for label in labels)
    return "{" + ", ".join(names + ([f"{others} other row{'s' if others > 1 else ''}"] if others else [])) + "}"


def _expected_rows(world: World, table: str, actor: str, rule: object) -> object:
    if rule in (DENIED, ALL):
        return rule
    if rule == SELF:  # the actor's own row, where they have one
        key = _key_column(table)
        return {str(r[key]) for r in world.db.query(f"select {key} from public.{table} where {key} = %s",
                                                    (world.users[actor],))}
    assert isinstance(rule, set)
    return {str(world.users[label[1:]]) if label.startswith("@") else label for label in rule}


def select_cells(world: World, table: str, actor: str) -> list[Cell]:
    """One cell: which rows `select *` returns to the actor (or that it is refused)."""
    expected = _expected_rows(world, table, actor, TABLES[table].select[actor])
    api = world.api(actor)
    result, summary, err = _attempt(lambda: _summary(api.query, world, table, f"public.{table}"))
    error = "" if err is None else str(err)
    if expected == DENIED:
        got = "rows" if err is None else "denied" if err.code == "42501" else f"{result} ({err.code}, not 42501)"
        return [Cell(actor, table, "select", "", "denied", got, error)]
    if result != "ok":
        return [Cell(actor, table, "select", "", "rows", result, error)]
    assert summary is not None
    seen, others, total = summary
    if expected == ALL:  # what the owner of the tables sees (no RLS for it)
        source = "private.people" if table == "mini_mentorship_people" else f"public.{table}"
        wanted, wanted_others, _ = _summary(world.db.query, world, table, source)
    else:
        wanted, wanted_others = expected, 0  # type: ignore[assignment]
    want, got = _names(world, wanted, wanted_others), _names(world, seen, others)
    if table == "mini_mentorship_events" and wanted and expected != ALL:
        # A request's student reads all its events; its claiming mentor only those from their claim on.
        events = world.db.scalar(
            "select count(*) from public.mini_mentorship_events as e "
            "join public.mini_mentorship_requests as r on r.id = e.request_id "
            "where e.request_id = any(%s) and (r.student_id = %s or e.at >= r.claimed_at)",
            ([world.rows[w] for w in wanted if w in world.rows], world.users[actor]),
        )
        want, got = f"{want} ({events} events)", f"{got} ({total - others} events)"
    return [Cell(actor, table, "select", "", want, got, rows=total)]


_INSERT_BASE = {
    "mini_mentorship_requests": ["student_id", "title", "description", "session_type"],
    "mini_mentorship_sessions": ["request_id", "student_id", "mentor_id", "scheduled_at", "duration_minutes"],
    "mini_mentorship_availability": ["mentor_id", "available_from", "available_until"],
    "mini_mentorship_events": ["entity", "event", "request_id", "to_status"],
    "users": ["id", "email"],
    "mentorship_profiles": ["user_id", "profile_type"],
    "mini_mentorship_people": ["id", "display_name"],
}


def _insert_base(world: World, table: str, actor: str) -> dict[str, str]:
    return {c: _resolve(world, actor, table, TABLES[table].columns[c]) for c in _INSERT_BASE[table]}


def _expected_insert(rules: TableRules, actor: str, column: str) -> str:
    if actor == "anon" or column in rules.generated:
        return "denied"
    if actor == "service_role":
        if not rules.service_writes or rules.append_only:
            return "denied"
    elif column not in rules.auth_insert:
        return "denied"
    return rules.insert_protected.get(column, "ok")


def insert_cells(world: World, table: str, actor: str) -> list[Cell]:
    """One cell per column: inserting a row that sets it is refused, ignored (the database sets it) or taken."""
    rules = TABLES[table]
    api = world.api(actor)
    cells: list[Cell] = []
    for column, probe in rules.columns.items():
        values = _insert_base(world, table, actor)
        values[column] = _resolve(world, actor, table, probe)
        query = (
            f"insert into public.{table} ({', '.join(values)}) values ({', '.join(values.values())}) "
            f"returning ({column} is not distinct from {values[column]}) as took"
        )
        result, value = _outcome(api, query)
        got = result if result != "ok" else ("ok" if value[0]["took"] else "ignored")
        error = value if result != "ok" else ""
        cells.append(Cell(actor, table, "insert", column, _expected_insert(rules, actor, column), got, error))
    # A row naming someone else is refused even with every column granted.
    if rules.auth_insert_needs_self and actor not in ("anon", "service_role"):
        values = _insert_base(world, table, actor)
        other = "other_student" if actor != "other_student" else "owner"
        values[rules.auth_insert_needs_self] = f"'{world.users[other]}'::uuid"
        query = f"insert into public.{table} ({', '.join(values)}) values ({', '.join(values.values())})"
        result, _ = _outcome(api, query)
        cells.append(Cell(actor, table, "insert", f"a row for {other}", "denied", result))
    return cells


def _writable(rules: TableRules, actor: str, target: str) -> bool:
    rows = rules.writable.get(actor, set())
    return rows == ALL or (isinstance(rows, set) and target in rows)


def _expected_update(rules: TableRules, actor: str, column: str) -> str:
    if actor == "anon" or column in rules.generated or rules.append_only:
        return "denied"
    if actor == "service_role":
        return "1 row" if rules.service_writes else "denied"
    if column not in rules.auth_update:
        return "denied"
    return "1 row" if _writable(rules, actor, rules.target) else "0 rows"


def update_cells(world: World, table: str, actor: str) -> list[Cell]:
    """One cell per column: `update … set c = c` of the table's target row: refused, 0 rows or 1 row."""
    rules = TABLES[table]
    api = world.api(actor)
    key, target = _key_column(table), _target_id(world, table, rules)
    cells: list[Cell] = []
    for column in rules.columns:
        query = f"update public.{table} set {column} = {column} where {key} = '{target}' returning 1 as hit"
        result, value = _outcome(api, query)
        got, error = (_rows_word(value), "") if result == "ok" else (result, value)
        cells.append(Cell(actor, table, "update", column, _expected_update(rules, actor, column), got, error))
    return cells


def _expected_delete(rules: TableRules, actor: str) -> str:
    if actor == "anon" or rules.append_only:
        return "denied"
    if actor == "service_role":
        return "1 row" if rules.service_writes else "denied"
    if not rules.auth_delete:
        return "denied"
    return "1 row" if _writable(rules, actor, rules.target) else "0 rows"


def delete_cells(world: World, table: str, actor: str) -> list[Cell]:
    """One cell: deleting the table's target row: refused, 0 rows or 1 row."""
    rules = TABLES[table]
    target = _target_id(world, table, rules)
    query = f"delete from public.{table} where {_key_column(table)} = '{target}' returning 1 as hit"
    result, value = _outcome(world.api(actor), query)
    got, error = (_rows_word(value), "") if result == "ok" else (result, value)
    return [Cell(actor, table, "delete", rules.target, _expected_delete(rules, actor), got, error)]


def _rpc_args(world: World, args: dict[str, object]) -> dict[str, object]:
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


def _outcome_word(outcome: object) -> str:
    """OK, or (SQLSTATE, hint) as `42501 not_pool_mentor`."""
    if not isinstance(outcome, tuple):
        return str(outcome)
    code, hint = outcome
    return f"{code} {hint}" if hint else str(code)


def rpc_cells(world: World, rpc: str) -> list[Cell]:
    """One cell per actor calling the RPC with the declared arguments: ok, or the SQLSTATE and hint."""
    rules = RPCS[rpc]
    cells: list[Cell] = []
    for actor in ACTORS:
        api, args = world.api(actor), _rpc_args(world, rules.args)
        result, _, err = _attempt(lambda: api.rpc(rpc, **args))  # noqa: B023 (called at once)
        got = OK if err is None else "HTTP 5xx" if result == "HTTP 5xx" else _outcome_word((err.code, err.hint))
        error = "" if err is None else str(err)
        cells.append(Cell(actor, rpc, "rpc", "", _outcome_word(rules.outcome.get(actor, "undeclared")), got, error))
    return cells


TABLE_RUNNERS: dict[str, Callable[[World, str, str], list[Cell]]] = {
    "select": select_cells, "insert": insert_cells, "update": update_cells, "delete": delete_cells,
}


def all_cells(world: World) -> list[Cell]:
    """Every cell: each actor × table × operation, then each RPC × actor."""
    cells = [
        cell
        for table in sorted(TABLES)
        for operation, run in TABLE_RUNNERS.items()
        for actor in ACTORS
        for cell in run(world, table, actor)
    ]
    return cells + [cell for rpc in sorted(RPCS) for cell in rpc_cells(world, rpc)]
