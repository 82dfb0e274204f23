-- request_mini_meeting_link returns a typed row instead of bare jsonb (issue 14 item 3).
--
-- Supabase's type generator (postgres-meta, `supabase gen types typescript`) can only say `Json` for a jsonb
-- result, so a supabase-js client had no typed fields for the job it asked for. The answer keeps its shape
-- (one object with job_id, status, session_id, sequence, queued_at, meeting_link) but is now the composite
-- type public.mini_mentorship_meeting_link_job, which the generator turns into named, typed fields.
-- A composite type rather than `returns table (...)`: a table's output columns are parameters, and one named
-- session_id would clash with the argument session_id, whose name clients send and must keep. PostgREST
-- answers a function returning one composite value with one JSON object, as before.
--
-- A function's result type cannot be changed in place, so both functions are dropped and created again with
-- the same arguments, bodies (latest: 20261201008000_meeting_providers.sql) and grants: the security definer
-- implementation in private, the security invoker wrapper in public. No other object depends on them.

-- Clients keep calling the same name with the same arguments: only the result's type changes (same fields).
-- squawk-ignore ban-drop-function
drop function public.request_mini_meeting_link(uuid);
-- squawk-ignore ban-drop-function
drop function private.request_mini_meeting_link(uuid);

-- The answer of request_mini_meeting_link: the meeting-link job of the session's current version.
create type public.mini_mentorship_meeting_link_job as (
    job_id uuid,
    status text,
    session_id uuid,
    sequence integer,
    queued_at timestamptz,
    meeting_link text
);

comment on type public.mini_mentorship_meeting_link_job is
'The answer of request_mini_meeting_link: the meeting-link job queued (or found, or re-armed) for the '
'session''s current version, and the session''s current link.';
comment on column public.mini_mentorship_meeting_link_job.job_id is
'Id of the meeting_link job in the outbox (the same for repeated calls on one session version).';
comment on column public.mini_mentorship_meeting_link_job.status is
'The job''s state: pending, running, succeeded, failed or cancelled.';
comment on column public.mini_mentorship_meeting_link_job.session_id is 'The session the link is for.';
comment on column public.mini_mentorship_meeting_link_job.sequence is
'The session version (ICS SEQUENCE) the job belongs to; a reschedule bumps it and queues a new job.';
comment on column public.mini_mentorship_meeting_link_job.queued_at is 'When the job was queued.';
comment on column public.mini_mentorship_meeting_link_job.meeting_link is
'The session''s current join link: null until the worker has written it.';

create function private.request_mini_meeting_link(session_id uuid)
returns public.mini_mentorship_meeting_link_job
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    caller uuid := private.require_signed_in();
    target public.mini_mentorship_sessions;
    job_id uuid;
    job private.outbox;
    answer public.mini_mentorship_meeting_link_job;
begin
    if request_mini_meeting_link.session_id is null then
        perform private.raise_bad_field('session_id', 'Say which session needs a link.');
    end if;

    target := private.lock_visible_session(request_mini_meeting_link.session_id, caller);
    if private.session_side(target, caller) is null then
        raise exception using
            errcode = '42501',
            message = 'Only the student and the mentor of this session can ask for its link.',
            hint = 'not_session_participant';
    end if;
    if target.status is null or target.status not in ('scheduled', 'in-progress') then
        raise exception using
            errcode = 'PT409',
            message = format('This session is %s; it needs no link any more.', target.status),
            hint = 'session_not_active';
    end if;
    if target.meeting_type is distinct from 'virtual'
        or target.meeting_platform is null
        or target.meeting_platform not in ('jitsi', 'zoom', 'google-meet', 'teams') then
        raise exception using
            errcode = 'PT409',
            message = 'Links are created automatically only for virtual Jitsi, Zoom, Google Meet and Teams sessions.',
            hint = 'no_link_provider';
    end if;

    job_id := private.enqueue_meeting_link(target.id, target.sequence);

    update private.outbox as o
    set
        status = 'pending',
        attempts = 0,
        run_at = now(),
        locked_by = null,
        locked_until = null
    where o.id = job_id and o.status = 'failed';

    select o.* into job
    from private.outbox as o
    where o.id = job_id;
    answer := row(
        job.id, job.status, target.id, target.sequence, job.created_at, target.meeting_link
    )::public.mini_mentorship_meeting_link_job;
    return answer;
end
$$;

comment on function private.request_mini_meeting_link(uuid) is
'Implementation of public.request_mini_meeting_link (security definer, not exposed: the Data API serves only '
'public). See the wrapper''s comment for the contract.';

revoke execute on function private.request_mini_meeting_link(uuid) from public, anon, authenticated, service_role;
grant execute on function private.request_mini_meeting_link(uuid) to authenticated;

create function public.request_mini_meeting_link(session_id uuid)
returns public.mini_mentorship_meeting_link_job
language sql
volatile
security invoker
set search_path = ''
as $$
    select private.request_mini_meeting_link(session_id => request_mini_meeting_link.session_id)
$$;

comment on function public.request_mini_meeting_link(uuid) is
'generateMeetingLink. A participant asks the worker to create the join link of a scheduled or in-progress '
'virtual jitsi / zoom / google-meet / teams session: queues one meeting_link job per session and sequence (repeat '
'calls return the same job; a failed job is re-armed). Returns one public.mini_mentorship_meeting_link_job: '
'job_id, status, session_id, sequence, queued_at, meeting_link (current value, null until the worker fills '
'it). Errors: 22023 session_id; 42501 not_authenticated / not_session_participant (admins); PT404 '
'session_not_found; PT409 session_not_active / no_link_provider. Security invoker: the work is done by '
'private.request_mini_meeting_link.';

revoke execute on function public.request_mini_meeting_link(uuid) from public, anon, authenticated, service_role;
grant execute on function public.request_mini_meeting_link(uuid) to authenticated;
