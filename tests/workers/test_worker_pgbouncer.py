"""The worker through a real PgBouncer in pool_mode = transaction (the limits of Supavisor's transaction mode:
no LISTEN across transactions, no server-side prepared statements): it drains everything by polling, and says
clearly why LISTEN cannot work there. PgBouncer is Debian's `pgbouncer` (scripts/test installs it as root)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from mini_mentorship.cli import app
from mini_mentorship.outbox.worker import resolve_mode
from mini_mentorship.testing.database import Database
from mini_mentorship.testing.pgbouncer import pgbouncer_binary, transaction_pooler
from tests.workers.outbox_support import enqueue, statuses


@pytest.fixture
def bouncer_url(db: Database) -> Iterator[str]:
    """The test database's URL through a PgBouncer (transaction pooling) started on 127.0.0.1 for this test."""
    if pgbouncer_binary() is None:
        pytest.skip("pgbouncer is not installed (Debian package `pgbouncer`; scripts/test installs it as root)")
    with transaction_pooler(db.url) as url:
        yield url


def run_worker(url: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, [
        "worker", "run", "--once", "--db-url", url, "--poll-interval", "0.2",
        "--registry", "tests.workers.outbox_support:sleepy_registry", *args,
    ])
    return result.exit_code, " ".join(result.output.split())


def test_transaction_pooler_mode_drains_everything_by_polling(db: Database, bouncer_url: str) -> None:
    enqueue(db, 60)
    code, output = run_worker(bouncer_url, "--pool-mode", "transaction", "--concurrency", "4", "--batch-size", "5")
    assert code == 0, output
    assert "transaction pooler mode: polling every 0.2 s, no LISTEN, no prepared statements" in output
    assert statuses(db) == {"succeeded": 60}, "every job drained through the pooler (statements never prepared)"


def test_an_unannounced_transaction_pooler_is_detected_and_polled(db: Database, bouncer_url: str) -> None:
    enqueue(db, 20)
    code, output = run_worker(bouncer_url)  # pool mode auto, port is not 6543: LISTEN is tried and probed
    assert code == 0, output
    assert "LISTEN does not work on this connection: a probe NOTIFY did not come back" in output
    assert "Treating it as one: polling only, no prepared statements" in output
    assert statuses(db) == {"succeeded": 20}


def test_listen_through_a_transaction_pooler_is_refused_with_a_clear_message(
    db: Database, bouncer_url: str
) -> None:
    enqueue(db, 3)
    code, output = run_worker(bouncer_url, "--pool-mode", "transaction", "--listen")
    assert code == 1
    assert "error: LISTEN cannot work through a transaction pooler (Supavisor port 6543, PgBouncer " \
           "pool_mode=transaction)" in output
    code, output = run_worker(bouncer_url, "--pool-mode", "direct", "--listen")
    assert code == 1
    assert "LISTEN does not work on this connection" in output and "Use --pool-mode transaction" in output
    assert statuses(db) == {"pending": 3}, "a worker that refused to start claimed nothing"


def test_auto_mode_picks_the_transaction_pooler_on_supavisors_port() -> None:
    assert resolve_mode("postgresql://postgres.ref:pw@aws-0-eu.pooler.supabase.com:6543/postgres", "auto") == \
        "transaction"
    assert resolve_mode("postgresql://postgres.ref:pw@aws-0-eu.pooler.supabase.com:5432/postgres", "auto") == "direct"
    assert resolve_mode("postgresql://x@h:6543/db", "session") == "session", "an explicit mode wins"
