-- Batch completion for the outbox worker (issue 15): private.complete_jobs records many delivered jobs in one
-- statement, each with its own provider message id.
--
-- Measured by benchmarks/ (scripts/bench): a worker that completed every job with its own round trip
-- (private.complete_job), on one control connection, spent most of its time waiting for those round trips;
-- the worker now queues delivered results and records whatever has gathered in one call. The lease rule is
-- the one of complete_job: only jobs still running AND held by the calling worker change; the function
-- returns the ids it completed, so the worker reports the others as lease lost.

create function private.complete_jobs(job_ids uuid[], worker_id text, provider_message_ids text[])
returns setof uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
    if complete_jobs.job_ids is null or cardinality(complete_jobs.job_ids) not between 1 and 1000 then
        raise exception using
            errcode = '22023',
            message = 'Complete between 1 and 1000 jobs at a time.',
            hint = 'job_ids';
    end if;
    if complete_jobs.provider_message_ids is null
        or cardinality(complete_jobs.provider_message_ids) is distinct from cardinality(complete_jobs.job_ids) then
        raise exception using
            errcode = '22023',
            message = 'Give one provider message id per job.',
            hint = 'provider_message_ids';
    end if;

    return query
    update private.outbox as o
    set
        status = 'succeeded',
        provider_message_id = left(d.provider_message_id, 500),
        last_error = null,
        locked_by = null,
        locked_until = null
    from unnest(complete_jobs.job_ids, complete_jobs.provider_message_ids) as d (job_id, provider_message_id)
    where
        o.id = d.job_id
        and o.status = 'running'
        and o.locked_by = complete_jobs.worker_id
    returning o.id;
end
$$;

comment on function private.complete_jobs(uuid[], text, text[]) is
'Worker API: marks running jobs succeeded, each with its provider message id (the arrays pair up; cut to 500 '
'characters), where worker_id still holds the lease. 1-1000 jobs, one id per job (22023 otherwise). Returns '
'the ids completed; a job missing from the answer was not held any more (nothing changed for it).';

revoke execute on function private.complete_jobs(uuid[], text, text[])
from public, anon, authenticated, service_role;
