-- generateMeetingLink as `rpc('request_mini_meeting_link', {session_id})` (DESIGN §6).
--
-- The database never calls Zoom or Google: it queues a meeting_link job in private.outbox and a worker
-- creates the link and writes it to the session. One job per session and ICS sequence (dedupe key
-- meeting_link:<session id>:<sequence>): pressing the button twice queues one job; after a reschedule the
-- next call queues a new one. A job that failed for good is re-armed (pending, attempts reset) by the next
-- call, so the user's retry is a real retry. Teams / other platforms and phone or in-person sessions have no
-- link provider: PT409 no_link_provider.

create function public.request_mini_meeting_link(session_id uuid)
returns jsonb
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
begin
    if request_mini_meeting_link.session_id is null then
        perform private.raise_bad_field('session_id', 'Say which session needs a link.');
    end if;

    target := private.lock_visible_session(request_mini_meeting_link.session_id, caller);
    if caller not in (target.student_id, target.mentor_id) then
        raise exception using
            errcode = '42501',
            message = 'Only the student and the mentor of this session can ask for its link.',
            hint = 'not_session_participant';
    end if;
    if target.status not in ('scheduled', 'in-progress') then
        raise exception using
            errcode = 'PT409',
            message = format('This session is %s; it needs no link any more.', target.status),
            hint = 'session_not_active';
    end if;
    if target.meeting_type <> 'virtual' or target.meeting_platform not in ('jitsi', 'zoom', 'google-meet') then
        raise exception using
            errcode = 'PT409',
            message = 'Links are created automatically only for virtual Jitsi, Zoom and Google Meet sessions.',
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
    return jsonb_build_object(
        'job_id', job.id,
        'status', job.status,
        'session_id', target.id,
        'sequence', target.sequence,
        'queued_at', job.created_at,
        'meeting_link', target.meeting_link
    );
end
$$;

comment on function public.request_mini_meeting_link(uuid) is
'generateMeetingLink. A participant asks the worker to create the join link of a scheduled or in-progress '
'virtual jitsi / zoom / google-meet session: queues one meeting_link job per session and sequence (repeat '
'calls return the same job; a failed job is re-armed). Returns {job_id, status, session_id, sequence, '
'queued_at, meeting_link (current value, null until the worker fills it)}. Errors: 22023 session_id; 42501 '
'not_authenticated / not_session_participant (admins); PT404 session_not_found; PT409 session_not_active / '
'no_link_provider.';

revoke execute on function public.request_mini_meeting_link(uuid) from public, anon, service_role;
grant execute on function public.request_mini_meeting_link(uuid) to authenticated;
