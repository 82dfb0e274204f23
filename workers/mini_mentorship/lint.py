"""Database lints equivalent to Supabase's linter (splinter), run against any migrated database.

One check per file in `lints/` (named after the splinter lint it mirrors); each file is a query returning
`object` and `detail` for every finding. The schemas the Data API exposes come from the database's
`pgrst.db_schemas` setting, as splinter reads them. Findings that are deliberate go in an allow-list
(`supabase/lint_allowlist.toml`), each with a written reason.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import psycopg

EXPOSED_SCHEMAS_CTE = """
with exposed_schemas as (
    select trim(s) as name
    from unnest(string_to_array(coalesce(nullif(current_setting('pgrst.db_schemas', true), ''), 'public'), ',')) as s
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


def run_lint(conn: psycopg.Connection, name: str) -> list[Finding]:
    body = (resources.files("mini_mentorship") / "lints" / f"{name}.sql").read_text(encoding="utf-8")
    rows = conn.execute(EXPOSED_SCHEMAS_CTE + body).fetchall()
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
