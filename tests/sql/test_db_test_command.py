"""`mini-mentorship db test`: the security matrix run against a database, changing nothing on it.

"Nothing" is checked the ways an operator would: row counts of every table in public, private, auth and
storage, the outbox row by row, and the statistics collector's view of committed rows (`n_live_tup`,
`n_mod_since_analyze`) once the run's statistics have been flushed. The attempted-write counters
`n_tup_ins/upd/del` DO move: PostgreSQL counts attempted inserts, updates and deletes whether their
transaction commits or rolls back (pgstat_relation.c, "count attempted actions regardless of commit/abort"),
as it does for PostgREST's own `Prefer: tx=rollback`; the test uses that movement to prove the statistics it
compares were flushed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mini_mentorship.checks.security_world import build_world
from mini_mentorship.cli import app
from mini_mentorship.testing.database import Database, create_user
from tests.conftest import PROJECT_DIR
from tests.sql.requests_support import db_create_request

WORKERS = PROJECT_DIR / "workers"

SCHEMAS = ("public", "private", "auth", "storage")
COMMITTED = ("n_live_tup", "n_mod_since_analyze")


def run(url: str, *extra: str) -> Any:
    return CliRunner().invoke(app, ["db", "test", "--db-url", url, *extra])


def row_counts(db: Database) -> dict[str, int]:
    tables = db.query(
        "select format('%%I.%%I', n.nspname, c.relname) as name from pg_class as c "
        "join pg_namespace as n on n.oid = c.relnamespace "
        "where n.nspname = any(%s) and c.relkind in ('r', 'p') order by 1",
        (list(SCHEMAS),),
    )
    return {t["name"]: db.scalar(f"select count(*) from {t['name']}") for t in tables}


def table_stats(db: Database) -> dict[str, dict[str, int]]:
    db.query("select pg_stat_clear_snapshot()")  # else the session keeps serving its cached snapshot
    return {
        f"{r['schemaname']}.{r['relname']}": r
        for r in db.query(
            "select schemaname, relname, n_tup_ins, n_tup_upd, n_tup_del, n_live_tup, n_mod_since_analyze "
            "from pg_stat_user_tables where schemaname = any(%s)",
            (list(SCHEMAS),),
        )
    }


def stats_once_flushed(db: Database, ready: Any) -> dict[str, dict[str, int]]:
    """The statistics once `ready(stats)` holds. Another backend's statistics reach the shared ones when it
    ends or after it idles a while (pg_stat_force_next_flush, PG 15 and later, only hurries the calling
    backend), so wait for a sign that they arrived, at most 15 seconds, on every major alike."""
    deadline = time.monotonic() + 15
    while not ready(stats := table_stats(db)):
        assert time.monotonic() < deadline, "the statistics of the other backends were never flushed"
        time.sleep(0.2)
    return stats


def test_a_run_changes_nothing_on_the_target(db: Database) -> None:
    # Committed data of the host's own, through a connection that ends so its statistics are flushed.
    setup = Database(db.url)
    student = create_user(setup, "student")
    db_create_request(setup, student)
    setup.close()
    requests = "public.mini_mentorship_requests"
    before_stats = stats_once_flushed(db, lambda s: s[requests]["n_live_tup"] == 1)
    before_counts, outbox = row_counts(db), db.query("select * from private.outbox order by id")
    assert outbox, "the setup queued notifications, so an unchanged outbox means something"

    result = run(db.url)
    assert result.exit_code == 0, result.output

    # The CLI's backend flushes its statistics as it exits: wait until its attempted inserts show.
    after_stats = stats_once_flushed(db, lambda s: s[requests]["n_tup_ins"] > before_stats[requests]["n_tup_ins"])
    assert row_counts(db) == before_counts
    assert db.query("select * from private.outbox order by id") == outbox
    committed = {name: {k: s[k] for k in COMMITTED} for name, s in after_stats.items()}
    assert committed == {name: {k: s[k] for k in COMMITTED} for name, s in before_stats.items()}
    assert db.scalar("select count(*) from auth.users where email like 'mm-check-%%'") == 0


def test_json_output_lists_every_group_and_no_difference(db: Database) -> None:
    result = run(db.url, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["differing"] == 0 and report["differences"] == []
    assert report["cells"] == sum(group["cells"] for group in report["groups"]) > 2000
    owner_browse = next(g for g in report["groups"] if g["subject"] == "browse_mini_requests" and g["actor"] == "owner")
    assert owner_browse == {"subject": "browse_mini_requests", "operation": "rpc", "actor": "owner", "cells": 1,
                            "allowed": 0, "differing": 0, "rows": None}
    owner_reads = next(g for g in report["groups"] if g["subject"] == "mini_mentorship_requests"
                       and g["operation"] == "select" and g["actor"] == "owner")
    assert owner_reads["rows"] == 3  # R_open, R_claimed, R_sched


@pytest.mark.parametrize(
    ("plant", "sentence"),
    [
        (
            'create policy "Planted: everyone reads every session" on public.mini_mentorship_sessions '
            "for select to authenticated using (true)",
            "other_student selecting from mini_mentorship_sessions: expected {}, got {X}",
        ),
        (
            "grant update (title) on public.mini_mentorship_requests to authenticated",
            "owner updating mini_mentorship_requests.title: expected denied, got 0 rows",
        ),
        (
            # P0002 escapes to the app as HTTP 500: a finding of its own, never a crash of the run
            "create function private.planted_boom() returns trigger language plpgsql as "
            "$$ begin if current_user = 'service_role' then raise exception 'boom' using errcode = 'P0002'; "
            "end if; return new; end $$; "
            "create trigger planted_boom before insert on public.mini_mentorship_availability "
            "for each row execute function private.planted_boom()",
            "service_role inserting mini_mentorship_availability.timezone: expected ok, got HTTP 5xx",
        ),
    ],
    ids=["policy", "grant", "server-error"],
)
def test_a_planted_policy_or_grant_is_a_differing_cell(db: Database, plant: str, sentence: str) -> None:
    db.query(plant)
    result = run(db.url, "--json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert any(d["sentence"].startswith(sentence) for d in report["differences"]), report["differences"]
    assert report["differing"] == len(report["differences"]) > 0

    text = run(db.url)  # the table and the list of differing cells, for a human
    assert text.exit_code == 1
    assert "differs:" in text.output and "security matrix on" in text.output
    assert f"{report['differing']} of {report['cells']} cells differ from" in " ".join(text.output.split())


def test_refuses_a_database_without_the_migrations(fresh_url: str) -> None:
    result = run(fresh_url)
    assert result.exit_code == 1
    output = " ".join(result.output.split())
    assert "lacks the mini-mentorship migrations" in output and "Traceback" not in output


def test_refuses_a_role_that_cannot_act_as_the_api_roles(db: Database) -> None:
    db.query("create role mm_outsider login")
    try:
        result = run(db.url.replace("postgresql://postgres@", "postgresql://mm_outsider@", 1))
        assert result.exit_code == 1
        output = " ".join(result.output.split())
        assert "'mm_outsider' cannot act as anon, authenticated, service_role" in output, output
    finally:
        db.query("drop role mm_outsider")


def test_a_world_the_database_refuses_is_one_clear_line(db: Database) -> None:
    db.query("alter table public.users add column host_must_have text not null default 'x'")
    db.query("alter table public.users alter column host_must_have drop default")  # the host's own column
    result = run(db.url)
    assert result.exit_code == 1
    output = " ".join(result.output.split())
    assert "could not build the matrix's users and rows" in output and "host_must_have" in output, output
    assert "Traceback" not in output


def test_the_world_is_only_built_inside_a_transaction(db: Database) -> None:
    with pytest.raises(RuntimeError, match="inside a transaction"):
        build_world(db)
    assert db.scalar("select count(*) from public.users") == 0


def test_pytest_pyargs_runs_the_matrix_against_the_url(db: Database, tmp_path: Path) -> None:
    db.query('create policy "Planted: everyone reads every session" on public.mini_mentorship_sessions '
             "for select to authenticated using (true)")
    env = {**os.environ, "MM_TEST_DATABASE_URL": db.url,
           "PYTHONPATH": os.pathsep.join([str(WORKERS), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--pyargs", "mini_mentorship.checks"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert re.search(r"\b1 failed, \d+ passed", done.stdout), done.stdout
    assert "other_student selecting from mini_mentorship_sessions: expected {}, got {X}" in done.stdout


def test_help_says_what_it_changes_and_where_to_read_more() -> None:
    result = CliRunner().invoke(app, ["db", "test", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "always rolled back" in text and "sequences may advance" in text and "docs/security.md" in text
