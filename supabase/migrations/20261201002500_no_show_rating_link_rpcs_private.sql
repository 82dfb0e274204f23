-- mark_mini_no_show, rate_mini_session and request_mini_meeting_link: security-invoker wrappers over private
-- security-definer implementations, with the hardened bodies (security hardening, issue 8 parts 1, 2, 4, 9).
--
-- Attendance is evidence (part 4). A participant's join is recorded by join_mini_session, so:
-- * nobody can report as absent a participant who joined (absent = student after the student joined,
--   mentor after the mentor joined, both after either joined): PT409 participant_attended (the transition
--   guard enforces the same for every writer);
-- * a participant who reports the other one absent must have joined the session themselves (they were there
--   to see the other one missing): PT409 reporter_not_joined. An admin who is not a participant is exempt
--   (they act on what both sides report outside the app); an admin who IS a participant is a participant.
-- Same order of checks as every session RPC: signed in, arguments, visibility (PT404), part (42501), state.
-- rate_mini_session(feedback default null): optional arguments have SQL defaults (issue 12 item 1).

create function private.mark_mini_no_show(session_id uuid, absent text)
returns public.mini_mentorship_sessions
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    caller uuid := private.require_signed_in();
    side text;
    target public.mini_mentorship_sessions;
    marked public.mini_mentorship_sessions;
begin
    perform private.check_text_size('absent', mark_mini_no_show.absent, 16);
    if mark_mini_no_show.session_id is null then
        perform private.raise_bad_field('session_id', 'Say which session to mark.');
    end if;
    if mark_mini_no_show.absent is null or mark_mini_no_show.absent not in ('student', 'mentor', 'both') then
        perform private.raise_bad_field('absent', 'Say who was absent: student, mentor or both.');
    end if;

    target := private.lock_visible_session(mark_mini_no_show.session_id, caller);
    side := private.session_side(target, caller);
    if not coalesce(
        (side is null and private.is_admin())
        or (side = 'student' and mark_mini_no_show.absent = 'mentor')
        or (side = 'mentor' and mark_mini_no_show.absent = 'student'),
        false
    ) then
        raise exception using
            errcode = '42501',
            message = 'Only the participant who was there can report the other one absent.',
            hint = 'cannot_mark_own_absence';
    end if;
    if target.status is null or target.status not in ('scheduled', 'in-progress') then
        raise exception using
            errcode = 'PT409',
            message = format('This session is already %s.', target.status),
            hint = 'session_not_active';
    end if;
    if now() < target.scheduled_at + interval '10 minutes' then
        raise exception using
            errcode = 'PT409',
            message = 'A no-show can be reported from 10 minutes after the start.',
            detail = format('From %s.', target.scheduled_at + interval '10 minutes'),
            hint = 'no_show_too_early';
    end if;
    if (mark_mini_no_show.absent in ('student', 'both') and target.student_joined_at is not null)
        or (mark_mini_no_show.absent in ('mentor', 'both') and target.mentor_joined_at is not null) then
        raise exception using
            errcode = 'PT409',
            message = 'That participant joined the session, so they cannot be reported absent.',
            hint = 'participant_attended';
    end if;
    if (side = 'student' and target.student_joined_at is null)
        or (side = 'mentor' and target.mentor_joined_at is null) then
        raise exception using
            errcode = 'PT409',
            message = 'Join the session first: a no-show is reported by the participant who was there.',
            hint = 'reporter_not_joined';
    end if;

    update public.mini_mentorship_sessions as s
    set
        status = 'no-show',
        no_show_absent = mark_mini_no_show.absent
    where s.id = target.id
    returning s.* into marked;

    perform private.end_request_after_session(
        target.request_id,
        mark_mini_no_show.absent = 'mentor',
        case mark_mini_no_show.absent
            when 'mentor' then 'The mentor did not attend the scheduled session.'
            when 'student' then 'The student did not attend the scheduled session.'
            else 'Neither participant attended the scheduled session.'
        end
    );
    return marked;
end
$$;

comment on function private.mark_mini_no_show(uuid, text) is
'Implementation of public.mark_mini_no_show (security definer, not exposed: the Data API serves only '
'public). See the wrapper''s comment for the contract.';

create or replace function public.mark_mini_no_show(session_id uuid, absent text)
returns public.mini_mentorship_sessions
language sql
volatile
security invoker
set search_path = ''
as $$
    select private.mark_mini_no_show(session_id => mark_mini_no_show.session_id, absent => mark_mini_no_show.absent)
$$;

comment on function public.mark_mini_no_show(uuid, text) is
'Marks a scheduled or in-progress session no-show from 10 minutes after its start. The student who joined '
'may mark the mentor absent, the mentor who joined the student; an admin (not a participant) any of student, '
'mentor, both. Nobody who joined can be reported absent. The request reopens when the mentor was absent, '
'else it is cancelled. Errors: 22023 session_id / absent; 42501 not_authenticated / cannot_mark_own_absence; '
'PT404 session_not_found; PT409 session_not_active / no_show_too_early / participant_attended (the one '
'reported absent joined) / reporter_not_joined (the reporting participant never joined). Returns the '
'session. Security invoker: the work is done by private.mark_mini_no_show.';

create function private.rate_mini_session(
    session_id uuid, rating integer, feedback text default null
)
returns public.mini_mentorship_sessions
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    caller uuid := private.require_signed_in();
    remark text;
    side text;
    target public.mini_mentorship_sessions;
    rated public.mini_mentorship_sessions;
begin
    perform private.check_text_size('feedback', rate_mini_session.feedback, 2000);
    if rate_mini_session.session_id is null then
        perform private.raise_bad_field('session_id', 'Say which session to rate.');
    end if;
    if rate_mini_session.rating is null or rate_mini_session.rating not between 1 and 5 then
        perform private.raise_bad_field('rating', 'Rate the session from 1 to 5.');
    end if;
    remark := private.clean_optional_text('feedback', rate_mini_session.feedback, 2000);

    target := private.lock_visible_session(rate_mini_session.session_id, caller);
    side := private.session_side(target, caller);
    if side is null then
        raise exception using
            errcode = '42501',
            message = 'Only the student and the mentor of this session can rate it.',
            hint = 'not_session_participant';
    end if;
    if target.status is distinct from 'completed' then
        raise exception using
            errcode = 'PT409',
            message = 'A session can be rated once it is completed.',
            hint = 'session_not_completed';
    end if;
    if (side = 'student' and target.student_rating is not null)
        or (side = 'mentor' and target.mentor_rating is not null) then
        raise exception using
            errcode = 'PT409',
            message = 'You have already rated this session.',
            hint = 'already_rated';
    end if;

    update public.mini_mentorship_sessions as s
    set
        student_rating = case when side = 'student' then rate_mini_session.rating else s.student_rating end,
        student_feedback = case when side = 'student' then remark else s.student_feedback end,
        mentor_rating = case when side = 'mentor' then rate_mini_session.rating else s.mentor_rating end,
        mentor_feedback = case when side = 'mentor' then remark else s.mentor_feedback end
    where s.id = target.id
    returning s.* into rated;

    perform private.record_event(
        'session', 'session.rated', target.request_id, target.id, side, target.status, target.status, null,
        jsonb_build_object('side', side, 'rating', rate_mini_session.rating)
    );
    return rated;
end
$$;

comment on function private.rate_mini_session(uuid, integer, text) is
'Implementation of public.rate_mini_session (security definer, not exposed: the Data API serves only '
'public). See the wrapper''s comment for the contract.';

create or replace function public.rate_mini_session(
    session_id uuid, rating integer, feedback text default null
)
returns public.mini_mentorship_sessions
language sql
volatile
security invoker
set search_path = ''
as $$
    select private.rate_mini_session(
        session_id => rate_mini_session.session_id,
        rating => rate_mini_session.rating,
        feedback => rate_mini_session.feedback
    )
$$;

comment on function public.rate_mini_session(uuid, integer, text) is
'submitSessionFeedback / submitMentorFeedback. A participant rates a completed session once, 1-5, with '
'optional feedback (<= 2000 chars); the student''s rating goes to student_rating / student_feedback, the '
'mentor''s to mentor_rating / mentor_feedback; a session.rated event is written. Errors: 22023 session_id / '
'rating / feedback; 42501 not_authenticated / not_session_participant (admins); PT404 session_not_found; '
'PT409 session_not_completed / already_rated. Returns the session. Security invoker: the work is done by '
'private.rate_mini_session.';

create function private.request_mini_meeting_link(session_id uuid)
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
        or target.meeting_platform not in ('jitsi', 'zoom', 'google-meet') then
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

comment on function private.request_mini_meeting_link(uuid) is
'Implementation of public.request_mini_meeting_link (security definer, not exposed: the Data API serves only '
'public). See the wrapper''s comment for the contract.';

create or replace function public.request_mini_meeting_link(session_id uuid)
returns jsonb
language sql
volatile
security invoker
set search_path = ''
as $$
    select private.request_mini_meeting_link(session_id => request_mini_meeting_link.session_id)
$$;

comment on function public.request_mini_meeting_link(uuid) is
'generateMeetingLink. A participant asks the worker to create the join link of a scheduled or in-progress '
'virtual jitsi / zoom / google-meet session: queues one meeting_link job per session and sequence (repeat '
'calls return the same job; a failed job is re-armed). Returns {job_id, status, session_id, sequence, '
'queued_at, meeting_link (current value, null until the worker fills it)}. Errors: 22023 session_id; 42501 '
'not_authenticated / not_session_participant (admins); PT404 session_not_found; PT409 session_not_active / '
'no_link_provider. Security invoker: the work is done by private.request_mini_meeting_link.';

revoke execute on function private.mark_mini_no_show(uuid, text) from public, anon, service_role;
revoke execute on function private.rate_mini_session(uuid, integer, text) from public, anon, service_role;
revoke execute on function private.request_mini_meeting_link(uuid) from public, anon, service_role;
grant execute on function private.mark_mini_no_show(uuid, text) to authenticated;
grant execute on function private.rate_mini_session(uuid, integer, text) to authenticated;
grant execute on function private.request_mini_meeting_link(uuid) to authenticated;
