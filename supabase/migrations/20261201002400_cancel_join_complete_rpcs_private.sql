-- cancel_mini_session, join_mini_session and complete_mini_session: security-invoker wrappers over private
-- security-definer implementations, with the hardened bodies (security hardening, issue 8 parts 1, 2, 4, 9).
--
-- Same order of checks as every session RPC: signed in (42501); argument sizes and values (22023); the
-- session visible to the caller (PT404 session_not_found, the same answer as a made-up id); the caller's
-- part (42501); the state (PT409). New: once a session's time is over and BOTH participants joined it, a
-- participant can no longer cancel it (PT409 session_attended: the mentor completes it instead); an admin
-- who is not a participant still can.
--
-- Optional arguments have SQL defaults (PostgREST picks a function by the JSON keys sent; a key without a
-- default must always be sent, issue 12 item 1): cancel_mini_session(reason default null) — optional for the
-- student and admins, the mentor still gets 22023 reason_required; complete_mini_session(mentor_notes,
-- topics_covered, action_items default null). Defaults must be trailing and complete's two required
-- arguments, follow_up_needed and actual_duration_minutes, come last, so they get `default null` too rather
-- than a new argument order: they stay required (leaving one out answers 22023 with its name as hint).

create function private.cancel_mini_session(session_id uuid, reason text default null)
returns public.mini_mentorship_sessions
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    caller uuid := private.require_signed_in();
    why text;
    side text;
    target public.mini_mentorship_sessions;
    cancelled public.mini_mentorship_sessions;
    by_mentor boolean;
begin
    perform private.check_text_size('reason', cancel_mini_session.reason, 1000);
    if cancel_mini_session.session_id is null then
        perform private.raise_bad_field('session_id', 'Say which session to cancel.');
    end if;
    why := nullif(btrim(cancel_mini_session.reason), '');
    if char_length(why) > 1000 then
        perform private.raise_bad_field('reason', 'The reason can be at most 1000 characters.');
    end if;

    target := private.lock_visible_session(cancel_mini_session.session_id, caller);
    side := private.session_side(target, caller);
    by_mentor := side is not distinct from 'mentor';
    if by_mentor and why is null then
        raise exception using
            errcode = '22023',
            message = 'Tell the student why you are cancelling.',
            hint = 'reason_required';
    end if;
    if target.status is null or target.status not in ('scheduled', 'in-progress') then
        raise exception using
            errcode = 'PT409',
            message = format('This session is already %s.', target.status),
            hint = 'session_not_active';
    end if;
    if side is not null
        and now() >= target.ends_at
        and target.student_joined_at is not null
        and target.mentor_joined_at is not null then
        raise exception using
            errcode = 'PT409',
            message = 'You both joined this session and its time is over, so it cannot be cancelled: the mentor '
            || 'completes it instead.',
            hint = 'session_attended';
    end if;

    update public.mini_mentorship_sessions as s
    set
        status = 'cancelled',
        cancellation_reason = why
    where s.id = target.id
    returning s.* into cancelled;

    perform private.end_request_after_session(target.request_id, by_mentor, why);
    return cancelled;
end
$$;

comment on function private.cancel_mini_session(uuid, text) is
'Implementation of public.cancel_mini_session (security definer, not exposed: the Data API serves only '
'public). See the wrapper''s comment for the contract.';

create or replace function public.cancel_mini_session(session_id uuid, reason text default null)
returns public.mini_mentorship_sessions
language sql
volatile
security invoker
set search_path = ''
as $$
    select private.cancel_mini_session(
        session_id => cancel_mini_session.session_id,
        reason => cancel_mini_session.reason
    )
$$;

comment on function public.cancel_mini_session(uuid, text) is
'Either participant or an admin cancels a scheduled or in-progress session. The mentor must give a reason '
'(22023 reason_required) and the request reopens for other mentors (scheduled -> open, claim cleared); when '
'the student or an admin cancels, the request is cancelled too. Once the session''s time is over and both '
'participants joined, only an admin (not a participant) may cancel it; the mentor completes it instead. '
'Errors: 22023 session_id / reason (> 1000 chars) / reason_required; 42501 not_authenticated; PT404 '
'session_not_found (also for non-participants); PT409 session_not_active / session_attended. Returns the '
'cancelled session. Security invoker: the work is done by private.cancel_mini_session.';

create function private.join_mini_session(session_id uuid)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    caller uuid := private.require_signed_in();
    side text;
    target public.mini_mentorship_sessions;
begin
    if join_mini_session.session_id is null then
        perform private.raise_bad_field('session_id', 'Say which session to join.');
    end if;

    target := private.lock_visible_session(join_mini_session.session_id, caller);
    side := private.session_side(target, caller);
    if side is null then
        raise exception using
            errcode = '42501',
            message = 'Only the student and the mentor of this session can join it.',
            hint = 'not_session_participant';
    end if;
    if target.status is null or target.status not in ('scheduled', 'in-progress') then
        raise exception using
            errcode = 'PT409',
            message = format('This session is %s and can no longer be joined.', target.status),
            hint = 'session_not_active';
    end if;
    if now() < target.scheduled_at - interval '15 minutes' then
        raise exception using
            errcode = 'PT409',
            message = 'You can join from 15 minutes before the start.',
            detail = format('Opens at %s.', target.scheduled_at - interval '15 minutes'),
            hint = 'too_early';
    end if;
    if now() >= target.ends_at then
        raise exception using
            errcode = 'PT409',
            message = 'This session''s time is over.',
            hint = 'session_over';
    end if;
    if target.meeting_type = 'virtual' and target.meeting_link is null then
        raise exception using
            errcode = 'PT409',
            message = 'The meeting link is not ready yet; try again in a minute.',
            hint = 'no_meeting_link';
    end if;

    -- The row stays live, so its new version is checked by the exclusion constraints: queue behind
    -- concurrent schedules of either participant (see private.lock_participants).
    perform private.lock_participants(target.student_id, target.mentor_id);
    update public.mini_mentorship_sessions as s
    set
        status = 'in-progress',
        student_joined_at = case when side = 'student' then now() else s.student_joined_at end,
        mentor_joined_at = case when side = 'mentor' then now() else s.mentor_joined_at end
    where s.id = target.id;
    return target.meeting_link;
end
$$;

comment on function private.join_mini_session(uuid) is
'Implementation of public.join_mini_session (security definer, not exposed: the Data API serves only '
'public). See the wrapper''s comment for the contract.';

create or replace function public.join_mini_session(session_id uuid)
returns text
language sql
volatile
security invoker
set search_path = ''
as $$
    select private.join_mini_session(session_id => join_mini_session.session_id)
$$;

comment on function public.join_mini_session(uuid) is
'joinSession. A participant gets the join link from 15 minutes before the start until the end; records the '
'caller''s first join (student_joined_at / mentor_joined_at) and moves scheduled -> in-progress. Returns the '
'meeting link (null for a phone or in-person session without one). Errors: 22023 session_id; 42501 '
'not_authenticated / not_session_participant (admins); PT404 session_not_found; PT409 session_not_active / '
'too_early / session_over / no_meeting_link (virtual session whose link is not created yet: retry). '
'Security invoker: the work is done by private.join_mini_session.';

create function private.complete_mini_session(
    session_id uuid,
    mentor_notes text default null,
    topics_covered text[] default null,
    action_items text[] default null,
    follow_up_needed boolean default null,
    actual_duration_minutes integer default null
)
returns public.mini_mentorship_sessions
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    caller uuid := private.require_signed_in();
    notes text;
    topics text[];
    actions text[];
    target public.mini_mentorship_sessions;
    completed public.mini_mentorship_sessions;
begin
    perform private.check_text_size('mentor_notes', complete_mini_session.mentor_notes, 5000);
    perform private.check_list_size('topics_covered', complete_mini_session.topics_covered, 20, 200);
    perform private.check_list_size('action_items', complete_mini_session.action_items, 20, 500);
    if complete_mini_session.session_id is null then
        perform private.raise_bad_field('session_id', 'Say which session to complete.');
    end if;
    notes := private.clean_optional_text('mentor_notes', complete_mini_session.mentor_notes, 5000);
    topics := private.clean_text_list('topics_covered', complete_mini_session.topics_covered, 20, 200);
    actions := private.clean_text_list('action_items', complete_mini_session.action_items, 20, 500);
    if complete_mini_session.follow_up_needed is null then
        perform private.raise_bad_field('follow_up_needed', 'Say whether a follow-up is needed.');
    end if;
    if complete_mini_session.actual_duration_minutes is null
        or complete_mini_session.actual_duration_minutes not between 1 and 240 then
        perform private.raise_bad_field(
            'actual_duration_minutes', 'The actual duration is between 1 and 240 minutes.'
        );
    end if;

    target := private.lock_visible_session(complete_mini_session.session_id, caller);
    if target.mentor_id is distinct from caller then
        raise exception using
            errcode = '42501',
            message = 'Only the session''s mentor can complete it.',
            hint = 'not_session_mentor';
    end if;
    if target.status is null or target.status not in ('scheduled', 'in-progress') then
        raise exception using
            errcode = 'PT409',
            message = format('This session is %s and cannot be completed.', target.status),
            hint = 'session_not_active';
    end if;
    if target.status = 'scheduled' then
        if now() < target.scheduled_at then
            raise exception using
                errcode = 'PT409',
                message = 'A session can be completed once it has started.',
                hint = 'session_not_started';
        end if;
        perform private.lock_participants(target.student_id, target.mentor_id);
        update public.mini_mentorship_sessions as s
        set status = 'in-progress'
        where s.id = target.id;
    end if;

    update public.mini_mentorship_sessions as s
    set
        status = 'completed',
        mentor_notes = notes,
        topics_covered = topics,
        action_items = actions,
        follow_up_needed = complete_mini_session.follow_up_needed,
        actual_duration_minutes = complete_mini_session.actual_duration_minutes
    where s.id = target.id
    returning s.* into completed;

    update public.mini_mentorship_requests as r
    set status = 'completed'
    where r.id = target.request_id and r.status = 'scheduled';
    return completed;
end
$$;

comment on function private.complete_mini_session(uuid, text, text[], text[], boolean, integer) is
'Implementation of public.complete_mini_session (security definer, not exposed: the Data API serves only '
'public). See the wrapper''s comment for the contract.';

create or replace function public.complete_mini_session(
    session_id uuid,
    mentor_notes text default null,
    topics_covered text[] default null,
    action_items text[] default null,
    follow_up_needed boolean default null,
    actual_duration_minutes integer default null
)
returns public.mini_mentorship_sessions
language sql
volatile
security invoker
set search_path = ''
as $$
    select private.complete_mini_session(
        session_id => complete_mini_session.session_id,
        mentor_notes => complete_mini_session.mentor_notes,
        topics_covered => complete_mini_session.topics_covered,
        action_items => complete_mini_session.action_items,
        follow_up_needed => complete_mini_session.follow_up_needed,
        actual_duration_minutes => complete_mini_session.actual_duration_minutes
    )
$$;

comment on function public.complete_mini_session(uuid, text, text[], text[], boolean, integer) is
'completeSession. The session''s mentor completes an in-progress session (or a scheduled one whose start has '
'passed: it is started and completed in one go) with notes, topics, action items, follow-up flag and actual '
'duration; the request becomes completed. Errors: 22023 session_id / mentor_notes (> 5000) / topics_covered '
'(<= 20 items of 1-200 chars) / action_items (<= 20 items of 1-500 chars) / follow_up_needed (null) / '
'actual_duration_minutes (1-240); 42501 not_authenticated / not_session_mentor; PT404 session_not_found; '
'PT409 session_not_active / session_not_started. Returns the completed session. Security invoker: the work '
'is done by private.complete_mini_session.';

revoke execute on function private.cancel_mini_session(uuid, text) from public, anon, service_role;
revoke execute on function private.join_mini_session(uuid) from public, anon, service_role;
revoke execute on function private.complete_mini_session(uuid, text, text[], text[], boolean, integer)
from public, anon, service_role;
grant execute on function private.cancel_mini_session(uuid, text) to authenticated;
grant execute on function private.join_mini_session(uuid) to authenticated;
grant execute on function private.complete_mini_session(uuid, text, text[], text[], boolean, integer)
to authenticated;
