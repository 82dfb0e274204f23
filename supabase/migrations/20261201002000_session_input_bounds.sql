-- Bounded inputs on the session side, checked before any work (security hardening, issue 8 part 2).
--
-- `scheduled_at => 'infinity'` passed the "in the future" test, and private.local_time_pieces then ran a
-- generate_series over the session's minutes that never ended (temporary files until the disk was full).
-- Now:
-- * a session start is finite, in the future and at most private.settings().max_schedule_ahead ahead
--   (private.check_session_start, 22023 hint = the argument), checked by the RPCs before anything else, again
--   by private.check_session_time, and for every writer by a trigger on the session table;
-- * private.local_time_pieces itself refuses a span that is not finite or longer than a day, so no caller
--   can make it loop without bound;
-- * every text argument is size-checked in O(1) (octet_length reads the length word) before it is trimmed,
--   parsed or compared, and every list argument by cardinality and total size before its items are walked;
-- * a mentor's availability window (plain from() CRUD) is finite, starts within the horizon on either side
--   of now and lasts at most 31 days (trigger, 22023 hint = the column).

-- 22023 unless `starts_at` is finite, in the future and within the scheduling horizon.
create function private.check_session_start(field text, starts_at timestamptz)
returns void
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
    horizon interval := (private.settings()).max_schedule_ahead;
begin
    if check_session_start.starts_at is null then
        perform private.raise_bad_field(check_session_start.field, 'Pick a start time.');
    end if;
    if not isfinite(check_session_start.starts_at) then
        perform private.raise_bad_field(check_session_start.field, 'Pick a real date and time.');
    end if;
    if check_session_start.starts_at <= now() then
        perform private.raise_bad_field(check_session_start.field, 'Pick a start time in the future.');
    end if;
    if check_session_start.starts_at > now() + horizon then
        raise exception using
            errcode = '22023',
            message = format('Sessions can be scheduled at most %s ahead.', horizon),
            hint = check_session_start.field;
    end if;
end
$$;

comment on function private.check_session_start(text, timestamptz) is
'Raises 22023 (hint = field) unless starts_at is set, finite, in the future and at most '
'private.settings().max_schedule_ahead ahead. Cheap: call it before anything that walks the session''s time.';

-- 22023 when a text argument is far beyond its limit, without reading the text.
create function private.check_text_size(field text, value text, max_length integer)
returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
    -- A character takes at most 4 bytes in UTF-8; the slack lets surrounding blanks through to the precise
    -- check after trimming (which gives the same message).
    if octet_length(check_text_size.value) > 4 * check_text_size.max_length + 1024 then
        perform private.raise_bad_field(
            check_text_size.field,
            format(
                '%s can be at most %s characters.',
                initcap(replace(check_text_size.field, '_', ' ')), check_text_size.max_length
            )
        );
    end if;
end
$$;

comment on function private.check_text_size(text, text, integer) is
'Raises 22023 (hint = field) when value is certainly longer than max_length characters (more than '
'4 * max_length + 1024 bytes). O(1): reads only the length word, so a multi-megabyte argument is refused '
'before any trimming, regex or lookup. The precise limit is checked afterwards by the cleaning functions.';

-- 22023 when a list argument has too many items or is far too large, before its items are walked.
create function private.check_list_size(field text, items text[], max_items integer, max_length integer)
returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
    if check_list_size.items is null then
        return;
    end if;
    if cardinality(check_list_size.items) > check_list_size.max_items then
        perform private.raise_bad_field(
            check_list_size.field, format('List at most %s items.', check_list_size.max_items)
        );
    end if;
    if pg_column_size(check_list_size.items) > check_list_size.max_items * (4 * check_list_size.max_length + 1024)
        then
        perform private.raise_bad_field(
            check_list_size.field,
            format('Each item can be at most %s characters.', check_list_size.max_length)
        );
    end if;
end
$$;

comment on function private.check_list_size(text, text[], integer, integer) is
'Raises 22023 (hint = field) for a list with more than max_items items or whose total size could not fit '
'max_items items of max_length characters. Reads no item: call it before any loop over the list.';

-- The list cleaner, now bounded before its loop.
create or replace function private.clean_text_list(field text, items text[], max_items integer, max_length integer)
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
    perform private.check_list_size(field, items, max_items, max_length);
    foreach item in array items loop
        perform private.check_text_size(field, item, max_length);
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

-- Refuses unbounded spans itself: its generate_series walks the span minute by minute.
create or replace function private.local_time_pieces(starts_at timestamptz, ends_at timestamptz, zone text)
returns table (local_from timestamp, local_until timestamp)
language plpgsql
stable
set search_path = ''
as $$
begin
    if not coalesce(
        isfinite(local_time_pieces.starts_at)
        and isfinite(local_time_pieces.ends_at)
        and local_time_pieces.ends_at - local_time_pieces.starts_at <= interval '1 day',
        false
    ) then
        perform private.raise_bad_field('scheduled_at', 'A session lasts at most a day and has a real date.');
    end if;
    return query
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
        p.piece_from at time zone local_time_pieces.zone,
        (p.piece_until at time zone 'UTC')
        + ((p.piece_from at time zone local_time_pieces.zone) - (p.piece_from at time zone 'UTC'))
    from pieces as p
    where p.piece_from < p.piece_until;
end
$$;

comment on function private.local_time_pieces(timestamptz, timestamptz, text) is
'Cuts the instants [starts_at, ends_at) into pieces of continuous wall-clock time in zone (a new piece at each '
'UTC-offset change) and returns each piece''s local [from, until). One piece unless the span crosses a DST '
'change. Raises 22023 / scheduled_at for a span that is not finite or longer than a day (it walks the span '
'minute by minute).';

-- The time checks of schedule and reschedule, bounded first.
create or replace function private.check_session_time(
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
    ends_at timestamptz;
begin
    perform private.check_session_start('scheduled_at', check_session_time.starts_at);
    if check_session_time.duration_minutes is null or check_session_time.duration_minutes not in (30, 45, 60) then
        perform private.raise_bad_field('duration_minutes', 'Sessions last 30, 45 or 60 minutes.');
    end if;
    ends_at := check_session_time.starts_at + make_interval(mins => check_session_time.duration_minutes);
    if not coalesce(
        private.fits_student_window(
            request.timezone, request.preferred_date_start, request.preferred_date_end,
            request.preferred_time_slots, check_session_time.starts_at, ends_at
        ),
        false
    ) then
        raise exception using
            errcode = 'PT409',
            message = format(
                'That time is outside the student''s preferred dates and time slots (%s time).',
                request.timezone
            ),
            hint = 'outside_student_window';
    end if;
    if not coalesce(
        private.fits_mentor_availability(check_session_time.mentor_id, check_session_time.starts_at, ends_at),
        false
    ) then
        raise exception using
            errcode = 'PT409',
            message = 'That time is outside your availability windows (or inside a blocked one).',
            hint = 'outside_mentor_availability';
    end if;
end
$$;

comment on function private.check_session_time(public.mini_mentorship_requests, uuid, timestamptz, integer) is
'Raises 22023 / scheduled_at for a start that is not finite, not in the future or beyond the horizon '
'(private.check_session_start), 22023 / duration_minutes, PT409 / outside_student_window when the session '
'leaves the request''s dates and slots (request timezone), PT409 / outside_mentor_availability when it leaves '
'the mentor''s windows (an unknown answer counts as outside). Overlaps are left to the exclusion constraints.';

-- ---------------------------------------------------------------------------------------------------------
-- Every writer of a session: a finite start within the horizon
-- ---------------------------------------------------------------------------------------------------------

create function private.bound_session_time()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
    if tg_op = 'INSERT' or new.scheduled_at is distinct from old.scheduled_at then
        if new.scheduled_at is null or not isfinite(new.scheduled_at) then
            perform private.raise_bad_field('scheduled_at', 'Pick a real date and time.');
        end if;
        if new.scheduled_at > now() + (private.settings()).max_schedule_ahead then
            raise exception using
                errcode = '22023',
                message = format(
                    'Sessions can be scheduled at most %s ahead.', (private.settings()).max_schedule_ahead
                ),
                hint = 'scheduled_at';
        end if;
    end if;
    return new;
end
$$;

comment on function private.bound_session_time() is
'Trigger function (before insert or update of scheduled_at on mini_mentorship_sessions): a new or moved start '
'is finite and at most private.settings().max_schedule_ahead ahead, whoever writes it (22023 / scheduled_at).';

create trigger bound_session_time
before insert or update of scheduled_at on public.mini_mentorship_sessions
for each row execute function private.bound_session_time();

-- ---------------------------------------------------------------------------------------------------------
-- Availability windows (plain from() CRUD by mentors)
-- ---------------------------------------------------------------------------------------------------------

create function private.bound_availability_window()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
    horizon interval := (private.settings()).max_schedule_ahead;
begin
    perform private.check_text_size('timezone', new.timezone, 64);
    perform private.check_text_size('blocked_reason', new.blocked_reason, 500);
    if tg_op = 'UPDATE'
        and new.available_from is not distinct from old.available_from
        and new.available_until is not distinct from old.available_until then
        return new;
    end if;
    if new.available_from is null or not isfinite(new.available_from) then
        perform private.raise_bad_field('available_from', 'A window starts at a real date and time.');
    end if;
    if new.available_until is null or not isfinite(new.available_until) then
        perform private.raise_bad_field('available_until', 'A window ends at a real date and time.');
    end if;
    if new.available_from > now() + horizon or new.available_from < now() - horizon then
        raise exception using
            errcode = '22023',
            message = format('A window starts at most %s before or after now.', horizon),
            hint = 'available_from';
    end if;
    if new.available_until <= new.available_from then
        perform private.raise_bad_field('available_until', 'A window ends after it starts.');
    end if;
    if new.available_until - new.available_from > interval '31 days' then
        perform private.raise_bad_field('available_until', 'A window lasts at most 31 days.');
    end if;
    return new;
end
$$;

comment on function private.bound_availability_window() is
'Trigger function (before insert or update on mini_mentorship_availability): timezone and blocked_reason '
'size-checked first; a new or moved window has finite bounds, starts within private.settings()'
'.max_schedule_ahead of now (either side), ends after it starts and lasts at most 31 days. 22023 with the '
'column as hint.';

create trigger bound_availability_window
before insert or update on public.mini_mentorship_availability
for each row execute function private.bound_availability_window();

revoke execute on function private.check_session_start(text, timestamptz)
from public, anon, authenticated, service_role;
revoke execute on function private.check_text_size(text, text, integer) from public, anon, authenticated, service_role;
revoke execute on function private.check_list_size(text, text[], integer, integer)
from public, anon, authenticated, service_role;
revoke execute on function private.bound_session_time() from public, anon, authenticated, service_role;
revoke execute on function private.bound_availability_window() from public, anon, authenticated, service_role;
