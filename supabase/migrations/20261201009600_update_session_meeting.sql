-- Links that can be fixed (issue 12, item 4): the mentor of a scheduled session sets or replaces its meeting
-- link, platform and location without cancelling it, and both participants are told (email session_updated).
--
-- * public.update_mini_session_meeting(session_id, meeting_type, meeting_platform, meeting_link, location):
--   a security-invoker wrapper over private.update_mini_session_meeting (security definer), like every RPC.
--   Arguments are named like schedule_mini_session's; each optional one defaults to null = leave as is
--   (location '' clears it). A link given by hand replaces the provider meeting: meeting_id and
--   meeting_passcode (written otherwise only by the worker) are cleared, which makes the trigger
--   session_meeting_changes (20261201008000) queue the delete of the provider's meeting. A change of
--   platform or type without a link drops the old link (it belonged to the old meeting).
-- * private.queue_session_meeting_update(), trigger session_meeting_notifications (every writer): when a
--   scheduled session's meeting details change at the same version, and its participants had been told of
--   that version (session_scheduled or session_rescheduled queued), session_updated goes to both, one per
--   changing transaction (dedupe purpose <session>:<sequence>:<transaction id>) once the session has what it
--   needs (a link, unless the worker is making one: then when the worker writes it). A session switched to an
--   automatic platform without a link gets its meeting_link job (re-armed when the version's job had already
--   run). A session still waiting for its first link that gets one by hand sends session_scheduled as before
--   (private.queue_session_notifications). The trigger is named to fire before session_notifications, so it
--   sees the outbox as it was before that trigger queues session_scheduled.
-- * This is the manual fallback the meeting_link_failed email points the mentor to (docs/operations.md).

-- Makes sure a session that waits for its link has a meeting_link job that will run.
create function private.arm_meeting_link(session_id uuid, sequence integer)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    job_id uuid := private.enqueue_meeting_link(arm_meeting_link.session_id, arm_meeting_link.sequence);
begin
    -- The version's job may have run already (a link made, then replaced by hand, then dropped): run it again.
    update private.outbox as o
    set
        status = 'pending',
        attempts = 0,
        run_at = now(),
        locked_by = null,
        locked_until = null,
        last_error = null
    where o.id = job_id and o.status in ('succeeded', 'failed', 'cancelled');
    return job_id;
end
$$;

comment on function private.arm_meeting_link(uuid, integer) is
'Queues the meeting_link job of a session version (private.enqueue_meeting_link), or re-arms it (pending, '
'attempts 0) when it already finished; returns its id. A running job is left alone. For triggers.';

-- Trigger function (after update of meeting details on sessions).
create function private.queue_session_meeting_update()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
    told boolean;
begin
    if private.session_awaits_link(new)
        and (
            not private.session_awaits_link(old)
            or new.meeting_platform is distinct from old.meeting_platform
        ) then
        perform private.arm_meeting_link(new.id, new.sequence);
        return null;
    end if;
    if private.session_awaits_link(new) then
        return null;
    end if;

    -- Were the participants told of this version already? (Else session_scheduled is the first notice.)
    told := exists (
        select
        from private.outbox as o
        where o.dedupe_key in (
            format('email:session_scheduled:%s:%s:%s', new.id, new.sequence, new.student_id),
            format('email:session_rescheduled:%s:%s:%s', new.id, new.sequence, new.student_id),
            format('email:session_scheduled:%s:%s:%s', new.id, new.sequence, new.mentor_id),
            format('email:session_rescheduled:%s:%s:%s', new.id, new.sequence, new.mentor_id)
        )
    );
    if told then
        perform private.enqueue_session_email(
            'session_updated', new, format('%s:%s:%s', new.id, new.sequence, pg_catalog.pg_current_xact_id()),
            private.latest_event_id(new.request_id, new.id, array['session.meeting_updated'])
        );
    end if;
    return null;
end
$$;

comment on function private.queue_session_meeting_update() is
'Trigger function (after update of meeting_type, meeting_platform, meeting_link or location on a scheduled '
'session at the same version): queues session_updated to both participants (dedupe purpose '
'<session>:<sequence>:<transaction id>) when they had been told of this version and the session has its '
'link or needs none; re-arms the meeting_link job of a session that now waits for a link. See '
'docs/operations.md.';

create trigger session_meeting_notifications
after update of meeting_type, meeting_platform, meeting_link, location
on public.mini_mentorship_sessions
for each row
when (
    old.status = 'scheduled'
    and new.status = 'scheduled'
    and old.sequence = new.sequence
    and (old.meeting_type, old.meeting_platform, old.meeting_link, old.location)
    is distinct from (new.meeting_type, new.meeting_platform, new.meeting_link, new.location)
)
execute function private.queue_session_meeting_update();

create function private.update_mini_session_meeting(
    session_id uuid,
    meeting_type text default null,
    meeting_platform text default null,
    meeting_link text default null,
    location text default null
)
returns public.mini_mentorship_sessions
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    caller uuid := private.require_signed_in();
    kind text;
    platform text;
    link text;
    place text;
    target public.mini_mentorship_sessions;
    updated public.mini_mentorship_sessions;
begin
    -- Argument sizes (O(1)), then values.
    perform private.check_text_size('meeting_type', update_mini_session_meeting.meeting_type, 32);
    perform private.check_text_size('meeting_platform', update_mini_session_meeting.meeting_platform, 32);
    perform private.check_text_size('meeting_link', update_mini_session_meeting.meeting_link, 2048);
    perform private.check_text_size('location', update_mini_session_meeting.location, 500);
    if update_mini_session_meeting.session_id is null then
        perform private.raise_bad_field('session_id', 'Say which session to update.');
    end if;
    if update_mini_session_meeting.meeting_type is not null
        and update_mini_session_meeting.meeting_type not in ('virtual', 'phone', 'in-person') then
        perform private.raise_bad_field('meeting_type', 'The meeting type is virtual, phone or in-person.');
    end if;
    if update_mini_session_meeting.meeting_platform is not null
        and update_mini_session_meeting.meeting_platform
        not in ('zoom', 'google-meet', 'teams', 'jitsi', 'phone', 'other') then
        perform private.raise_bad_field(
            'meeting_platform', 'The platform is zoom, google-meet, teams, jitsi, phone or other.'
        );
    end if;
    link := private.clean_optional_url('meeting_link', update_mini_session_meeting.meeting_link);
    if update_mini_session_meeting.meeting_link is not null and link is null then
        perform private.raise_bad_field(
            'meeting_link', 'Give the new link, or leave meeting_link out to keep the current one.'
        );
    end if;
    place := private.clean_optional_text('location', update_mini_session_meeting.location, 500);

    target := private.lock_visible_session(update_mini_session_meeting.session_id, caller);
    if private.session_side(target, caller) is distinct from 'mentor' then
        raise exception using
            errcode = '42501',
            message = 'Only the mentor of this session can change its meeting details.',
            hint = 'not_session_mentor';
    end if;
    if target.status is distinct from 'scheduled' then
        raise exception using
            errcode = 'PT409',
            message = format('Only a scheduled session''s meeting can be changed; this one is "%s".', target.status),
            hint = 'session_not_scheduled';
    end if;

    -- The session as it will be: null arguments keep the current values; a new platform or type without a
    -- link drops the old meeting's link; location '' clears it.
    kind := coalesce(update_mini_session_meeting.meeting_type, target.meeting_type);
    platform := coalesce(update_mini_session_meeting.meeting_platform, target.meeting_platform);
    if link is null
        and kind is not distinct from target.meeting_type
        and platform is not distinct from target.meeting_platform then
        link := target.meeting_link;
    end if;
    if update_mini_session_meeting.location is null then
        place := target.location;
    end if;
    if kind = 'in-person' and place is null then
        perform private.raise_bad_field('location', 'Say where an in-person session takes place.');
    end if;
    if kind = 'virtual' and platform = 'other' and link is null then
        perform private.raise_bad_field(
            'meeting_link',
            'Give the meeting link: links are created automatically only for Jitsi, Zoom, Google Meet and Teams.'
        );
    end if;

    if (kind, platform, link, place)
        is not distinct from (target.meeting_type, target.meeting_platform, target.meeting_link, target.location) then
        return target;
    end if;

    perform private.record_event(
        'session', 'session.meeting_updated', target.request_id, target.id, 'mentor', target.status, target.status,
        null,
        jsonb_build_object(
            'meeting_type', kind,
            'meeting_platform', platform,
            'link_changed', link is distinct from target.meeting_link,
            'location_changed', place is distinct from target.location
        )
    );

    -- A provider meeting the new details no longer use is forgotten here and deleted by the worker.
    update public.mini_mentorship_sessions as s
    set
        meeting_type = kind,
        meeting_platform = platform,
        meeting_link = link,
        location = place,
        meeting_id = case when link is not distinct from s.meeting_link and platform = s.meeting_platform
            and kind = s.meeting_type then s.meeting_id end,
        meeting_passcode = case when link is not distinct from s.meeting_link and platform = s.meeting_platform
            and kind = s.meeting_type then s.meeting_passcode end
    where s.id = target.id
    returning s.* into updated;
    return updated;
end
$$;

comment on function private.update_mini_session_meeting(uuid, text, text, text, text) is
'Implementation of public.update_mini_session_meeting (security definer, not exposed: the Data API serves only '
'public). See the wrapper''s comment for the contract.';

create function public.update_mini_session_meeting(
    session_id uuid,
    meeting_type text default null,
    meeting_platform text default null,
    meeting_link text default null,
    location text default null
)
returns public.mini_mentorship_sessions
language sql
volatile
security invoker
set search_path = ''
as $$
    select private.update_mini_session_meeting(
        session_id => update_mini_session_meeting.session_id,
        meeting_type => update_mini_session_meeting.meeting_type,
        meeting_platform => update_mini_session_meeting.meeting_platform,
        meeting_link => update_mini_session_meeting.meeting_link,
        location => update_mini_session_meeting.location
    )
$$;

comment on function public.update_mini_session_meeting(uuid, text, text, text, text) is
'The mentor of a scheduled session sets or replaces its meeting link, platform or location without '
'cancelling it. Left-out arguments keep their values (location '''' clears it); a new platform or type '
'without a link drops the old link, and a virtual jitsi / zoom / google-meet / teams session left without '
'one gets its link from the worker. A replaced provider meeting is deleted by the worker (meeting_id and '
'meeting_passcode are cleared). Both participants get session_updated once the session has its new '
'details. Errors: 22023 session_id / meeting_type / meeting_platform / meeting_link (http(s), <= 2048, '
'required for platform other) / location (required in person, <= 500); 42501 not_authenticated / '
'not_session_mentor (the student, admins); PT404 session_not_found; PT409 session_not_scheduled. Returns the '
'session. Security invoker: the work is done by private.update_mini_session_meeting.';

revoke execute on function private.arm_meeting_link(uuid, integer) from public, anon, authenticated, service_role;
revoke execute on function private.queue_session_meeting_update() from public, anon, authenticated, service_role;
revoke execute on function private.update_mini_session_meeting(uuid, text, text, text, text)
from public, anon, service_role;
grant execute on function private.update_mini_session_meeting(uuid, text, text, text, text) to authenticated;
revoke execute on function public.update_mini_session_meeting(uuid, text, text, text, text)
from public, anon, service_role;
grant execute on function public.update_mini_session_meeting(uuid, text, text, text, text) to authenticated;
