-- No-shows and ratings (DESIGN §5, §6).
--
-- mark_mini_no_show: from 10 minutes after the start (grace), a scheduled or in-progress session can be
-- marked no-show by the party who was there: the student marks the mentor absent, the mentor marks the
-- student absent (nobody marks themselves: 42501 cannot_mark_own_absence); an admin may record any of
-- student, mentor or both. The request then follows the same rule as a cancellation: the mentor missing
-- reopens it for other mentors; the student (or both) missing cancels it.
--
-- rate_mini_session: each participant rates a completed session once (1-5, optional feedback); the caller's
-- side picks the columns (student -> student_rating / student_feedback, mentor -> mentor_*). A second rating
-- by the same side is PT409 already_rated. Each rating writes a session.rated event.

create function public.mark_mini_no_show(session_id uuid, absent text)
returns public.mini_mentorship_sessions
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    caller uuid := private.require_signed_in();
    target public.mini_mentorship_sessions;
    marked public.mini_mentorship_sessions;
begin
    if mark_mini_no_show.session_id is null then
        perform private.raise_bad_field('session_id', 'Say which session to mark.');
    end if;
    if mark_mini_no_show.absent is null or mark_mini_no_show.absent not in ('student', 'mentor', 'both') then
        perform private.raise_bad_field('absent', 'Say who was absent: student, mentor or both.');
    end if;

    target := private.lock_visible_session(mark_mini_no_show.session_id, caller);
    if not (
        private.is_admin()
        or (caller = target.student_id and mark_mini_no_show.absent = 'mentor')
        or (caller = target.mentor_id and mark_mini_no_show.absent = 'student')
    ) then
        raise exception using
            errcode = '42501',
            message = 'Only the participant who was there can report the other one absent.',
            hint = 'cannot_mark_own_absence';
    end if;
    if target.status not in ('scheduled', 'in-progress') then
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

comment on function public.mark_mini_no_show(uuid, text) is
'Marks a scheduled or in-progress session no-show from 10 minutes after its start. The student may mark the '
'mentor absent, the mentor the student; an admin any of student, mentor, both. The request reopens when the '
'mentor was absent, else it is cancelled. Errors: 22023 session_id / absent; 42501 not_authenticated / '
'cannot_mark_own_absence; PT404 session_not_found; PT409 session_not_active / no_show_too_early. Returns the '
'session.';

create function public.rate_mini_session(session_id uuid, rating integer, feedback text)
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
    if rate_mini_session.session_id is null then
        perform private.raise_bad_field('session_id', 'Say which session to rate.');
    end if;
    if rate_mini_session.rating is null or rate_mini_session.rating not between 1 and 5 then
        perform private.raise_bad_field('rating', 'Rate the session from 1 to 5.');
    end if;
    remark := private.clean_optional_text('feedback', rate_mini_session.feedback, 2000);

    target := private.lock_visible_session(rate_mini_session.session_id, caller);
    side := case caller when target.student_id then 'student' when target.mentor_id then 'mentor' end;
    if side is null then
        raise exception using
            errcode = '42501',
            message = 'Only the student and the mentor of this session can rate it.',
            hint = 'not_session_participant';
    end if;
    if target.status <> 'completed' then
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

comment on function public.rate_mini_session(uuid, integer, text) is
'submitSessionFeedback / submitMentorFeedback. A participant rates a completed session once, 1-5, with '
'optional feedback (<= 2000 chars); the student''s rating goes to student_rating / student_feedback, the '
'mentor''s to mentor_rating / mentor_feedback; a session.rated event is written. Errors: 22023 session_id / '
'rating / feedback; 42501 not_authenticated / not_session_participant (admins); PT404 session_not_found; '
'PT409 session_not_completed / already_rated. Returns the session.';

revoke execute on function public.mark_mini_no_show(uuid, text) from public, anon, service_role;
revoke execute on function public.rate_mini_session(uuid, integer, text) from public, anon, service_role;
grant execute on function public.mark_mini_no_show(uuid, text) to authenticated;
grant execute on function public.rate_mini_session(uuid, integer, text) to authenticated;
