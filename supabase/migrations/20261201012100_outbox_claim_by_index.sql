-- private.claim_jobs served by indexes (issue 15): the cost of a claim follows the batch, not the backlog.
--
-- Measured by benchmarks/ (scripts/bench): with 15,000 jobs due, one claim took about 28 ms, because its
-- single query (`pending and due OR running with an expired lease`, ordered by run_at, id) could use no index:
-- the planner read every due row and sorted them to return 10. A worker draining a backlog claims again as
-- jobs finish, so the worker slowed down as the queue grew, exactly when it should not.
--
-- Now the two kinds of due job are claimed by two statements, each an index scan that stops at the batch:
-- * expired leases first (outbox_expired_lease_idx, oldest lease first): a job whose worker died is the most
--   overdue of all;
-- * then pending jobs due now, in (run_at, id) order, from the new partial index outbox_due_order_idx, which
--   replaces outbox_due_idx (run_at alone could not give the id order: jobs queued by one transaction share
--   their run_at, and all of them had to be sorted).
-- Everything else is unchanged: the arguments' bounds, the last-attempt rule, `for update skip locked`.

-- squawk-ignore require-concurrent-index-creation
create index outbox_due_order_idx on private.outbox (run_at, id) where status = 'pending';

comment on index private.outbox_due_order_idx is
'Finds due jobs (status pending, run_at <= now()) in claim order (run_at, id), so a claim reads only its batch.';

-- squawk-ignore require-concurrent-index-deletion
drop index private.outbox_due_idx;

-- The table is the worker queue: small rows, and the index build takes a short lock that only delays claims
-- and enqueues for its duration. Hence the squawk-ignore lines above.

create or replace function private.claim_jobs(worker_id text, batch_size integer, lease_seconds integer)
returns setof private.outbox
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    rescued integer;
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

    -- Rescue: running jobs whose lease expired (their worker died or hung), oldest lease first.
    return query
    update private.outbox as o
    set
        attempts = o.attempts + 1,
        locked_by = claim_jobs.worker_id,
        locked_until = now() + make_interval(secs => claim_jobs.lease_seconds)
    where o.id in (
        select x.id
        from private.outbox as x
        where
            x.status = 'running'
            and x.locked_until < now()
            and x.attempts < x.max_attempts
        order by x.locked_until
        limit claim_jobs.batch_size
        for update skip locked
    )
    returning o.*;
    get diagnostics rescued = row_count;
    if rescued >= claim_jobs.batch_size then
        return;
    end if;

    -- Pending jobs due now, in run order: an index scan that stops after the rest of the batch.
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
        where x.status = 'pending' and x.run_at <= now()
        order by x.run_at, x.id
        limit claim_jobs.batch_size - rescued
        for update skip locked
    )
    returning o.*;
end
$$;

comment on function private.claim_jobs(text, integer, integer) is
'Worker API: leases up to batch_size due jobs to worker_id for lease_seconds, attempts + 1: first running jobs '
'whose lease expired (oldest lease first), then pending jobs due now in (run_at, id) order; each an index scan '
'that stops at the batch. for update skip locked: concurrent workers never share a job. An expired job on its '
'last attempt becomes failed instead. 22023 on a bad argument. Returns the claimed jobs.';

revoke execute on function private.claim_jobs(text, integer, integer) from public, anon, authenticated, service_role;
