"""The migration runner: CLI-compatible history, idempotence, drift, and atomic failure."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from mini_mentorship import db as dbmod
from mini_mentorship import migrate as migrations
from mini_mentorship.cli import app
from mini_mentorship.sqlsplit import split_statements
from mini_mentorship.testing.servers import EmbeddedServer

runner = CliRunner()


def migrations_dir(project: Path) -> Path:
    return project / "supabase" / "migrations"


def migrate(url: str, project: Path) -> list[migrations.Migration]:
    with dbmod.connect(url) as conn:
        dbmod.ensure_standin(conn)
        return migrations.migrate(conn, migrations_dir(project))


def test_history_table_has_the_supabase_cli_shape(fresh_url: str, project: Path) -> None:
    migrate(fresh_url, project)
    with dbmod.connect(fresh_url) as conn:
        columns = conn.execute(
            "select column_name, data_type, is_nullable from information_schema.columns "
            "where table_schema = 'supabase_migrations' and table_name = 'schema_migrations' "
            "order by ordinal_position"
        ).fetchall()
        pk = conn.execute(
            "select a.attname from pg_index i join pg_attribute a on a.attrelid = i.indrelid "
            "and a.attnum = any(i.indkey) "
            "where i.indrelid = 'supabase_migrations.schema_migrations'::regclass and i.indisprimary"
        ).fetchall()
        recorded = conn.execute(
            "select version, name, statements from supabase_migrations.schema_migrations order by version"
        ).fetchall()
    assert columns == [("version", "text", "NO"), ("statements", "ARRAY", "YES"), ("name", "text", "YES")]
    assert pk == [("version",)]
    files = migrations.discover(migrations_dir(project))
    assert [(v, n) for v, n, _ in recorded] == [(m.version, m.name) for m in files]
    assert [s for _, _, s in recorded] == [m.statements for m in files], "statements are stored one per entry"


def test_rerunning_applies_nothing(fresh_url: str, project: Path) -> None:
    first = migrate(fresh_url, project)
    assert first, "a fresh database gets every migration"
    assert migrate(fresh_url, project) == []
    with dbmod.connect(fresh_url) as conn:
        states = {s.state for s in migrations.status(conn, migrations_dir(project))}
    assert states == {migrations.State.APPLIED}


def test_a_new_file_is_pending_then_applied(fresh_url: str, project: Path) -> None:
    migrate(fresh_url, project)
    (migrations_dir(project) / "29991231000000_add_widgets.sql").write_text(
        "create table public.widgets (id int primary key);\ncomment on table public.widgets is 'w';\n"
    )
    with dbmod.connect(fresh_url) as conn:
        assert migrations.status(conn, migrations_dir(project))[-1].state is migrations.State.PENDING
    assert [m.name for m in migrate(fresh_url, project)] == ["add_widgets"]


def test_an_edited_applied_migration_is_reported_as_drift(fresh_url: str, project: Path) -> None:
    migrate(fresh_url, project)
    target = migrations.discover(migrations_dir(project))[0]
    target.path.write_text(target.path.read_text() + "\ncreate table public.sneaky (id int);\n")
    (migrations_dir(project) / "29991231000000_later.sql").write_text("create table public.later (id int);")
    with dbmod.connect(fresh_url) as conn:
        states = {s.version: s.state for s in migrations.status(conn, migrations_dir(project))}
        assert states[target.version] is migrations.State.DRIFTED
        with pytest.raises(migrations.MigrationError, match=f"drift: {target.path.name}"):
            migrations.migrate(conn, migrations_dir(project))
        exists = conn.execute("select to_regclass('public.later') is not null").fetchone()
    assert exists == (False,), "nothing runs after drift is found, not even later migrations"


def test_whitespace_only_edits_are_not_drift(fresh_url: str, project: Path) -> None:
    migrate(fresh_url, project)
    target = migrations.discover(migrations_dir(project))[0]
    target.path.write_text(target.path.read_text() + "\n\n   \n")
    with dbmod.connect(fresh_url) as conn:
        assert {s.state for s in migrations.status(conn, migrations_dir(project))} == {migrations.State.APPLIED}


def test_a_broken_migration_rolls_back_and_names_the_statement(fresh_url: str, project: Path) -> None:
    migrate(fresh_url, project)
    (migrations_dir(project) / "29991231000000_broken.sql").write_text(
        "create table public.half_done (id int);\n"
        "insert into public.half_done values (1);\n"
        "select * from public.no_such_table;\n"
        "create table public.never (id int);\n"
    )
    with dbmod.connect(fresh_url) as conn:
        with pytest.raises(migrations.MigrationError) as failure:
            migrations.migrate(conn, migrations_dir(project))
        message = str(failure.value)
        assert "29991231000000_broken.sql" in message
        assert "statement 3 of 4" in message
        assert "select * from public.no_such_table" in message
        assert "42P01" in message
        leftovers = conn.execute(
            "select to_regclass('public.half_done'), "
            "(select count(*) from supabase_migrations.schema_migrations where version = '29991231000000')"
        ).fetchone()
    assert leftovers == (None, 0), "the failed file left neither tables nor a history row"


def test_a_database_applied_elsewhere_shows_missing_files(fresh_url: str, project: Path) -> None:
    migrate(fresh_url, project)
    with dbmod.connect(fresh_url) as conn:
        conn.execute(
            "insert into supabase_migrations.schema_migrations (version, name, statements) "
            "values ('20000101000000', 'from_elsewhere', '{}')"
        )
        missing = [s for s in migrations.status(conn, migrations_dir(project)) if s.state is migrations.State.MISSING]
    assert [(s.version, s.name) for s in missing] == [("20000101000000", "from_elsewhere")]


@pytest.mark.parametrize(
    "filename",
    ["1_short.sql", "20261130000001-dash.sql", "20261130000001_CamelCase.sql", "20261130000001.sql"],
)
def test_badly_named_files_are_refused(tmp_path: Path, filename: str) -> None:
    (tmp_path / filename).write_text("select 1;")
    with pytest.raises(migrations.MigrationError, match="14-digit version"):
        migrations.discover(tmp_path)


def test_every_project_migration_follows_the_naming_rule(project_dir: Path) -> None:
    files = sorted((project_dir / "supabase" / "migrations").glob("*.sql"))
    assert files
    for path in files:
        assert migrations.FILENAME.match(path.name), f"{path.name} breaks the <14 digits>_<snake_case>.sql rule"


def test_statement_splitting_respects_quotes_comments_and_dollar_bodies() -> None:
    text = """
    -- a comment; with a semicolon
    create function f() returns text language sql as $body$ select 'a;b' $body$;
    select 'it''s; fine', E'back\\'slash;', "odd;name" from t; /* block; /* nested; */ still */
    do $$ begin perform 1; end $$;
    select $1;
    """
    assert split_statements(text) == [
        "-- a comment; with a semicolon\n    create function f() returns text language sql as "
        "$body$ select 'a;b' $body$",
        "select 'it''s; fine', E'back\\'slash;', \"odd;name\" from t",
        "/* block; /* nested; */ still */\n    do $$ begin perform 1; end $$",
        "select $1",
    ]


def test_cli_migrate_then_status_json(fresh_url: str, project: Path) -> None:
    result = runner.invoke(app, ["db", "migrate", "--db-url", fresh_url, "--project-dir", str(project)])
    assert result.exit_code == 0, result.output
    assert "applied 20261130000001_private_schema_and_default_privileges.sql" in result.output
    again = runner.invoke(app, ["db", "migrate", "--db-url", fresh_url, "--project-dir", str(project)])
    assert "up to date" in again.output
    status = runner.invoke(app, ["db", "status", "--json", "--db-url", fresh_url, "--project-dir", str(project)])
    assert status.exit_code == 0
    assert {row["state"] for row in json.loads(status.output)} == {"applied"}


def test_cli_reports_drift_and_exits_nonzero(fresh_url: str, project: Path) -> None:
    runner.invoke(app, ["db", "migrate", "--db-url", fresh_url, "--project-dir", str(project)])
    first = migrations.discover(migrations_dir(project))[0]
    first.path.write_text(first.path.read_text() + "\nselect 1;\n")
    status = runner.invoke(app, ["db", "status", "--db-url", fresh_url, "--project-dir", str(project)])
    assert status.exit_code == 1
    assert "drifted" in status.output
    result = runner.invoke(app, ["db", "migrate", "--db-url", fresh_url, "--project-dir", str(project)])
    assert result.exit_code == 1
    assert "drift" in result.output


def test_cli_reset_reapplies_everything_and_the_seed(fresh_url: str, project: Path) -> None:
    (project / "supabase" / "seed.sql").write_text("create table public.seeded (id int);")
    result = runner.invoke(app, ["db", "reset", "--yes", "--db-url", fresh_url, "--project-dir", str(project)])
    assert result.exit_code == 0, result.output
    assert "seed loaded" in result.output
    with psycopg.connect(fresh_url) as conn:
        assert conn.execute("select to_regclass('public.seeded') is not null").fetchone() == (True,)


def test_cli_reset_refuses_the_maintenance_database(pg: EmbeddedServer, project: Path) -> None:
    result = runner.invoke(app, ["db", "reset", "--yes", "--db-url", pg.url, "--project-dir", str(project)])
    assert result.exit_code == 1
    assert "refusing to drop" in result.output


def test_cli_connection_failure_is_one_clear_line(project: Path) -> None:
    bad = "postgresql://postgres@127.0.0.1:1/nowhere?sslmode=disable&connect_timeout=2"
    result = runner.invoke(app, ["db", "migrate", "--db-url", bad, "--project-dir", str(project)])
    assert result.exit_code == 1
    assert "error:" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("command", [[], ["db"], ["db", "migrate"], ["db", "status"], ["db", "up"],
                                     ["db", "down"], ["db", "reset"], ["db", "url"], ["db", "lint"],
                                     ["db", "policies"], ["demo"]])
def test_every_command_explains_itself(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output and len(result.output.splitlines()) > 5
