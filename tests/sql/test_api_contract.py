"""docs/api.md is the client contract: its RPCs, arguments, EXECUTE grants and error hints are the database's.

Checked against the migrated database (issue 14 item 5):
* the "RPCs at a glance" table lists exactly the functions in `public` (what PostgREST exposes), each with the
  API roles holding EXECUTE;
* each RPC's section has an argument table with exactly the SQL argument names and types, and an argument
  documented as optional has a SQL default (a client may leave its key out);
* every hint an API caller can meet (raised in a function body reachable from an RPC, a trigger on a public
  table, or a policy helper) is documented in a `hint` column, and every documented hint is raised.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from mini_mentorship.testing.database import Database
from tests.api_docs import API_MD

API_ROLES = ("anon", "authenticated", "service_role")
SQL_TYPE_NAMES = {"timestamp with time zone": "timestamptz", "timestamp with time zone[]": "timestamptz[]"}

RPC_HEADING = re.compile(r"^#{2,4} .*\brpc\('(?P<name>\w+)'")
BACKTICKED = re.compile(r"`([^`]+)`")
# Hints raised with a literal (`hint = 'claim_limit'`), and field hints: the argument or column name a bad-input
# helper (private.raise_bad_field, private.check_*, private.clean_*) raises as the hint, given as its first
# argument.
LITERAL_HINT = re.compile(r"\bhint\s*:?=\s*'(\w+)'")
FIELD_HINT = re.compile(r"\bprivate\.(?:raise_bad_field|check_\w+|clean_\w+)\(\s*'(\w+)'")
CALLED = re.compile(r"\b(public|private)\.(\w+)\s*\(")


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def _cells(line: str) -> tuple[str, ...]:
    return tuple(cell.strip() for cell in line.strip().strip("|").split("|"))


def tables(lines: list[str]) -> Iterator[Table]:
    """The markdown tables among `lines` (header, separator, rows)."""
    index = 0
    while index < len(lines) - 1:
        if lines[index].startswith("|") and re.match(r"^\|[\s:|-]+\|$", lines[index + 1].strip()):
            end = index + 2
            while end < len(lines) and lines[end].startswith("|"):
                end += 1
            yield Table(_cells(lines[index]), tuple(_cells(line) for line in lines[index + 2:end]))
            index = end
        else:
            index += 1


def api_lines() -> list[str]:
    return API_MD.read_text(encoding="utf-8").splitlines()


def rpc_sections() -> dict[str, list[str]]:
    """The lines of each RPC's section of docs/api.md, by function name (heading `... rpc('name', ...)`)."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in api_lines():
        if line.startswith("#"):
            heading = RPC_HEADING.match(line)
            current = None
            if heading:
                assert heading["name"] not in sections, f"docs/api.md: two sections for {heading['name']}"
                current = sections[heading["name"]] = []
        elif current is not None:
            current.append(line)
    return sections


def glance_table() -> Table:
    found = [t for t in tables(api_lines()) if t.header[:1] == ("RPC",)]
    assert len(found) == 1, "docs/api.md needs one table headed | RPC | for | EXECUTE granted to |"
    return found[0]


def documented_hints() -> dict[str, set[str]]:
    """Every backticked code in a `hint` column of docs/api.md, with the first words of the rows naming it."""
    hints: dict[str, set[str]] = {}
    for table in tables(api_lines()):
        if "hint" not in table.header:
            continue
        column = table.header.index("hint")
        for row in table.rows:
            for hint in BACKTICKED.findall(row[column]):
                hints.setdefault(hint, set()).add(" | ".join(row)[:80])
    return hints


def public_functions(db: Database) -> dict[str, dict[str, object]]:
    rows = db.query(
        """
        select p.proname as name,
               coalesce(p.proargnames[1:p.pronargs], '{}') as arg_names,
               array(select pg_catalog.format_type(t, null) from unnest(p.proargtypes) as t) as arg_types,
               p.pronargdefaults as defaults,
               array(
                   select r from unnest(%s::text[]) as r where pg_catalog.has_function_privilege(r, p.oid, 'execute')
               ) as executors,
               pg_catalog.has_function_privilege('public', p.oid, 'execute') as public_execute
        from pg_catalog.pg_proc as p
        where p.pronamespace = 'public'::regnamespace
        """,
        (list(API_ROLES),),
    )
    return {row["name"]: row for row in rows}


def test_the_glance_table_lists_every_public_function_with_its_execute_grants(db: Database) -> None:
    functions = public_functions(db)
    table = glance_table()
    documented = {BACKTICKED.findall(row[0])[0]: row for row in table.rows}
    assert sorted(documented) == sorted(functions), (
        "docs/api.md's 'RPCs at a glance' must list exactly the functions in public (PostgREST exposes them all): "
        f"missing {sorted(set(functions) - set(documented))}, not in the database "
        f"{sorted(set(documented) - set(functions))}"
    )
    column = table.header.index("EXECUTE granted to")
    for name, function in functions.items():
        assert not function["public_execute"], f"{name}: PUBLIC must not hold EXECUTE (default-deny)"
        granted = sorted(BACKTICKED.findall(documented[name][column]))
        assert granted == sorted(function["executors"]), (  # type: ignore[call-overload]
            f"{name}: docs/api.md says EXECUTE for {granted}, the database grants it to {function['executors']}"
        )


def test_each_rpc_documents_its_arguments_with_their_sql_names_and_types(db: Database) -> None:
    sections = rpc_sections()
    functions = public_functions(db)
    assert sorted(sections) == sorted(functions), (
        f"every public function needs a section headed with rpc('name', ...) in docs/api.md: "
        f"missing {sorted(set(functions) - set(sections))}, extra {sorted(set(sections) - set(functions))}"
    )
    for name, lines in sections.items():
        found = [t for t in tables(lines) if t.header[:2] == ("argument", "type")]
        assert len(found) == 1, f"docs/api.md, {name}: one table headed | argument | type | ... is needed"
        table = found[0]
        documented = [(BACKTICKED.findall(row[0])[0], row[1].strip("`")) for row in table.rows]
        function = functions[name]
        actual = [
            (arg, SQL_TYPE_NAMES.get(sql_type, sql_type))
            for arg, sql_type in zip(function["arg_names"], function["arg_types"], strict=True)  # type: ignore[call-overload]
        ]
        assert documented == actual, (
            f"docs/api.md, {name}: arguments documented as {documented}, the function takes {actual} "
            "(same names, types and order)"
        )
        defaults: int = function["defaults"]  # type: ignore[assignment]
        with_default = {arg for arg, _ in actual[len(actual) - defaults:]} if defaults else set()
        for row in table.rows:
            arg = BACKTICKED.findall(row[0])[0]
            rest = " ".join(row[2:]).strip()
            optional = rest.startswith("optional") or (
                "default" in table.header and row[table.header.index("default")] not in ("—", "-", "")
            )
            assert not optional or arg in with_default, (
                f"docs/api.md, {name}: {arg} is documented as optional but has no SQL default "
                "(a client leaving its key out would get PGRST202)"
            )
            assert optional or arg not in with_default or "required" in rest, (
                f"docs/api.md, {name}: {arg} has a SQL default: document it as optional (or say why it is required)"
            )


def reachable_sources(db: Database) -> dict[str, str]:
    """Bodies of the functions an API request can run: the public RPCs, triggers on public tables, functions
    the API roles may execute (policy helpers, the private implementations), and everything they call."""
    bodies = {
        row["name"]: row["body"]
        for row in db.query(
            """
            select n.nspname || '.' || p.proname as name, string_agg(p.prosrc, E'\n') as body
            from pg_catalog.pg_proc as p
            join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
            where n.nspname in ('public', 'private')
            group by 1
            """
        )
    }
    roots = {
        row["name"]
        for row in db.query(
            """
            select n.nspname || '.' || p.proname as name
            from pg_catalog.pg_proc as p
            join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
            where n.nspname in ('public', 'private')
              and (n.nspname = 'public'
                   or pg_catalog.has_function_privilege('authenticated', p.oid, 'execute')
                   or pg_catalog.has_function_privilege('anon', p.oid, 'execute')
                   or exists (
                       select from pg_catalog.pg_trigger as t
                       join pg_catalog.pg_class as c on c.oid = t.tgrelid
                       where t.tgfoid = p.oid and not t.tgisinternal
                         and c.relnamespace = 'public'::regnamespace
                   ))
            """
        )
    }
    reached: set[str] = set()
    pending = sorted(roots)
    while pending:
        name = pending.pop()
        if name in reached or name not in bodies:
            continue
        reached.add(name)
        pending += [f"{schema}.{called}" for schema, called in CALLED.findall(bodies[name])]
    return {name: bodies[name] for name in sorted(reached)}


def raised_hints(sources: dict[str, str]) -> dict[str, set[str]]:
    hints: dict[str, set[str]] = {}
    for name, body in sources.items():
        for hint in LITERAL_HINT.findall(body) + FIELD_HINT.findall(body):
            hints.setdefault(hint, set()).add(name)
    return hints


def test_every_hint_an_api_caller_can_meet_is_documented_and_every_documented_hint_is_raised(db: Database) -> None:
    raised = raised_hints(reachable_sources(db))
    documented = documented_hints()
    undocumented = {hint: sorted(where) for hint, where in raised.items() if hint not in documented}
    assert not undocumented, (
        "hints raised where an API call can reach them but missing from every `hint` column of docs/api.md: "
        f"{undocumented}"
    )
    never_raised = {hint: sorted(rows) for hint, rows in documented.items() if hint not in raised}
    assert not never_raised, f"hints documented in docs/api.md that no reachable function raises: {never_raised}"


def test_the_hint_scan_sees_literal_and_field_hints(db: Database) -> None:
    """The scan itself: a literal hint, a field hint from a helper, and a trigger's hint are all found."""
    raised = raised_hints(reachable_sources(db))
    assert "private.claim_mini_request" in raised["claim_limit"] or raised["claim_limit"]
    assert "session_id" in raised and "invalid_transition" in raised and "anonymous_user" in raised
