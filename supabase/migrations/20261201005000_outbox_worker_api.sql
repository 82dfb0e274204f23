-- The worker's half of the outbox's SQL API (issue 9): the verbs `mini-mentorship worker` calls, and the
-- NOTIFY that wakes it. private.cancel_job and private.retry_job (20261201000200) complete the set.
--
-- A job's life as the worker sees it:
--   pending --claim_jobs--> running (attempts + 1, locked_by = worker, locked_until = now() + lease)
--   running --complete_job--> succeeded (provider_message_id recorded)
--   running --fail_job--> pending again at now() + backoff, or failed after max_attempts (or at once when the
--                         error is permanent)
--   running --extend_lease--> running with a later locked_until (the heartbeat of a long job)
--   running --release_jobs--> pending, the attempt not counted (graceful shutdown)
--   running, lease expired --claim_jobs--> running for another worker (rescue), or failed when that was the
--                         last attempt (a job that kills or hangs its worker every time must stop somewhere)
--
-- Lease rule: complete_job, fail_job, extend_lease and release_jobs act only on a job that is running AND
-- whose locked_by is the calling worker. A worker whose lease ran out and was taken over by another worker
-- therefore changes nothing: the new owner's result stands. Each returns what it changed, so the caller
-- knows whether it still held the job.
--
-- Every function is owner-only (security definer in private, execute revoked from every API role): workers
-- connect with the database owner's URL; the Data API can never call them.

-- Claims up to batch_size jobs that are due now for worker_id, with a lease of lease_seconds.
-- Due = pending with run_at <= now(), or running with an expired lease (its worker died or hung: rescue).
-- Rows are picked `for update skip locked`, so concurrent workers never claim the same job and never wait
-- for each other. An expired job that already used its last attempt is marked failed instead of claimed.
create function private.claim_jobs(worker_id text, batch_size integer, lease_seconds integer)
returns setof private.outbox
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
    if nullif(btrim(claim_jobs.worker_id), '') is null or char_length(claim_jobs.worker_id) > 200 then
        raise exception using
            errcode = '22023',
            message = 'The worker id must be 1 to 200 characters.',
            hint = 'worker_id';
    end if;
    if claim_jobs.batch_size is null or claim_jobs.batch_size not between 1 and 1000 then
        raise exception using
            errcode = '22023',
            message = 'The batch size must be between 1 and 1000.',
            hint = 'batch_size';
    end if;
    if claim_jobs.lease_seconds is null or claim_jobs.lease_seconds not between 1 and 86400 then
        raise exception using
            errcode = '22023',
            message = 'The lease must be between 1 second and 1 day.',
            hint = 'lease_seconds';
    end if;

    -- Expired leases on the last attempt: give up (recorded for operators) rather than run it once more.
    update private.outbox as o
    set
        status = 'failed',
        last_error = coalesce(o.last_error || E'\n', '')
        || 'lease expired during the last attempt (held by ' || o.locked_by || '): the worker stopped or hung',
        locked_by = null,
        locked_until = null
    where o.id in (
        select x.id
        from private.outbox as x
        where
            x.status = 'running'
            and x.locked_until < now()
            and x.attempts >= x.max_attempts
        for update skip locked
    );

    return query
    update private.outbox as o
    set
        status = 'running',
        attempts = o.attempts + 1,
        locked_by = claim_jobs.worker_id,
        locked_until = now() + make_interval(secs => claim_jobs.lease_seconds)
    where o.id in (
        select x.id
        from private.outbox as x
        where
            (x.status = 'pending' and x.run_at <= now())
            or (x.status = 'running' and x.locked_until < now() and x.attempts < x.max_attempts)
        order by x.run_at, x.id
        limit claim_jobs.batch_size
        for update skip locked
    )
    returning o.*;
end
$$;

comment on function private.claim_jobs(text, integer, integer) is
'Worker API: leases up to batch_size due jobs (pending and due, or running with an expired lease) to '
'worker_id for lease_seconds; attempts + 1. for update skip locked: concurrent workers never share a job. '
'An expired job on its last attempt becomes failed instead. 22023 on a bad argument. Returns the claimed jobs.';

-- Records a delivered job: succeeded, the provider's message id kept, lease cleared. Only while the caller
-- holds the lease; returns the job when it did, nothing when it did not (the lease was lost).
create function private.complete_job(job_id uuid, worker_id text, provider_message_id text)
returns setof private.outbox
language sql
volatile
security definer
set search_path = ''
as $$
    update private.outbox as o
    set
        status = 'succeeded',
        provider_message_id = left(complete_job.provider_message_id, 500),
        last_error = null,
        locked_by = null,
        locked_until = null
    where
        o.id = complete_job.job_id
        and o.status = 'running'
        and o.locked_by = complete_job.worker_id
    returning o.*;
$$;

comment on function private.complete_job(uuid, text, text) is
'Worker API: marks a running job succeeded with the provider''s message id (cut to 500 characters), if '
'worker_id still holds its lease. Returns the job, or no row when the lease was lost (nothing changed).';

-- Records a failed attempt. While attempts remain and the error is not permanent, the job goes back to
-- pending at now() + backoff: 10 s * 2^(attempts - 1), capped at 1 hour, plus up to 25 % random jitter so
-- that jobs failing together do not retry together (the jitter never makes a later delay shorter than an
-- earlier one). Otherwise the job is failed for good. last_error keeps the error (cut to 2000 characters).
-- Only while the caller holds the lease; returns the job after the change, nothing when the lease was lost.
create function private.fail_job(job_id uuid, worker_id text, error text, permanent boolean default false)
returns setof private.outbox
language sql
volatile
security definer
set search_path = ''
as $$
    update private.outbox as o
    set
        status = case
            when coalesce(fail_job.permanent, false) or o.attempts >= o.max_attempts then 'failed'
            else 'pending'
        end,
        run_at = case
            when coalesce(fail_job.permanent, false) or o.attempts >= o.max_attempts then o.run_at
            else now() + make_interval(
                secs => least(10 * power(2, greatest(o.attempts - 1, 0)), 3600) * (1 + 0.25 * random())
            )
        end,
        last_error = left(coalesce(nullif(btrim(fail_job.error), ''), 'unknown error'), 2000),
        locked_by = null,
        locked_until = null
    where
        o.id = fail_job.job_id
        and o.status = 'running'
        and o.locked_by = fail_job.worker_id
    returning o.*;
$$;

comment on function private.fail_job(uuid, text, text, boolean) is
'Worker API: records a failed attempt of a running job held by worker_id. Retries later (pending, run_at = '
'now() + 10 s * 2^(attempts-1) capped at 1 h, + up to 25 % jitter) until max_attempts, then failed; '
'permanent = true fails at once. Returns the job, or no row when the lease was lost (nothing changed).';

-- The heartbeat: pushes the lease of the caller's running jobs to now() + lease_seconds. Returns the ids it
-- extended; an id missing from the answer is a job the caller no longer holds.
create function private.extend_lease(job_ids uuid[], worker_id text, lease_seconds integer)
returns setof uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
    if extend_lease.lease_seconds is null or extend_lease.lease_seconds not between 1 and 86400 then
        raise exception using
            errcode = '22023',
            message = 'The lease must be between 1 second and 1 day.',
            hint = 'lease_seconds';
    end if;
    if cardinality(extend_lease.job_ids) > 1000 then
        raise exception using
            errcode = '22023',
            message = 'Extend at most 1000 leases at once.',
            hint = 'job_ids';
    end if;
    return query
    update private.outbox as o
    set locked_until = now() + make_interval(secs => extend_lease.lease_seconds)
    where
        o.id = any(extend_lease.job_ids)
        and o.status = 'running'
        and o.locked_by = extend_lease.worker_id
    returning o.id;
end
$$;

comment on function private.extend_lease(uuid[], text, integer) is
'Worker API (heartbeat): extends to now() + lease_seconds the leases worker_id still holds among job_ids '
'(at most 1000). Returns the ids extended; a missing id is a job the worker lost. 22023 on a bad argument.';

-- Hands held jobs back without counting the attempt: pending, due now, lease cleared, attempts - 1. Used on
-- graceful shutdown for jobs the worker will not finish, so another worker picks them up at once.
create function private.release_jobs(job_ids uuid[], worker_id text)
returns setof uuid
language sql
volatile
security definer
set search_path = ''
as $$
    update private.outbox as o
    set
        status = 'pending',
        attempts = greatest(o.attempts - 1, 0),
        run_at = least(o.run_at, now()),
        locked_by = null,
        locked_until = null
    where
        o.id = any(release_jobs.job_ids)
        and o.status = 'running'
        and o.locked_by = release_jobs.worker_id
    returning o.id;
$$;

comment on function private.release_jobs(uuid[], text) is
'Worker API (graceful shutdown): returns running jobs held by worker_id to pending, due now, without '
'counting the attempt. Returns the ids released; jobs the worker no longer holds are untouched.';

-- Wakes listening workers: one NOTIFY on channel mini_mentorship_outbox (payload: the job kind) when a job
-- becomes due now, i.e. is inserted due or re-armed to pending due (retry, release). Delivered at commit, so
-- a rolled-back transaction wakes nobody; identical notifications of one transaction are merged by PostgreSQL.
create function private.notify_outbox_job_due()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
    perform pg_catalog.pg_notify('mini_mentorship_outbox', new.kind);
    return null;
end
$$;

comment on function private.notify_outbox_job_due() is
'Trigger function: NOTIFY mini_mentorship_outbox (payload = job kind) so a listening worker claims a job '
'that just became due without waiting for its next poll.';

revoke execute on function private.claim_jobs(text, integer, integer) from public, anon, authenticated, service_role;
revoke execute on function private.complete_job(uuid, text, text) from public, anon, authenticated, service_role;
revoke execute on function private.fail_job(uuid, text, text, boolean)
from public, anon, authenticated, service_role;
revoke execute on function private.extend_lease(uuid[], text, integer)
from public, anon, authenticated, service_role;
revoke execute on function private.release_jobs(uuid[], text) from public, anon, authenticated, service_role;
revoke execute on function private.notify_outbox_job_due() from public, anon, authenticated, service_role;

create trigger notify_job_due_on_insert
after insert on private.outbox
for each row
when (new.status = 'pending' and new.run_at <= now())
execute function private.notify_outbox_job_due();

comment on trigger notify_job_due_on_insert on private.outbox is
'Wakes listening workers when a job is queued due now (private.notify_outbox_job_due).';

create trigger notify_job_due_on_rearm
after update of status on private.outbox
for each row
when (new.status = 'pending' and old.status is distinct from 'pending' and new.run_at <= now())
execute function private.notify_outbox_job_due();

comment on trigger notify_job_due_on_rearm on private.outbox is
'Wakes listening workers when a job returns to pending due now (retry_job, release_jobs).';
