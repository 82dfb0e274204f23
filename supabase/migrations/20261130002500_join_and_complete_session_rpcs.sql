-- joinSession and completeSession (DESIGN §5, §6).
--
-- join_mini_session: a participant asks for the join link from 15 minutes before the start until the end
-- (PT409 too_early / session_over). The first join of each participant is stamped (student_joined_at /
-- mentor_joined_at, by the trigger, with a session.joined event) and the first join of anyone moves the
-- session scheduled -> in-progress. A virtual session whose link the worker has not created yet answers PT409
-- no_meeting_link (nothing is recorded; the app retries). Phone and in-person sessions need no link: they
-- return the link if one was given, else null, and the join is recorded.
--
-- complete_mini_session: the session's mentor records notes and outcomes. The state machine goes through
-- in-progress, so completion starts from in-progress; a session still `scheduled` whose start time has
-- passed (nobody pressed join, e.g. a phone call) is first started and then completed in the same
-- transaction, both transitions recorded. Before the start: PT409 session_not_started. The request moves
-- scheduled -> completed with it.

create function public.join_mini_session(session_id uuid)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    caller uuid := private.require_signed_in();
    target public.mini_mentorship_sessions;
begin
    if join_mini_session.session_id is null then
        perform private.raise_bad_field('session_id', 'Say which session to join.');
    end if;

    target := private.lock_visible_session(join_mini_session.session_id, caller);
    if caller not in (target.student_id, target.mentor_id) then
        raise exception using
            errcode = '42501',
            message = 'Only the student and the mentor of this session can join it.',
            hint = 'not_session_participant';
    end if;
    if target.status not in ('scheduled', 'in-progress') then
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
        student_joined_at = case when caller = target.student_id then now() else s.student_joined_at end,
        mentor_joined_at = case when caller = target.mentor_id then now() else s.mentor_joined_at end
    where s.id = target.id;
    return target.meeting_link;
end
$$;

comment on function public.join_mini_session(uuid) is
'joinSession. A participant gets the join link from 15 minutes before the start until the end; records the '
'caller''s first join (student_joined_at / mentor_joined_at) and moves scheduled -> in-progress. Returns the '
'meeting link (null for a phone or in-person session without one). Errors: 22023 session_id; 42501 '
'not_authenticated / not_session_participant (admins); PT404 session_not_found; PT409 session_not_active / '
'too_early / session_over / no_meeting_link (virtual session whose link is not created yet: retry).';

create function public.complete_mini_session(
    session_id uuid,
    mentor_notes text,
    topics_covered text[],
    action_items text[],
    follow_up_needed boolean,
    actual_duration_minutes integer
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
    if target.mentor_id <> caller then
        raise exception using
            errcode = '42501',
            message = 'Only the session''s mentor can complete it.',
            hint = 'not_session_mentor';
    end if;
    if target.status not in ('scheduled', 'in-progress') then
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

comment on function public.complete_mini_session(uuid, text, text[], text[], boolean, integer) is
'completeSession. The session''s mentor completes an in-progress session (or a scheduled one whose start has '
'passed: it is started and completed in one go) with notes, topics, action items, follow-up flag and actual '
'duration; the request becomes completed. Errors: 22023 session_id / mentor_notes (> 5000) / topics_covered '
'(<= 20 items of 1-200 chars) / action_items (<= 20 items of 1-500 chars) / follow_up_needed (null) / '
'actual_duration_minutes (1-240); 42501 not_authenticated / not_session_mentor; PT404 session_not_found; '
'PT409 session_not_active / session_not_started. Returns the completed session.';

revoke execute on function public.join_mini_session(uuid) from public, anon, service_role;
revoke execute on function public.complete_mini_session(uuid, text, text[], text[], boolean, integer)
from public, anon, service_role;
grant execute on function public.join_mini_session(uuid) to authenticated;
grant execute on function public.complete_mini_session(uuid, text, text[], text[], boolean, integer)
to authenticated;
