-- Meeting providers (issue 11): Teams links are made automatically, a provider's meeting follows its session
-- (moved on reschedule, deleted on cancel), and a create that may have reached the provider is remembered.
--
-- * private.session_awaits_link, private.schedule_mini_session and private.request_mini_meeting_link (latest
--   definitions: 20261201004000, 20261201002300 and 20261201002500) now count teams among the platforms whose
--   link a worker makes: scheduling a virtual Teams session no longer demands a link (only `other` does), and
--   its link can be asked for again. Nothing else in them changes.
-- * private.meeting_creations: the worker records (session, sequence) here, committed, before it asks a
--   provider without an idempotency key (Zoom) to create a meeting; a later attempt that finds the row looks
--   the meeting up by its marker instead of creating a second one.
-- * A trigger on the sessions table (every writer: RPCs, sweeps, service role, psql) queues a meeting_link
--   job with payload action `move` when a session whose provider meeting exists is rescheduled, and action
--   `delete` when it is cancelled or deleted. Jobs without an action create the link as before.

create table private.meeting_creations (
    session_id uuid not null references public.mini_mentorship_sessions (id) on delete cascade,
    sequence integer not null,
    platform text not null,
    started_at timestamptz not null default now(),
    constraint meeting_creations_pkey primary key (session_id, sequence),
    constraint meeting_creations_platform_not_blank check (char_length(btrim(platform)) between 1 and 32)
);

comment on table private.meeting_creations is
'Creates of a provider meeting that may have reached the provider: written (and committed) by the worker '
'before it calls a provider whose create has no idempotency key (Zoom). A later attempt for the same session '
'and sequence that finds the row looks the meeting up by its marker instead of creating a second one.';
comment on column private.meeting_creations.session_id is 'The session whose meeting is being created.';
comment on column private.meeting_creations.sequence is 'The session version (ICS sequence) the meeting is for.';
comment on column private.meeting_creations.platform is 'The provider asked (zoom, google-meet, teams).';
comment on column private.meeting_creations.started_at is 'When the first attempt was about to call the provider.';

alter table private.meeting_creations enable row level security;
revoke all on private.meeting_creations from public, anon, authenticated, service_role;

-- Latest definition: 20261201004000_notification_triggers.sql; teams added.
create or replace function private.session_awaits_link(session public.mini_mentorship_sessions)
returns boolean
language sql
immutable
set search_path = ''
as $$
    select coalesce(
        session.meeting_type = 'virtual'
        and session.meeting_link is null
        and session.meeting_platform in ('jitsi', 'zoom', 'google-meet', 'teams'),
        false
    )
$$;

comment on function private.session_awaits_link(public.mini_mentorship_sessions) is
'True when the session is virtual, on jitsi, zoom, google-meet or teams, and has no meeting_link yet: a worker '
'is to create its link, and its session_scheduled emails wait for it. Never NULL.';

-- Latest definition: 20261201002300_schedule_session_rpcs_private.sql; only `other` demands a link now.
create or replace function private.schedule_mini_session(
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
        and schedule_mini_session.meeting_platform = 'other' and link is null then
        perform private.raise_bad_field(
            'meeting_link',
            'Give the meeting link: links are created automatically only for Jitsi, Zoom, Google Meet and Teams.'
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
        and created.meeting_platform in ('jitsi', 'zoom', 'google-meet', 'teams') then
        perform private.enqueue_meeting_link(created.id, created.sequence);
    end if;
    return created;
end
$$;

comment on function public.schedule_mini_session(uuid, timestamptz, integer, text, text, text, text, text) is
'scheduleSession. The mentor who claimed a request (and is still in the matching pool) schedules its '
'session: creates the session (status scheduled, sequence 0) and moves the request claimed -> scheduled in '
'one transaction; queues the meeting-link job when a virtual jitsi/zoom/google-meet/teams session has no link. '
'scheduled_at is an instant (send an offset), finite, in the future and at most '
'private.settings().max_schedule_ahead (default 1 year) ahead; timezone (default: the request''s) is the '
'zone the session is shown in. Errors: 22023 request_id / scheduled_at (null, infinite, not in the future, '
'beyond the horizon) / duration_minutes (30, 45, 60) / meeting_type / meeting_platform / meeting_link '
'(http(s), <= 2048, required for platform other) / location (required in person, <= 500) / timezone (IANA, '
'<= 64); 42501 not_authenticated / not_pool_mentor / not_claiming_mentor; PT404 request_not_found; PT409 '
'request_not_claimed / outside_student_window / outside_mentor_availability / mentor_busy / student_busy '
'(the mentor or the student has another live session then, in either role). Returns the session. Security '
'invoker: the work is done by private.schedule_mini_session.';

-- Latest definition: 20261201002500_no_show_rating_link_rpcs_private.sql; teams added to the platforms.
create or replace function private.request_mini_meeting_link(session_id uuid)
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
'virtual jitsi / zoom / google-meet / teams session: queues one meeting_link job per session and sequence (repeat '
'calls return the same job; a failed job is re-armed). Returns {job_id, status, session_id, sequence, '
'queued_at, meeting_link (current value, null until the worker fills it)}. Errors: 22023 session_id; 42501 '
'not_authenticated / not_session_participant (admins); PT404 session_not_found; PT409 session_not_active / '
'no_link_provider. Security invoker: the work is done by private.request_mini_meeting_link.';

-- Queues the move or delete of a session's provider meeting.
create function private.enqueue_meeting_change(
    action text,
    session_id uuid,
    sequence integer,
    platform text,
    meeting_id text
)
returns uuid
language sql
volatile
security definer
set search_path = ''
as $$
    select private.enqueue(
        'meeting_link',
        null,
        jsonb_build_object(
            'action', enqueue_meeting_change.action,
            'session_id', enqueue_meeting_change.session_id,
            'sequence', enqueue_meeting_change.sequence,
            'platform', enqueue_meeting_change.platform,
            'meeting_id', enqueue_meeting_change.meeting_id
        ),
        case enqueue_meeting_change.action
            when 'move' then
                format('meeting_move:%s:%s', enqueue_meeting_change.session_id, enqueue_meeting_change.sequence)
            else format('meeting_delete:%s:%s', enqueue_meeting_change.session_id, enqueue_meeting_change.meeting_id)
        end
    )
    where enqueue_meeting_change.action in ('move', 'delete')
$$;

comment on function private.enqueue_meeting_change(text, uuid, integer, text, text) is
'Queues a meeting_link job with payload action move (dedupe key meeting_move:<session>:<sequence>) or delete '
'(meeting_delete:<session>:<meeting id>) for a provider meeting; payload session_id, sequence, platform, '
'meeting_id. Returns the job id (null for another action).';

-- Trigger function (after update of status, time or meeting details, after delete on sessions).
create function private.queue_meeting_changes()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
    -- Only a meeting a provider holds (Jitsi rooms exist on no server) needs moving or deleting.
    if old.meeting_id is null
        or old.meeting_type is distinct from 'virtual'
        or old.meeting_platform not in ('zoom', 'google-meet', 'teams')
        or old.status not in ('scheduled', 'in-progress') then
        return null;
    end if;

    if tg_op = 'DELETE' or new.status = 'cancelled'
        or new.meeting_id is distinct from old.meeting_id
        or new.meeting_platform is distinct from old.meeting_platform
        or new.meeting_type is distinct from old.meeting_type then
        perform private.enqueue_meeting_change(
            'delete', old.id, coalesce(new.sequence, old.sequence), old.meeting_platform, old.meeting_id
        );
    elsif new.status = 'scheduled'
        and (
            new.scheduled_at is distinct from old.scheduled_at
            or new.duration_minutes is distinct from old.duration_minutes
        ) then
        perform private.enqueue_meeting_change('move', new.id, new.sequence, new.meeting_platform, new.meeting_id);
    end if;
    return null;
end
$$;

comment on function private.queue_meeting_changes() is
'Trigger function (after update or delete on mini_mentorship_sessions): a live virtual session whose zoom, '
'google-meet or teams meeting exists queues a meeting_link job with action move when it is rescheduled, and '
'action delete when it is cancelled, deleted, or its meeting is replaced. See docs/operations.md.';

create trigger session_meeting_changes
after update of status, scheduled_at, duration_minutes, meeting_type, meeting_platform, meeting_id
on public.mini_mentorship_sessions
for each row execute function private.queue_meeting_changes();

create trigger session_meeting_deleted
after delete on public.mini_mentorship_sessions
for each row execute function private.queue_meeting_changes();

revoke execute on function private.session_awaits_link(public.mini_mentorship_sessions)
from public, anon, authenticated, service_role;
revoke execute on function private.enqueue_meeting_change(text, uuid, integer, text, text)
from public, anon, authenticated, service_role;
revoke execute on function private.queue_meeting_changes() from public, anon, authenticated, service_role;
