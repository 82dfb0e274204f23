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


def rpc_sections(lines: list[str]) -> dict[str, list[str]]:
    """The lines of each RPC's section of docs/api.md, by function name (heading `... rpc('name', ...)`)."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in lines:
        if line.startswith("#"):
            heading = RPC_HEADING.match(line)
            current = None
            if heading:
                assert heading["name"] not in sections, f"docs/api.md: two sections for {heading['name']}"
                current = sections[heading["name"]] = []
        elif current is not None:
            current.append(line)
    return sections


def documented_hints(lines: list[str]) -> dict[str, set[str]]:
    """Every backticked code in a `hint` column of docs/api.md, with the rows naming it."""
    hints: dict[str, set[str]] = {}
    for table in tables(lines):
        if "hint" not in table.header:
            continue
        column = table.header.index("hint")
        for row in table.rows:
            for hint in BACKTICKED.findall(row[column]):
                hints.setdefault(hint, set()).add(" | ".join(row)[:80])
    return hints


@dataclass(frozen=True)
class Function:
    name: str
    args: list[tuple[str, str]]  # (name, type) in order, types as docs/api.md writes them
    defaults: int  # how many trailing arguments have a SQL default
    executors: list[str]  # API roles holding EXECUTE
    public_execute: bool

    @property
    def with_default(self) -> set[str]:
        return {arg for arg, _ in self.args[len(self.args) - self.defaults:]} if self.defaults else set()


def public_functions(db: Database) -> dict[str, Function]:
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
    return {
        row["name"]: Function(
            row["name"],
            [(arg, SQL_TYPE_NAMES.get(t, t)) for arg, t in zip(row["arg_names"], row["arg_types"], strict=True)],
            row["defaults"], sorted(row["executors"]), row["public_execute"],
        )
        for row in rows
    }


def glance_problems(functions: dict[str, Function], lines: list[str]) -> list[str]:
    """How the "RPCs at a glance" table disagrees with the functions in public and their EXECUTE grants."""
    found = [t for t in tables(lines) if t.header[:1] == ("RPC",)]
    if len(found) != 1 or "EXECUTE granted to" not in found[0].header:
        return ["docs/api.md needs one table headed | RPC | for | EXECUTE granted to |"]
    table = found[0]
    documented = {BACKTICKED.findall(row[0])[0]: row for row in table.rows}
    problems = [f"{name}: in public, missing from the table" for name in sorted(set(functions) - set(documented))]
    problems += [f"{name}: in the table, not in the database" for name in sorted(set(documented) - set(functions))]
    column = table.header.index("EXECUTE granted to")
    for name in sorted(set(functions) & set(documented)):
        function = functions[name]
        if function.public_execute:
            problems.append(f"{name}: PUBLIC holds EXECUTE (default-deny: revoke it)")
        granted = sorted(BACKTICKED.findall(documented[name][column]))
        if granted != function.executors:
            problems.append(f"{name}: documented EXECUTE for {granted}, the database grants it to {function.executors}")
    return problems


def argument_problems(functions: dict[str, Function], lines: list[str]) -> list[str]:
    """How each RPC's argument table disagrees with the function's SQL arguments."""
    sections = rpc_sections(lines)
    problems = [f"{name}: no section headed with rpc('{name}', ...)" for name in sorted(set(functions) - set(sections))]
    problems += [f"{name}: a section for a function not in public" for name in sorted(set(sections) - set(functions))]
    for name in sorted(set(functions) & set(sections)):
        found = [t for t in tables(sections[name]) if t.header[:2] == ("argument", "type")]
        if len(found) != 1:
            problems.append(f"{name}: its section needs one table headed | argument | type | ...")
            continue
        table, function = found[0], functions[name]
        documented = [(BACKTICKED.findall(row[0])[0], row[1].strip("`")) for row in table.rows]
        if documented != function.args:
            problems.append(f"{name}: arguments documented as {documented}, the function takes {function.args}")
            continue
        for row in table.rows:
            arg = BACKTICKED.findall(row[0])[0]
            rest = " ".join(row[2:]).strip()
            optional = rest.startswith("optional") or (
                "default" in table.header and row[table.header.index("default")] not in ("—", "-", "")
            )
            if optional and arg not in function.with_default:
                problems.append(f"{name}: {arg} is documented as optional but has no SQL default (PGRST202)")
            if not optional and arg in function.with_default and "required" not in rest:
                problems.append(f"{name}: {arg} has a SQL default: document it as optional (or say why it is required)")
    return problems


def test_the_glance_table_lists_every_public_function_with_its_execute_grants(db: Database) -> None:
    problems = glance_problems(public_functions(db), api_lines())
    assert not problems, "docs/api.md, 'RPCs at a glance':\n" + "\n".join(problems)


def test_each_rpc_documents_its_arguments_with_their_sql_names_and_types(db: Database) -> None:
    problems = argument_problems(public_functions(db), api_lines())
    assert not problems, "docs/api.md, argument tables:\n" + "\n".join(problems)


def test_the_checks_catch_a_new_function_a_wrong_grant_and_a_renamed_argument(db: Database) -> None:
    lines = api_lines()
    db.query("create function public.zz_probe(n integer) returns integer language sql as 'select n'")
    db.query("grant execute on function public.zz_probe(integer) to anon")
    functions = public_functions(db)
    assert any(p.startswith("zz_probe:") for p in glance_problems(functions, lines))
    assert any(p.startswith("zz_probe:") for p in argument_problems(functions, lines))

    regranted = [line.replace("| `claim_mini_request` | claimRequest | `authenticated` |",
                              "| `claim_mini_request` | claimRequest | `authenticated`, `anon` |") for line in lines]
    assert regranted != lines
    assert any(p.startswith("claim_mini_request:") for p in glance_problems(functions, regranted))
    renamed = [line.replace("| `absent` | text |", "| `who` | text |") for line in lines]
    assert renamed != lines
    assert any(p.startswith("mark_mini_no_show:") for p in argument_problems(functions, renamed))


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


def hint_problems(raised: dict[str, set[str]], documented: dict[str, set[str]]) -> list[str]:
    problems = [
        f"{hint}: raised by {sorted(where)}, missing from every hint column"
        for hint, where in sorted(raised.items()) if hint not in documented
    ]
    problems += [
        f"{hint}: documented ({sorted(rows)[0]} ...) but raised by no function an API call reaches"
        for hint, rows in sorted(documented.items()) if hint not in raised
    ]
    return problems


def test_every_hint_an_api_caller_can_meet_is_documented_and_every_documented_hint_is_raised(db: Database) -> None:
    problems = hint_problems(raised_hints(reachable_sources(db)), documented_hints(api_lines()))
    assert not problems, "docs/api.md, hints:\n" + "\n".join(problems)


def test_the_hint_check_catches_a_missing_and_an_invented_hint(db: Database) -> None:
    raised = raised_hints(reachable_sources(db))
    lines = [line for line in api_lines() if "| `claim_limit` |" not in line]
    lines += ["", "| code | hint | HTTP | when |", "|---|---|---|---|", "| `PT409` | `made_up` | 409 | never |"]
    problems = hint_problems(raised, documented_hints(lines))
    assert [p.split(":")[0] for p in problems] == ["claim_limit", "made_up"], problems


def test_the_hint_scan_reaches_helpers_triggers_and_field_hints(db: Database) -> None:
    """The scan itself: a literal hint in a helper an RPC calls, a field hint given to private.raise_bad_field,
    a trigger on a public table and a trigger on the people view are all found."""
    raised = raised_hints(reachable_sources(db))
    assert "private.check_claim_limit" in raised["claim_limit"], "claim_mini_request -> check_claim_limit"
    assert "private.request_mini_meeting_link" in raised["session_id"], "raise_bad_field('session_id', ...)"
    assert "private.bound_availability_window" in raised["available_from"], "a trigger on a public table"
    assert "private.refuse_people_write" in raised["read_only"], "a trigger on a public view"
    assert not any(name.startswith("private.tick") for names in raised.values() for name in names), (
        "operator-only functions (the cron tick) are not part of the API"
    )
