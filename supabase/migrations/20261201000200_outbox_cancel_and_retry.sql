-- Two verbs of the outbox's SQL API that both the worker and the operator commands use (issue 9).
--
-- * private.cancel_job(job_id, reason): a job that should not run any more (its subject was cancelled or
--   moved, or an operator stopped it) becomes `cancelled` with the reason in last_error, its lease cleared.
--   Only pending and running jobs can be cancelled; a finished job is left as it is.
-- * private.retry_job(job_id): re-arms a failed or cancelled job: pending, due now, attempts reset, lease and
--   error cleared. A pending, running or succeeded job is left as it is (re-sending a delivered email is
--   never what an operator wants).
-- Both return the job row after the call (null for an unknown id) so callers can tell what happened, and
-- live in `private`: owner-only, never callable through the API.

create function private.cancel_job(job_id uuid, reason text)
returns private.outbox
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    job private.outbox;
begin
    if nullif(btrim(cancel_job.reason), '') is null or char_length(cancel_job.reason) > 2000 then
        raise exception using
            errcode = '22023',
            message = 'Say why the job is cancelled (1 to 2000 characters).',
            hint = 'reason';
    end if;
    update private.outbox as o
    set
        status = 'cancelled',
        last_error = btrim(cancel_job.reason),
        locked_by = null,
        locked_until = null
    where o.id = cancel_job.job_id and o.status in ('pending', 'running');

    select o.* into job
    from private.outbox as o
    where o.id = cancel_job.job_id;
    return job;
end
$$;

comment on function private.cancel_job(uuid, text) is
'Cancels a pending or running outbox job: status cancelled, last_error = reason, lease cleared; a finished '
'job is unchanged. 22023 / reason for a blank or > 2000-character reason. Returns the job (null if unknown).';

create function private.retry_job(job_id uuid)
returns private.outbox
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    job private.outbox;
begin
    update private.outbox as o
    set
        status = 'pending',
        attempts = 0,
        run_at = now(),
        last_error = null,
        locked_by = null,
        locked_until = null
    where o.id = retry_job.job_id and o.status in ('failed', 'cancelled');

    select o.* into job
    from private.outbox as o
    where o.id = retry_job.job_id;
    return job;
end
$$;

comment on function private.retry_job(uuid) is
'Re-arms a failed or cancelled outbox job (pending, due now, attempts 0, lease and last_error cleared); other '
'jobs are unchanged. Returns the job (null if unknown).';

revoke execute on function private.cancel_job(uuid, text) from public, anon, authenticated, service_role;
revoke execute on function private.retry_job(uuid) from public, anon, authenticated, service_role;
