"""Live updates (issue 12 item 7): requests and sessions are in Supabase's `supabase_realtime` publication where
it exists; where it does not (local servers), the migration changes nothing."""

from __future__ import annotations

import psycopg
import pytest

from mini_mentorship import db as dbmod
from mini_mentorship import migrate as migrations
from mini_mentorship.settings import Settings
from mini_mentorship.testing.database import Database

PUBLISHED = """
    select tablename from pg_catalog.pg_publication_tables
    where pubname = 'supabase_realtime' and schemaname = 'public' and tablename like 'mini\\_mentorship\\_%'
    order by 1
"""


@pytest.mark.parametrize("publication", ["", "for all tables"])
def test_requests_and_sessions_are_published_where_supabase_realtime_exists(
    fresh_url: str, settings: Settings, publication: str
) -> None:
    with dbmod.connect(fresh_url) as conn:
        dbmod.ensure_standin(conn)
        conn.execute(f"create publication supabase_realtime {publication}")
        migrations.migrate(conn, settings.migrations_dir)
        published = [row[0] for row in conn.execute(PUBLISHED).fetchall()]
    if publication:
        assert {"mini_mentorship_requests", "mini_mentorship_sessions"} <= set(published)
    else:
        assert published == ["mini_mentorship_requests", "mini_mentorship_sessions"], (
            "exactly the two tables the app shows are published, not the events or availability"
        )


def test_without_the_publication_the_migration_creates_none(db: Database) -> None:
    assert db.query("select pubname from pg_catalog.pg_publication") == []


def test_a_published_table_is_not_added_twice(fresh_url: str, settings: Settings) -> None:
    """Re-running the block (a host that added the table itself) is a no-op, not an error."""
    with dbmod.connect(fresh_url) as conn:
        dbmod.ensure_standin(conn)
        conn.execute("create publication supabase_realtime")
        migrations.migrate(conn, settings.migrations_dir)
        block = (settings.migrations_dir / "20261201009200_realtime_publication.sql").read_text(encoding="utf-8")
        try:
            conn.execute(block)
        except psycopg.Error as error:  # pragma: no cover - the assertion below says what went wrong
            pytest.fail(f"running the publication block again failed: {error}")
        assert len(conn.execute(PUBLISHED).fetchall()) == 2
