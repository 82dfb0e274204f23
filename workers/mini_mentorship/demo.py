"""`mini-mentorship demo`: reset the demo database and show what is in it."""

from __future__ import annotations

from psycopg import sql
from rich.console import Console
from rich.table import Table

from . import db as dbmod
from .settings import Settings

TABLES_SQL = """
select c.relname, c.relrowsecurity
from pg_catalog.pg_class as c
join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
where n.nspname = 'public' and c.relkind in ('r', 'p')
order by c.relname
"""


def run_demo(url: str, settings: Settings, console: Console) -> None:
    applied, seeded = dbmod.reset_database(url, settings)
    with dbmod.connect(url) as conn:
        version = conn.execute("show server_version").fetchone()
        tables = []
        for name, rls in conn.execute(TABLES_SQL).fetchall():
            count = conn.execute(
                sql.SQL("select count(*) from public.{}").format(sql.Identifier(name))
            ).fetchone()
            tables.append((name, count[0] if count else 0, rls))
        rpcs = conn.execute(
            "select count(*) from pg_catalog.pg_proc as p join pg_catalog.pg_namespace as n "
            "on n.oid = p.pronamespace where n.nspname = 'public'"
        ).fetchone()
    console.print(f"[bold]mini-mentorship demo[/] on PostgreSQL {version[0] if version else '?'}: {url}")
    console.print(f"{len(applied)} migrations applied" + (", seed loaded" if seeded else ", no seed file"))
    table = Table("table (public)", "rows", "RLS", title="What is in the database")
    for name, rows, rls in tables:
        table.add_row(name, str(rows), "on" if rls else "[red]off[/]")
    console.print(table)
    console.print(f"{rpcs[0] if rpcs else 0} functions in schema public (the RPC API)")
