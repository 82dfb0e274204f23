-- schedule_mini_session and reschedule_mini_session: security-invoker wrappers over private security-definer
-- implementations, with the hardened bodies (security hardening, issue 8 parts 1, 2, 3, 5 and 9).
--
-- Supabase's Security Advisor (lints 0028/0029) warns about SECURITY DEFINER functions in an exposed schema
-- that the API roles can execute. The public functions are now thin `security invoker` SQL wrappers; the
-- privileged bodies are private.schedule_mini_session / private.reschedule_mini_session (same signatures),
-- executable by `authenticated` only, in a schema the Data API does not expose.
--
-- Order of checks (docs/security.md, "Existence and refusals: session RPCs"): signed in (42501); argument
-- sizes, then argument values, the start time first (finite, future, within private.settings()
-- .max_schedule_ahead: before anything walks the session's minutes) (22023, hint = argument); for schedule,
-- pool membership (42501 not_pool_mentor: a mentor who left the pool schedules nothing); the row visible to
-- the caller (PT404, the same answer as a made-up id; every predicate NULL-safe); the caller's part (42501);
-- the state (PT409); the time fits the student and the mentor (PT409); nobody overlaps, in either role
-- (exclusion constraints, 23P01 -> PT409 mentor_busy / student_busy).

create function private.schedule_mini_session(
    request_id uuid,
    scheduled_at timestamptz,
    duration_minutes integer,
    meeting_type text default 'virtual',
    meeting_platform text default 'jitsi',
    meeting_link text default null,
    location text default null,
    timezone text default null
)
returns public.mini_mentorship_sessions
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    caller uuid := private.require_signed_in();
    link text;
    place text;
    request public.mini_mentorship_requests;
    created public.mini_mentorship_sessions;
    violated text;
begin
    -- Argument sizes (O(1)), then values; the start time before anything that walks it.
    perform private.check_text_size('meeting_type', schedule_mini_session.meeting_type, 32);
    perform private.check_text_size('meeting_platform', schedule_mini_session.meeting_platform, 32);
    perform private.check_text_size('meeting_link', schedule_mini_session.meeting_link, 2048);
    perform private.check_text_size('location', schedule_mini_session.location, 500);
    perform private.check_text_size('timezone', schedule_mini_session.timezone, 64);
    if schedule_mini_session.request_id is null then
        perform private.raise_bad_field('request_id', 'Say which request to schedule.');
    end if;
    perform private.check_session_start('scheduled_at', schedule_mini_session.scheduled_at);
    if schedule_mini_session.duration_minutes is null or schedule_mini_session.duration_minutes not in (30, 45, 60)
        then
        perform private.raise_bad_field('duration_minutes', 'Sessions last 30, 45 or 60 minutes.');
    end if;
    if schedule_mini_session.meeting_type is null
        or schedule_mini_session.meeting_type not in ('virtual', 'phone', 'in-person') then
        perform private.raise_bad_field('meeting_type', 'The meeting type is virtual, phone or in-person.');
    end if;
    if schedule_mini_session.meeting_platform is null
        or schedule_mini_session.meeting_platform not in ('zoom', 'google-meet', 'teams', 'jitsi', 'phone', 'other')
        then
        perform private.raise_bad_field(
            'meeting_platform', 'The platform is zoom, google-meet, teams, jitsi, phone or other.'
        );
    end if;
    link := private.clean_optional_url('meeting_link', schedule_mini_session.meeting_link);
    place := private.clean_optional_text('location', schedule_mini_session.location, 500);
    if schedule_mini_session.meeting_type = 'in-person' and place is null then
        perform private.raise_bad_field('location', 'Say where an in-person session takes place.');
    end if;
    if schedule_mini_session.meeting_type = 'virtual'
        and schedule_mini_session.meeting_platform in ('teams', 'other') and link is null then
        perform private.raise_bad_field(
            'meeting_link',
            'Give the meeting link: links are created automatically only for Jitsi, Zoom and Google Meet.'
        );
    end if;
    if schedule_mini_session.timezone is not null
        and not coalesce(private.is_valid_timezone(schedule_mini_session.timezone), false) then
        perform private.raise_bad_field(
            'timezone',
            format(
                '"%s" is not a known time zone; use an IANA name such as Europe/Paris.', schedule_mini_session.timezone
            )
        );
    end if;

    -- Only mentors in the matching pool schedule (the same for every request id, real or not).
    if not coalesce(private.is_pool_mentor(caller), false) then
        raise exception using
            errcode = '42501',
            message = 'Only mentors in the matching pool can schedule sessions.',
            hint = 'not_pool_mentor';
    end if;

    -- The request, locked so concurrent schedules, releases and cancels of it run one after the other.
    request := private.lock_claimed_request(schedule_mini_session.request_id, caller);
    if request.claimed_by_mentor_id is distinct from caller then
        raise exception using
            errcode = '42501',
            message = 'Only the mentor who claimed this request can schedule it.',
            hint = 'not_claiming_mentor';
    end if;
    if request.status is distinct from 'claimed' then
        raise exception using
            errcode = 'PT409',
            message = case request.status
                when 'scheduled' then 'This request already has a scheduled session.'
                else format('Only a claimed request can be scheduled; this one is "%s".', request.status)
            end,
            hint = 'request_not_claimed';
    end if;

    perform private.check_session_time(
        request, caller, schedule_mini_session.scheduled_at, schedule_mini_session.duration_minutes
    );

    perform private.lock_participants(request.student_id, caller);
    begin
        insert into public.mini_mentorship_sessions (
            request_id, student_id, mentor_id, scheduled_at, duration_minutes, timezone,
            meeting_type, meeting_platform, meeting_link, location
        )
        values (
            request.id,
            request.student_id,
            caller,
            schedule_mini_session.scheduled_at,
            schedule_mini_session.duration_minutes,
            coalesce(schedule_mini_session.timezone, request.timezone),
            schedule_mini_session.meeting_type,
            schedule_mini_session.meeting_platform,
            link,
            place
        )
        returning * into created;
    exception
        when exclusion_violation then
            get stacked diagnostics violated = constraint_name;
            perform private.raise_session_overlap(violated);
        when unique_violation then
            raise exception using
                errcode = 'PT409',
                message = 'This request already has a scheduled session.',
                hint = 'request_not_claimed';
    end;

    update public.mini_mentorship_requests as r
    set status = 'scheduled'
    where r.id = request.id;

    if created.meeting_type = 'virtual' and created.meeting_link is null
        and created.meeting_platform in ('jitsi', 'zoom', 'google-meet') then
        perform private.enqueue_meeting_link(created.id, created.sequence);
    end if;
    return created;
end
$$;

comment on function private.schedule_mini_session(uuid, timestamptz, integer, text, text, text, text, text) is
'Implementation of public.schedule_mini_session (security definer, not exposed: the Data API serves only '
'public). Executable by authenticated only through the wrapper''s contract; see its comment.';

create or replace function public.schedule_mini_session(
    request_id uuid,
    scheduled_at timestamptz,
    duration_minutes integer,
    meeting_type text default 'virtual',
    meeting_platform text default 'jitsi',
    meeting_link text default null,
    location text default null,
    timezone text default null
)
returns public.mini_mentorship_sessions
language sql
volatile
security invoker
set search_path = ''
as $$
    select private.schedule_mini_session(
        request_id => schedule_mini_session.request_id,
        scheduled_at => schedule_mini_session.scheduled_at,
        duration_minutes => schedule_mini_session.duration_minutes,
        meeting_type => schedule_mini_session.meeting_type,
        meeting_platform => schedule_mini_session.meeting_platform,
        meeting_link => schedule_mini_session.meeting_link,
        location => schedule_mini_session.location,
        timezone => schedule_mini_session.timezone
    )
$$;

comment on function public.schedule_mini_session(uuid, timestamptz, integer, text, text, text, text, text) is
'scheduleSession. The mentor who claimed a request (and is still in the matching pool) schedules its '
'session: creates the session (status scheduled, sequence 0) and moves the request claimed -> scheduled in '
'one transaction; queues the meeting-link job when a virtual jitsi/zoom/google-meet session has no link. '
'scheduled_at is an instant (send an offset), finite, in the future and at most '
'private.settings().max_schedule_ahead (default 1 year) ahead; timezone (default: the request''s) is the '
'zone the session is shown in. Errors: 22023 request_id / scheduled_at (null, infinite, not in the future, '
'beyond the horizon) / duration_minutes (30, 45, 60) / meeting_type / meeting_platform / meeting_link '
'(http(s), <= 2048, required for teams and other) / location (required in person, <= 500) / timezone (IANA, '
'<= 64); 42501 not_authenticated / not_pool_mentor / not_claiming_mentor; PT404 request_not_found; PT409 '
'request_not_claimed / outside_student_window / outside_mentor_availability / mentor_busy / student_busy '
'(the mentor or the student has another live session then, in either role). Returns the session. Security '
'invoker: the work is done by private.schedule_mini_session.';

-- The session mentor moves a scheduled session to another time (same checks as scheduling).
create function private.reschedule_mini_session(session_id uuid, scheduled_at timestamptz, reason text)
returns public.mini_mentorship_sessions
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    caller uuid := private.require_signed_in();
    why text;
    target public.mini_mentorship_sessions;
    request public.mini_mentorship_requests;
    moved public.mini_mentorship_sessions;
    violated text;
begin
    perform private.check_text_size('reason', reschedule_mini_session.reason, 1000);
    if reschedule_mini_session.session_id is null then
        perform private.raise_bad_field('session_id', 'Say which session to move.');
    end if;
    if reschedule_mini_session.scheduled_at is null then
        perform private.raise_bad_field('scheduled_at', 'Pick a new start time.');
    end if;
    perform private.check_session_start('scheduled_at', reschedule_mini_session.scheduled_at);
    why := private.clean_reason(reschedule_mini_session.reason);

    target := private.lock_visible_session(reschedule_mini_session.session_id, caller);
    if target.mentor_id is distinct from caller then
        raise exception using
            errcode = '42501',
            message = 'Only the session''s mentor can move it.',
            hint = 'not_session_mentor';
    end if;
    if target.status is distinct from 'scheduled' then
        raise exception using
            errcode = 'PT409',
            message = format('Only a scheduled session can be moved; this one is "%s".', target.status),
            hint = 'session_not_scheduled';
    end if;
    if reschedule_mini_session.scheduled_at = target.scheduled_at then
        perform private.raise_bad_field('scheduled_at', 'The session already starts at that time.');
    end if;

    select r.* into request
    from public.mini_mentorship_requests as r
    where r.id = target.request_id;
    perform private.check_session_time(
        request, caller, reschedule_mini_session.scheduled_at, target.duration_minutes
    );

    perform private.lock_participants(target.student_id, target.mentor_id);
    begin
        update public.mini_mentorship_sessions as s
        set
            scheduled_at = reschedule_mini_session.scheduled_at,
            reschedule_reason = why
        where s.id = target.id
        returning s.* into moved;
    exception
        when exclusion_violation then
            get stacked diagnostics violated = constraint_name;
            perform private.raise_session_overlap(violated);
    end;
    return moved;
end
$$;

comment on function private.reschedule_mini_session(uuid, timestamptz, text) is
'Implementation of public.reschedule_mini_session (security definer, not exposed: the Data API serves only '
'public). See the wrapper''s comment for the contract.';

create or replace function public.reschedule_mini_session(session_id uuid, scheduled_at timestamptz, reason text)
returns public.mini_mentorship_sessions
language sql
volatile
security invoker
set search_path = ''
as $$
    select private.reschedule_mini_session(
        session_id => reschedule_mini_session.session_id,
        scheduled_at => reschedule_mini_session.scheduled_at,
        reason => reschedule_mini_session.reason
    )
$$;

comment on function public.reschedule_mini_session(uuid, timestamptz, text) is
'The session''s mentor moves a scheduled session to scheduled_at (same duration), with a reason: the '
'database bumps sequence (ICS SEQUENCE), sets rescheduled_at and writes a session.rescheduled event with '
'the old and new times. Same time checks as schedule_mini_session. Errors: 22023 session_id / scheduled_at '
'(null, infinite, not in the future, beyond the horizon, unchanged) / reason (missing or > 1000 chars); '
'42501 not_authenticated / not_session_mentor; PT404 session_not_found; PT409 session_not_scheduled / '
'outside_student_window / outside_mentor_availability / mentor_busy / student_busy. Returns the session. '
'Security invoker: the work is done by private.reschedule_mini_session.';

revoke execute on function private.schedule_mini_session(uuid, timestamptz, integer, text, text, text, text, text)
from public, anon, service_role;
revoke execute on function private.reschedule_mini_session(uuid, timestamptz, text) from public, anon, service_role;
grant execute on function private.schedule_mini_session(uuid, timestamptz, integer, text, text, text, text, text)
to authenticated;
grant execute on function private.reschedule_mini_session(uuid, timestamptz, text) to authenticated;
