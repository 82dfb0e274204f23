"""The outbox's SQL API for workers: claim with a lease, complete, fail with backoff, heartbeat, release, and the
NOTIFY that wakes workers. Called through mini_mentorship.outbox.queue, as the worker calls it."""

from __future__ import annotations

import psycopg
import pytest

from mini_mentorship.outbox import queue
from mini_mentorship.testing.database import Database
from tests.workers.outbox_support import enqueue, job


def test_claim_leases_only_due_jobs_and_counts_the_attempt(db: Database) -> None:
    due = enqueue(db, 3)
    later = enqueue(db, 1, run_at="2999-01-01")
    claimed = queue.claim(db.conn, "w1", 10, 30)
    assert {j.id for j in claimed} == set(due), "only jobs due now are claimed"
    for j in claimed:
        assert (j.status, j.attempts, j.locked_by) == ("running", 1, "w1")
    lease = db.scalar("select extract(epoch from locked_until - now()) from private.outbox where id = %s", (due[0],))
    assert 29 <= lease <= 30, "the lease runs lease_seconds from now"
    assert job(db, later[0])["status"] == "pending"
    assert queue.claim(db.conn, "w2", 10, 30) == [], "a leased job is not claimed twice"


def test_concurrent_claims_never_share_a_job(db: Database) -> None:
    enqueue(db, 6)
    with psycopg.connect(db.url) as a, psycopg.connect(db.url) as b:  # two open transactions at once
        first = queue.claim(a, "wa", 4, 30)
        second = queue.claim(b, "wb", 4, 30)  # skip locked: does not wait for a's uncommitted claim
        assert len(first) == 4 and len(second) == 2
        assert not {j.id for j in first} & {j.id for j in second}


def test_an_expired_lease_hands_the_job_to_another_worker_and_the_old_owner_changes_nothing(db: Database) -> None:
    [job_id] = enqueue(db)
    assert [j.id for j in queue.claim(db.conn, "w1", 1, 30)] == [job_id]
    db.query("update private.outbox set locked_until = now() - interval '1 second' where id = %s", (job_id,))
    [rescued] = queue.claim(db.conn, "w2", 1, 30)
    assert (rescued.id, rescued.locked_by, rescued.attempts) == (job_id, "w2", 2), "w2 takes the job over"

    assert not queue.complete(db.conn, job_id, "w1", "msg-from-w1"), "the stale owner cannot complete it"
    assert queue.fail(db.conn, job_id, "w1", "late error") is None, "nor fail it"
    assert queue.extend(db.conn, [job_id], "w1", 30) == set(), "nor extend its lease"
    assert queue.release(db.conn, [job_id], "w1") == set(), "nor release it"
    assert not queue.cancel(db.conn, job_id, "w1", "stale"), "nor cancel it"
    row = job(db, job_id)
    assert (row["status"], row["locked_by"], row["provider_message_id"], row["last_error"]) == (
        "running", "w2", None, None), "the new owner's job is untouched"

    assert queue.complete(db.conn, job_id, "w2", "msg-from-w2")
    row = job(db, job_id)
    assert (row["status"], row["provider_message_id"], row["locked_by"], row["locked_until"]) == (
        "succeeded", "msg-from-w2", None, None)
    assert not queue.complete(db.conn, job_id, "w2", "again"), "a finished job cannot be completed again"


def test_backoff_grows_and_stops_at_max_attempts(db: Database) -> None:
    [job_id] = enqueue(db)
    db.query("update private.outbox set max_attempts = 4 where id = %s", (job_id,))
    delays = []
    for attempt in range(1, 5):
        [claimed] = queue.claim(db.conn, "w", 1, 30)
        assert claimed.attempts == attempt
        after = queue.fail(db.conn, job_id, "w", f"provider said no ({attempt})")
        assert after is not None
        if attempt < 4:
            assert after.status == "pending" and after.locked_by is None
            delays.append(db.scalar("select extract(epoch from run_at - now()) from private.outbox where id = %s",
                                    (job_id,)))
            db.query("update private.outbox set run_at = now() where id = %s", (job_id,))  # skip the wait
    for attempt, delay in enumerate(delays, start=1):
        base = 10 * 2 ** (attempt - 1)
        assert base <= delay <= base * 1.25, f"attempt {attempt} backs off {base} s plus at most 25 % jitter"
    assert delays == sorted(delays), "each delay is longer than the one before"
    row = job(db, job_id)
    assert (row["status"], row["attempts"], row["last_error"]) == ("failed", 4, "provider said no (4)")
    assert queue.claim(db.conn, "w", 1, 30) == [], "a failed job is never claimed again"


def test_a_permanent_error_fails_at_once_and_long_errors_are_cut(db: Database) -> None:
    [job_id] = enqueue(db)
    queue.claim(db.conn, "w", 1, 30)
    after = queue.fail(db.conn, job_id, "w", "x" * 5000, permanent=True)
    assert after is not None and (after.status, after.attempts) == ("failed", 1)
    assert after.last_error is not None and len(after.last_error) == 2000


def test_release_returns_jobs_due_now_without_counting_the_attempt(db: Database) -> None:
    ids = enqueue(db, 2)
    queue.claim(db.conn, "w", 2, 30)
    assert queue.release(db.conn, ids, "w") == set(ids)
    for job_id in ids:
        row = job(db, job_id)
        assert (row["status"], row["attempts"], row["locked_by"]) == ("pending", 0, None)
    assert {j.id for j in queue.claim(db.conn, "w2", 2, 30)} == set(ids), "released jobs are due at once"


def test_heartbeat_extends_only_the_callers_leases(db: Database) -> None:
    mine, theirs = enqueue(db, 2)
    queue.claim(db.conn, "me", 1, 5)
    queue.claim(db.conn, "them", 1, 5)
    assert queue.extend(db.conn, [mine, theirs], "me", 600) == {mine}
    assert db.scalar("select locked_until > now() + interval '500 seconds' from private.outbox where id = %s",
                     (mine,))
    assert db.scalar("select locked_until < now() + interval '10 seconds' from private.outbox where id = %s",
                     (theirs,))


def test_a_job_whose_worker_died_on_its_last_attempt_fails_instead_of_running_again(db: Database) -> None:
    [job_id] = enqueue(db)
    db.query("update private.outbox set max_attempts = 1 where id = %s", (job_id,))
    queue.claim(db.conn, "dead", 1, 30)
    db.query("update private.outbox set locked_until = now() - interval '1 second' where id = %s", (job_id,))
    assert queue.claim(db.conn, "w", 1, 30) == []
    row = job(db, job_id)
    assert row["status"] == "failed" and row["locked_by"] is None
    assert "lease expired during the last attempt (held by dead)" in row["last_error"]


def test_cancel_through_the_worker_records_the_reason(db: Database) -> None:
    [job_id] = enqueue(db)
    queue.claim(db.conn, "w", 1, 30)
    assert queue.cancel(db.conn, job_id, "w", "the session was cancelled")
    row = job(db, job_id)
    assert (row["status"], row["last_error"], row["locked_by"]) == ("cancelled", "the session was cancelled", None)


@pytest.mark.parametrize(
    ("call", "hint"),
    [
        ("select * from private.claim_jobs('', 1, 30)", "worker_id"),
        ("select * from private.claim_jobs(repeat('w', 201), 1, 30)", "worker_id"),
        ("select * from private.claim_jobs('w', 0, 30)", "batch_size"),
        ("select * from private.claim_jobs('w', 1001, 30)", "batch_size"),
        ("select * from private.claim_jobs('w', 1, 0)", "lease_seconds"),
        ("select * from private.claim_jobs('w', null, 30)", "batch_size"),
        ("select * from private.extend_lease('{}', 'w', 90000)", "lease_seconds"),
    ],
)
def test_bad_arguments_are_refused_with_22023(db: Database, call: str, hint: str) -> None:
    enqueue(db)
    with pytest.raises(psycopg.Error) as refused:
        db.query(call)
    assert refused.value.sqlstate == "22023" and refused.value.diag.message_hint == hint
    assert db.scalar("select status from private.outbox") == "pending", "nothing changed"


def test_a_due_job_notifies_listening_workers_at_commit_only(db: Database) -> None:
    with psycopg.connect(db.url, autocommit=True) as listener:
        listener.execute(queue.LISTEN_SQL)
        enqueue(db, 1, run_at="2999-01-01")  # not due: no wake-up
        with db.conn.transaction(force_rollback=True):
            enqueue(db, 1)  # rolled back: no wake-up
        assert list(listener.notifies(timeout=0.3)) == []
        enqueue(db, 1)
        got = list(listener.notifies(timeout=2, stop_after=1))
        assert [(n.channel, n.payload) for n in got] == [(queue.NOTIFY_CHANNEL, "email")]
        [job_id] = enqueue(db, 1)
        list(listener.notifies(timeout=2, stop_after=1))
        queue.claim(db.conn, "w", 10, 30)
        queue.release(db.conn, [job_id], "w")
        assert len(list(listener.notifies(timeout=2, stop_after=1))) == 1, "a released job wakes workers too"


def test_complete_many_records_each_provider_id_and_leaves_out_jobs_the_worker_no_longer_holds(db: Database) -> None:
    mine = enqueue(db, 3)
    claimed = queue.claim(db.conn, "w1", 3, 30)
    assert {j.id for j in claimed} == set(mine)
    db.query("update private.outbox set locked_until = now() - interval '1 second' where id = %s", (mine[2],))
    [rescued] = queue.claim(db.conn, "w2", 1, 30)  # w1's lease on the third job ran out: w2 holds it now
    assert rescued.id == mine[2]

    done = queue.complete_many(db.conn, "w1", [(mine[0], "msg-0"), (mine[1], "msg-1" + "x" * 600),
                                               (mine[2], "msg-2")])
    assert done == {mine[0], mine[1]}, "only the jobs w1 still holds are completed"
    assert (job(db, mine[0])["status"], job(db, mine[0])["provider_message_id"]) == ("succeeded", "msg-0")
    assert len(job(db, mine[1])["provider_message_id"]) == 500, "each id is kept, cut to 500 characters"
    third = job(db, mine[2])
    assert (third["status"], third["locked_by"], third["provider_message_id"]) == ("running", "w2", None)
    assert queue.complete_many(db.conn, "w1", [(mine[0], "again")]) == set(), "a finished job stays as it was"
    assert job(db, mine[0])["provider_message_id"] == "msg-0"


def test_complete_many_refuses_bad_batches_and_changes_nothing(db: Database) -> None:
    [job_id] = enqueue(db)
    queue.claim(db.conn, "w1", 1, 30)
    for params, hint in (
        ({"job_ids": [], "worker_id": "w1", "provider_message_ids": []}, "job_ids"),
        ({"job_ids": [job_id] * 1001, "worker_id": "w1", "provider_message_ids": ["m"] * 1001}, "job_ids"),
        ({"job_ids": [job_id], "worker_id": "w1", "provider_message_ids": []}, "provider_message_ids"),
        ({"job_ids": [job_id], "worker_id": "w1", "provider_message_ids": None}, "provider_message_ids"),
    ):
        with pytest.raises(psycopg.errors.InvalidParameterValue) as err:
            db.query(queue.COMPLETE_MANY_SQL, params)
        assert err.value.diag.message_hint == hint
    assert job(db, job_id)["status"] == "running"
    with db.conn.transaction(force_rollback=True), pytest.raises(psycopg.errors.InsufficientPrivilege):
        db.query("set local role service_role")
        db.query("select private.complete_jobs(array[%s]::uuid[], 'w1', array['m'])", (job_id,))
