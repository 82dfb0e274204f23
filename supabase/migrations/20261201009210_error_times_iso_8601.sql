-- Times in error details are ISO 8601 in UTC (issue 12 item 9): `too_early` ("Opens at …"),
-- `no_show_too_early` ("From …") and `release_limit_reached` ("Next release possible after …") printed
-- timestamptz with the session's DateStyle and TimeZone ("2027-03-14 07:15:00+00"), which JavaScript's
-- `new Date()` does not read everywhere. They now read `2027-03-14T07:15:00Z`, whatever the session settings.
-- The bodies are the newest ones (20261201001100 for check_release_limit, 20261201002400 for
-- join_mini_session, 20261201002500 for mark_mini_no_show) with only the detail changed; same signatures, so
-- grants and comments stay.

create or replace function private.check_release_limit(mentor_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    max_releases integer := (private.settings()).max_releases_per_mentor_per_day;
    recent integer;
    oldest timestamptz;
begin
    perform pg_catalog.pg_advisory_xact_lock(
        pg_catalog.hashtextextended('mini_mentorship.release_limit:' || check_release_limit.mentor_id::text, 0)
    );
    select count(*), min(e.at) into recent, oldest
    from public.mini_mentorship_events as e
    where
        e.actor_id = check_release_limit.mentor_id
        and e.event = 'request.released'
        and e.at > now() - interval '24 hours';
    if recent >= max_releases then
        raise exception using
            errcode = 'PT429',
            message = format(
                'You can release at most %s claimed requests in 24 hours. Schedule the requests you hold, or '
                || 'try again later.',
                max_releases
            ),
            detail = case
                when oldest is null then 'Releasing claims is switched off for now.'
                else format(
                    'Next release possible after %s.',
                    to_char((oldest + interval '24 hours') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                )
            end,
            hint = 'release_limit_reached';
    end if;
end
$$;

create or replace function private.join_mini_session(session_id uuid)
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
            detail = format(
                'Opens at %s.',
                to_char(
                    (target.scheduled_at - interval '15 minutes') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'
                )
            ),
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

create or replace function private.mark_mini_no_show(session_id uuid, absent text)
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
            detail = format(
                'From %s.',
                to_char(
                    (target.scheduled_at + interval '10 minutes') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'
                )
            ),
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
