"""Everything mini-mentorship puts in public and private says what it is and why (`comment on`)."""

from __future__ import annotations

from mini_mentorship.testing.database import Database

UNDOCUMENTED = """
select 'function ' || n.nspname || '.' || p.proname as object
from pg_proc p join pg_namespace n on n.oid = p.pronamespace
where n.nspname in ('public', 'private') and obj_description(p.oid, 'pg_proc') is null
union all
select 'table ' || n.nspname || '.' || c.relname
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where n.nspname in ('public', 'private') and c.relkind in ('r', 'p', 'v', 'm')
  and obj_description(c.oid, 'pg_class') is null
union all
select 'column ' || n.nspname || '.' || c.relname || '.' || a.attname
from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
where n.nspname in ('public', 'private') and c.relkind in ('r', 'p', 'v', 'm')
  and a.attnum > 0 and not a.attisdropped and col_description(c.oid, a.attnum) is null
order by 1
"""


def test_every_table_column_and_function_has_a_comment(db: Database) -> None:
    missing = [r["object"] for r in db.query(UNDOCUMENTED)]
    assert missing == [], "add `comment on` for: " + ", ".join(missing)
