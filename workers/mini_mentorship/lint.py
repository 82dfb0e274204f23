"""Database lints equivalent to Supabase's linter (splinter), run against any migrated database.

One check per file in `lints/` (named after the splinter lint it mirrors); each file is a query returning
`object` and `detail` for every finding. The schemas the Data API exposes come from the database's
`pgrst.db_schemas` setting, as splinter reads them. A lint that needs a Supabase table names it on a
`-- requires: schema.table` line and finds nothing where that table is missing. Like splinter, the checks
look only at what the project owns: Supabase's own schemas (`supabase_schemas`, splinter's list) and objects
that belong to an extension are skipped, so the linter can run on a real Supabase project. Findings that are
deliberate go in an allow-list (`supabase/lint_allowlist.toml`), each with a written reason.

Splinter lints with no equivalent here, and why: 0005 unused_index and 0020 table_bloat read usage
statistics, which say nothing about a freshly migrated database (run them on production with `supabase
inspect db`); 0012 auth_allow_anonymous_sign_ins reads the Auth server's settings, not the database; 0019
insecure_queue_exposed_in_api concerns Supabase Queues (`pgmq`), which the toolkit does not use.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import psycopg

# Run before every lint: `supabase_schemas` are the schemas Supabase (or the extensions it ships) owns, which
# splinter skips in every lint; `exposed_schemas` are the Data API's schemas (`pgrst.db_schemas`) minus those.
LINT_CTES = """
with supabase_schemas as (
    select unnest(array[
        '_timescaledb_cache', '_timescaledb_catalog', '_timescaledb_config', '_timescaledb_internal', 'auth',
        'cron', 'extensions', 'graphql', 'graphql_public', 'information_schema', 'net', 'pgmq', 'pgmq_public',
        'pgroonga', 'pgsodium', 'pgsodium_masks', 'pgtle', 'pgbouncer', 'pg_catalog', 'pg_toast', 'realtime',
        'repack', 'storage', 'supabase_functions', 'supabase_migrations', 'tiger', 'topology', 'vault'
    ]::text[]) as name
),
exposed_schemas as (
    select trim(s) as name
    from unnest(string_to_array(coalesce(nullif(current_setting('pgrst.db_schemas', true), ''), 'public'), ',')) as s
    where trim(s) not in (select ss.name from supabase_schemas as ss)
)
"""


@dataclass(frozen=True)
class Finding:
    lint: str
    object: str
    detail: str


@dataclass(frozen=True)
class Allowed:
    lint: str
    object: str
    reason: str


def lint_names() -> list[str]:
    files = resources.files("mini_mentorship") / "lints"
    return sorted(f.name.removesuffix(".sql") for f in files.iterdir() if f.name.endswith(".sql"))


def required_relations(body: str) -> list[str]:
    """Relations named on `-- requires: a.b, c.d` lines: without them the lint has nothing to check."""
    return [
        name.strip()
        for line in body.splitlines()
        if line.startswith("-- requires:")
        for name in line.removeprefix("-- requires:").split(",")
        if name.strip()
    ]


def run_lint(conn: psycopg.Connection, name: str) -> list[Finding]:
    body = (resources.files("mini_mentorship") / "lints" / f"{name}.sql").read_text(encoding="utf-8")
    for relation in required_relations(body):
        if conn.execute("select pg_catalog.to_regclass(%s) is null", (relation,)).fetchone() != (False,):
            return []  # e.g. no Supabase Storage in this database: no bucket to check
    # The lint is a subquery, so it may have CTEs of its own; it sees `supabase_schemas` and `exposed_schemas`.
    rows = conn.execute(LINT_CTES + "select lint.object, lint.detail from (\n" + body + "\n) as lint").fetchall()
    return [Finding(name, str(obj), str(detail)) for obj, detail in rows]


def run_lints(conn: psycopg.Connection) -> list[Finding]:
    return [finding for name in lint_names() for finding in run_lint(conn, name)]


def load_allowlist(path: Path) -> list[Allowed]:
    """Read the allow-list; every entry needs lint, object and a non-empty reason."""
    if not path.is_file():
        return []
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    allowed = []
    for entry in data.get("allow", []):
        if not all(str(entry.get(key, "")).strip() for key in ("lint", "object", "reason")):
            raise ValueError(f"{path}: every [[allow]] entry needs lint, object and a reason: {entry}")
        allowed.append(Allowed(entry["lint"], entry["object"], entry["reason"]))
    return allowed


def unexplained(findings: list[Finding], allowed: list[Allowed]) -> list[Finding]:
    """Findings that no allow-list entry explains."""
    ok = {(a.lint, a.object) for a in allowed}
    return [f for f in findings if (f.lint, f.object) not in ok]
