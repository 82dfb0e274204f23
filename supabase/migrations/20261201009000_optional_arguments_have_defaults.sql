-- Optional arguments are optional (issue 12 item 1): PostgREST picks a function by the JSON keys sent, so an
-- argument without a SQL default must always be sent, even as null, or the call answers PGRST202 (404 "could
-- not find the function"). Every argument docs/api.md calls optional now has a default, on the public wrapper
-- and on its private implementation alike (same signature, tests/sql/test_hardening_*.py):
--
-- * cancel_mini_session(reason default null): optional for the student and admins; the mentor still gets
--   22023 reason_required without one.
-- * rate_mini_session(feedback default null).
-- * complete_mini_session(mentor_notes, topics_covered, action_items default null). Defaults must be
--   trailing and the two required arguments, follow_up_needed and actual_duration_minutes, come after them,
--   so they get `default null` too instead of a drop + create that reorders the arguments (which would drop
--   the grants and change the signature every grant, comment and client names). They stay required: leaving
--   one out answers what sending null always answered, 22023 with the argument's name as hint.
--
-- `create or replace` may add defaults to an existing function; the bodies are those of
-- 20261201002400_cancel_join_complete_rpcs_private.sql and 20261201002500_no_show_rating_link_rpcs_private.sql,
-- unchanged. Grants and comments stay (same signatures).

create or replace function private.cancel_mini_session(session_id uuid, reason text default null)
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

create or replace function private.complete_mini_session(
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

create or replace function private.rate_mini_session(
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
