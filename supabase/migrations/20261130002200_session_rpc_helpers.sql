-- Shared pieces of the session RPCs (schedule, reschedule, cancel, join, complete, no-show, rate, link).
--
-- * One refusal for a session that is missing or not visible (PT404 session_not_found), like the request side.
-- * Time checks for a proposed session [starts_at, ends_at):
--   - the student's window is wall-clock time in the REQUEST's zone: preferred dates plus time slots (an empty
--     slot list means any time within the dates). A session fits when every instant of it has a local time
--     inside one slot of one allowed day. Local time is not continuous across DST changes, so the session is
--     cut into its continuous local pieces and each piece is checked: a session across the spring-forward gap
--     (02:00 -> 03:00) covers 01:30-02:00 and 03:00-03:30 local, and one across the fall-back night
--     (02:00 -> 01:00) covers the 01:xx hour twice; both are judged by what the clock on the wall shows.
--   - the mentor's windows are absolute instants: if the mentor has any current or future `is_available`
--     window, the session must lie inside their union; it may never overlap an `is_available = false`
--     (blocked) window.
-- * Exclusion violations (23P01, which PostgREST would answer 400) become PT409 mentor_busy / student_busy.
-- * Writers of live sessions first take a transaction-level advisory lock per participant, in a fixed order.
--   Without it, two transactions inserting overlapping sessions for the same person each find the other's
--   uncommitted row in the exclusion check, wait for each other, and one dies with a deadlock (40P01, which
--   PostgREST answers 500). With it they queue up, and the second gets a clean 23P01 -> PT409.

-- PT404 for a session that does not exist or that the caller may not see.
create function private.raise_session_not_found()
returns void
language plpgsql
set search_path = ''
as $$
begin
    raise exception using
        errcode = 'PT404',
        message = 'This session does not exist or is not visible to you.',
        hint = 'session_not_found';
end
$$;

comment on function private.raise_session_not_found() is
'Raises PT404 / session_not_found: the same answer for a missing session and one the caller may not see.';

-- The session, locked for the rest of the transaction, when the caller may see it (a participant or an
-- admin); PT404 session_not_found otherwise, the same answer as for a session that does not exist. Called by
-- the security-definer session RPCs, so it runs with their rights.
create function private.lock_visible_session(session_id uuid, caller uuid)
returns public.mini_mentorship_sessions
language plpgsql
volatile
set search_path = ''
as $$
declare
    target public.mini_mentorship_sessions;
begin
    select s.* into target
    from public.mini_mentorship_sessions as s
    where s.id = lock_visible_session.session_id
    for update;
    if not found
        or not (lock_visible_session.caller in (target.student_id, target.mentor_id) or private.is_admin()) then
        perform private.raise_session_not_found();
    end if;
    return target;
end
$$;

comment on function private.lock_visible_session(uuid, uuid) is
'Returns the session locked FOR UPDATE if the caller is one of its participants or an admin; raises PT404 / '
'session_not_found otherwise (never revealing whether it exists). Shared by the session RPCs.';

-- The continuous pieces of wall-clock time in `zone` that the instants [starts_at, ends_at) show.
create function private.local_time_pieces(starts_at timestamptz, ends_at timestamptz, zone text)
returns table (local_from timestamp, local_until timestamp)
language sql
stable
set search_path = ''
as $$
    with boundaries as (
        -- The start, plus every minute inside the span at which the zone's UTC offset changes (tz database
        -- transitions fall on whole minutes).
        select local_time_pieces.starts_at as piece_from
        union
        select m.at
        from generate_series(
            date_trunc('minute', local_time_pieces.starts_at) + interval '1 minute',
            local_time_pieces.ends_at - interval '1 microsecond',
            interval '1 minute'
        ) as m (at)
        where
            (m.at at time zone local_time_pieces.zone) - (m.at at time zone 'UTC')
            <> ((m.at - interval '1 minute') at time zone local_time_pieces.zone)
            - ((m.at - interval '1 minute') at time zone 'UTC')
    ),

    pieces as (
        select
            b.piece_from,
            coalesce(lead(b.piece_from) over (order by b.piece_from), local_time_pieces.ends_at) as piece_until
        from boundaries as b
    )

    -- Within a piece the offset is constant, so the local end is the UTC end shifted by the same offset.
    select
        p.piece_from at time zone local_time_pieces.zone as local_from,
        (p.piece_until at time zone 'UTC')
        + ((p.piece_from at time zone local_time_pieces.zone) - (p.piece_from at time zone 'UTC')) as local_until
    from pieces as p
    where p.piece_from < p.piece_until
$$;

comment on function private.local_time_pieces(timestamptz, timestamptz, text) is
'Cuts the instants [starts_at, ends_at) into pieces of continuous wall-clock time in zone (a new piece at each '
'UTC-offset change) and returns each piece''s local [from, until). One piece unless the span crosses a DST '
'change.';

-- Whether [starts_at, ends_at) lies inside the student's preferred dates and time slots (local to `zone`).
create function private.fits_student_window(
    zone text,
    date_start date,
    date_end date,
    time_slots jsonb,
    starts_at timestamptz,
    ends_at timestamptz
)
returns boolean
language plpgsql
stable
set search_path = ''
as $$
declare
    day date := (fits_student_window.starts_at at time zone fits_student_window.zone)::date;
    earliest timestamp := coalesce(fits_student_window.date_start::timestamp, '-infinity'::timestamp);
    latest timestamp := coalesce((fits_student_window.date_end + 1)::timestamp, 'infinity'::timestamp);
    day_name text;
begin
    -- The whole session within the preferred dates (the last day counts until midnight).
    if exists (
        select
        from private.local_time_pieces(fits_student_window.starts_at, fits_student_window.ends_at, zone) as p
        where p.local_from < earliest or p.local_until > latest
    ) then
        return false;
    end if;

    if coalesce(jsonb_array_length(fits_student_window.time_slots), 0) = 0 then
        return true;
    end if;

    -- Otherwise inside one slot of the day the session starts on (slots never cross midnight).
    day_name := (array['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'])[extract(isodow from day)::integer];
    return exists (
        select
        from jsonb_array_elements(fits_student_window.time_slots) as s (slot)
        where
            (not s.slot ? 'days' or s.slot -> 'days' ? day_name)
            and not exists (
                select
                from private.local_time_pieces(fits_student_window.starts_at, fits_student_window.ends_at, zone)
                    as p
                where
                    p.local_from < day + (s.slot ->> 'start')::time
                    or p.local_until > day + (s.slot ->> 'end')::time
            )
    );
end
$$;

comment on function private.fits_student_window(text, date, date, jsonb, timestamptz, timestamptz) is
'True when every instant of [starts_at, ends_at) shows a wall-clock time in zone that is within '
'[date_start, date_end] (null = open-ended) and, unless time_slots is empty, within one slot (start-end, '
'optional days) of the local day the session starts on. DST-exact: see private.local_time_pieces.';

-- Whether [starts_at, ends_at) suits the mentor's availability windows.
create function private.fits_mentor_availability(mentor_id uuid, starts_at timestamptz, ends_at timestamptz)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
    with windows as (
        select
            coalesce(
                range_agg(tstzrange(a.available_from, a.available_until, '[)')) filter (where a.is_available),
                '{}'::tstzmultirange
            ) as free,
            coalesce(
                range_agg(tstzrange(a.available_from, a.available_until, '[)')) filter (where not a.is_available),
                '{}'::tstzmultirange
            ) as blocked,
            coalesce(bool_or(a.is_available and a.available_until > now()), false) as uses_windows
        from public.mini_mentorship_availability as a
        where a.mentor_id = fits_mentor_availability.mentor_id
    )

    select
        not (w.blocked && tstzrange(fits_mentor_availability.starts_at, fits_mentor_availability.ends_at, '[)'))
        and (
            not w.uses_windows
            or w.free @> tstzrange(fits_mentor_availability.starts_at, fits_mentor_availability.ends_at, '[)')
        )
    from windows as w
$$;

comment on function private.fits_mentor_availability(uuid, timestamptz, timestamptz) is
'True when [starts_at, ends_at) overlaps none of the mentor''s blocked windows and, if the mentor has any '
'current or future is_available window, lies inside the union of their is_available windows (adjacent '
'windows join up). A mentor without windows is available at any time.';

-- The checks shared by schedule_mini_session and reschedule_mini_session for a proposed time.
create function private.check_session_time(
    request public.mini_mentorship_requests,
    mentor_id uuid,
    starts_at timestamptz,
    duration_minutes integer
)
returns void
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
    ends_at timestamptz := check_session_time.starts_at + make_interval(mins => check_session_time.duration_minutes);
begin
    if check_session_time.starts_at <= now() then
        perform private.raise_bad_field('scheduled_at', 'Pick a start time in the future.');
    end if;
    if not private.fits_student_window(
        request.timezone, request.preferred_date_start, request.preferred_date_end, request.preferred_time_slots,
        check_session_time.starts_at, ends_at
    ) then
        raise exception using
            errcode = 'PT409',
            message = format(
                'That time is outside the student''s preferred dates and time slots (%s time).',
                request.timezone
            ),
            hint = 'outside_student_window';
    end if;
    if not private.fits_mentor_availability(check_session_time.mentor_id, check_session_time.starts_at, ends_at)
        then
        raise exception using
            errcode = 'PT409',
            message = 'That time is outside your availability windows (or inside a blocked one).',
            hint = 'outside_mentor_availability';
    end if;
end
$$;

comment on function private.check_session_time(public.mini_mentorship_requests, uuid, timestamptz, integer) is
'Raises 22023 / scheduled_at for a start not in the future, PT409 / outside_student_window when the session '
'leaves the request''s dates and slots (request timezone), PT409 / outside_mentor_availability when it leaves '
'the mentor''s windows. Overlaps are left to the exclusion constraints.';

-- Serialises writers of one person's live sessions (see the header); locks in key order, so never deadlocks.
create function private.lock_participants(student_id uuid, mentor_id uuid)
returns void
language plpgsql
volatile
set search_path = ''
as $$
declare
    student_key bigint := hashtextextended('mini_mentorship_participant:' || lock_participants.student_id, 0);
    mentor_key bigint := hashtextextended('mini_mentorship_participant:' || lock_participants.mentor_id, 0);
begin
    perform pg_advisory_xact_lock(least(student_key, mentor_key));
    perform pg_advisory_xact_lock(greatest(student_key, mentor_key));
end
$$;

comment on function private.lock_participants(uuid, uuid) is
'Takes transaction-level advisory locks on both participants of a session, lower key first. Called before '
'inserting or updating a live session so concurrent overlapping writes queue instead of deadlocking in the '
'exclusion constraints; the loser then gets 23P01 (translated to PT409 mentor_busy / student_busy).';

-- Turns an exclusion violation of the session table into the API's conflict error.
create function private.raise_session_overlap(constraint_name text)
returns void
language plpgsql
set search_path = ''
as $$
begin
    if constraint_name = 'mini_mentorship_sessions_student_no_overlap' then
        raise exception using
            errcode = 'PT409',
            message = 'The student already has another session at that time; pick another time.',
            hint = 'student_busy';
    end if;
    raise exception using
        errcode = 'PT409',
        message = 'You already have another session at that time; pick another time.',
        hint = 'mentor_busy';
end
$$;

comment on function private.raise_session_overlap(text) is
'Raises PT409 / student_busy for mini_mentorship_sessions_student_no_overlap, else PT409 / mentor_busy: '
'the translation of 23P01 (which PostgREST would answer 400) for the scheduling RPCs.';

-- Cleans an optional list of short texts (topics, action items): trimmed, no blanks, bounded.
create function private.clean_text_list(field text, items text[], max_items integer, max_length integer)
returns text[]
language plpgsql
immutable
set search_path = ''
as $$
declare
    item text;
    cleaned text[] := '{}';
begin
    if items is null then
        return cleaned;
    end if;
    if cardinality(items) > max_items then
        perform private.raise_bad_field(field, format('List at most %s items.', max_items));
    end if;
    foreach item in array items loop
        item := nullif(btrim(item), '');
        if item is null then
            perform private.raise_bad_field(field, 'List items cannot be empty.');
        end if;
        if char_length(item) > max_length then
            perform private.raise_bad_field(field, format('Each item can be at most %s characters.', max_length));
        end if;
        cleaned := cleaned || item;
    end loop;
    return cleaned;
end
$$;

comment on function private.clean_text_list(text, text[], integer, integer) is
'Trims each item of an optional text list (null becomes {}); raises 22023 (hint = field) for a blank item, an '
'item over max_length or more than max_items items.';

-- Queues the meeting-link job for one version (ICS sequence) of a session.
create function private.enqueue_meeting_link(session_id uuid, sequence integer)
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
            'session_id', enqueue_meeting_link.session_id, 'sequence', enqueue_meeting_link.sequence
        ),
        format('meeting_link:%s:%s', enqueue_meeting_link.session_id, enqueue_meeting_link.sequence)
    )
$$;

comment on function private.enqueue_meeting_link(uuid, integer) is
'Queues (once per session and sequence: dedupe key meeting_link:<session id>:<sequence>) the job that makes '
'the worker create the session''s join link. Returns the job id.';

-- What happens to the request once its session ended without completion (cancelled or no-show).
create function private.end_request_after_session(request_id uuid, reopen boolean, reason text)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
    if reopen then
        -- Back to the pool (the transition trigger gives it a fresh week before it expires).
        update public.mini_mentorship_requests as r
        set
            status = 'open',
            last_release_reason = end_request_after_session.reason
        where r.id = end_request_after_session.request_id and r.status = 'scheduled';
    else
        update public.mini_mentorship_requests as r
        set
            status = 'cancelled',
            cancellation_reason = end_request_after_session.reason
        where r.id = end_request_after_session.request_id and r.status = 'scheduled';
    end if;
end
$$;

comment on function private.end_request_after_session(uuid, boolean, text) is
'After a session was cancelled or marked no-show: reopen (scheduled -> open, claim cleared, expiry pushed to '
'at least now + 7 days) or cancel (scheduled -> cancelled) its request, recording the reason.';

revoke execute on function private.raise_session_not_found() from public, anon, authenticated, service_role;
revoke execute on function private.lock_visible_session(uuid, uuid) from public, anon, authenticated, service_role;
revoke execute on function private.local_time_pieces(timestamptz, timestamptz, text)
from public, anon, authenticated, service_role;
revoke execute on function private.fits_student_window(text, date, date, jsonb, timestamptz, timestamptz)
from public, anon, authenticated, service_role;
revoke execute on function private.fits_mentor_availability(uuid, timestamptz, timestamptz)
from public, anon, authenticated, service_role;
revoke execute on function private.check_session_time(public.mini_mentorship_requests, uuid, timestamptz, integer)
from public, anon, authenticated, service_role;
revoke execute on function private.lock_participants(uuid, uuid) from public, anon, authenticated, service_role;
revoke execute on function private.raise_session_overlap(text) from public, anon, authenticated, service_role;
revoke execute on function private.clean_text_list(text, text[], integer, integer)
from public, anon, authenticated, service_role;
revoke execute on function private.enqueue_meeting_link(uuid, integer) from public, anon, authenticated, service_role;
revoke execute on function private.end_request_after_session(uuid, boolean, text)
from public, anon, authenticated, service_role;
