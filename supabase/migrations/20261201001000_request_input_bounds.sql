-- Bounded inputs on the request side, and no requests from anonymous sign-ins (security hardening, issue 8
-- parts 2 and 8).
--
-- Every text, array and jsonb a caller sends for createRequest (the insert) and the request RPCs is
-- size-checked before any trimming, loop or normalisation, in constant time (octet_length, cardinality and
-- pg_column_size read a header): a multi-megabyte string, a 12,000-element tags array or 10,000 nested JSON
-- arrays are refused at once with 22023 and the field as hint, instead of costing seconds of CPU. Dates are
-- finite (PostgreSQL accepts date 'infinity') and within the horizon private.settings().max_schedule_ahead.
--
-- Supabase anonymous sign-ins (a JWT with is_anonymous: true) may not post requests: a separate trigger
-- refuses them with 42501 anonymous_user before any field is looked at (it sorts before check_timezone).

-- True when the caller signed in anonymously. NULL-safe: no JWT, no claim or a non-boolean claim is false.
create function private.is_anonymous()
returns boolean
language sql
stable
set search_path = ''
as $$
    select coalesce(lower((select auth.jwt()) ->> 'is_anonymous') = 'true', false)
$$;

comment on function private.is_anonymous() is
'True when the caller''s JWT says is_anonymous: true (a Supabase anonymous sign-in). Never NULL: no JWT or '
'no claim is false. Anonymous users may not post, browse or claim requests.';

-- Raises 42501 / anonymous_user for an anonymous sign-in; `action` completes "Anonymous users cannot ...".
create function private.refuse_anonymous(action text)
returns void
language plpgsql
stable
set search_path = ''
as $$
begin
    if private.is_anonymous() then
        raise exception using
            errcode = '42501',
            message = format('Guest accounts cannot %s. Sign up with an email address to continue.', action),
            hint = 'anonymous_user';
    end if;
end
$$;

comment on function private.refuse_anonymous(text) is
'Raises 42501 / anonymous_user (message "Guest accounts cannot <action>. Sign up ...") when the caller signed '
'in anonymously (private.is_anonymous()); does nothing otherwise.';

-- Trigger (before insert on mini_mentorship_requests, fires before check_timezone and guard_request_insert).
create function private.check_caller_may_post()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
    if coalesce((select auth.role()), '') <> 'service_role' then
        perform private.refuse_anonymous('post mentorship requests');
    end if;
    return new;
end
$$;

comment on function private.check_caller_may_post() is
'Trigger function (before insert on mini_mentorship_requests): refuses anonymous sign-ins with 42501 / '
'anonymous_user before any field is checked. Named to fire first (triggers fire in name order).';

create trigger check_caller_may_post
before insert on public.mini_mentorship_requests
for each row execute function private.check_caller_may_post();

-- Time zones: a name is at most 64 bytes, so a huge string is refused without a lookup and never copied into
-- the error message.
create or replace function private.is_valid_timezone(zone text)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
    select
        zone is not null
        and octet_length(zone) <= 64
        and (
            exists (select from private.timezone_names as t where t.name = zone)
            or exists (select from pg_catalog.pg_timezone_names as t where t.name = zone)
        )
$$;

create or replace function private.check_timezone()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
    if not private.is_valid_timezone(new.timezone) then
        raise exception using
            errcode = '22023',
            message = format('"%s" is not a known time zone; use an IANA name such as Europe/Paris.',
                coalesce(left(new.timezone, 64), 'null')),
            hint = 'timezone';
    end if;
    return new;
end
$$;

-- Optional free text: size first (constant time; a UTF-8 character is at most 4 bytes), then trim.
create or replace function private.clean_optional_text(field text, value text, max_length integer)
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
    too_long constant text := format(
        '%s can be at most %s characters.', initcap(replace(field, '_', ' ')), max_length
    );
    cleaned text;
begin
    if octet_length(value) > 4 * max_length then
        perform private.raise_bad_field(field, too_long);
    end if;
    cleaned := nullif(btrim(value), '');
    if char_length(cleaned) > max_length then
        perform private.raise_bad_field(field, too_long);
    end if;
    return cleaned;
end
$$;

-- A reason given to release or cancel: size first, then trim; required, at most 1000 characters.
create or replace function private.clean_reason(reason text)
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
    cleaned text;
begin
    if octet_length(reason) > 4000 then
        perform private.raise_bad_field('reason', 'The reason can be at most 1000 characters.');
    end if;
    cleaned := nullif(btrim(reason), '');
    if cleaned is null then
        perform private.raise_bad_field('reason', 'Please give a reason.');
    end if;
    if char_length(cleaned) > 1000 then
        perform private.raise_bad_field('reason', 'The reason can be at most 1000 characters.');
    end if;
    return cleaned;
end
$$;

-- Tags: at most 50 elements are even looked at (constant-time cardinality check), each at most 160 bytes
-- before trimming; then trimmed, lower-cased and de-duplicated (at most 50 x 10 comparisons).
create or replace function private.clean_tags(tags text[])
returns text[]
language plpgsql
immutable
set search_path = ''
as $$
declare
    tag text;
    cleaned text[] := '{}';
begin
    if tags is null then
        return cleaned;
    end if;
    if cardinality(tags) > 50 then
        perform private.raise_bad_field('tags', 'A request can have at most 10 tags.');
    end if;
    foreach tag in array tags loop
        if octet_length(tag) > 160 then
            perform private.raise_bad_field('tags', 'Each tag must be 1 to 40 characters.');
        end if;
        tag := lower(btrim(tag));
        if tag is null or char_length(tag) not between 1 and 40 then
            perform private.raise_bad_field('tags', 'Each tag must be 1 to 40 characters.');
        end if;
        if not tag = any(cleaned) then
            cleaned := cleaned || tag;
            if cardinality(cleaned) > 10 then
                perform private.raise_bad_field('tags', 'A request can have at most 10 tags.');
            end if;
        end if;
    end loop;
    return cleaned;
end
$$;

-- Time slots: the whole document is at most 16 kB (pg_column_size reads the header), so no slot list, however
-- nested, is walked beyond that; the shape check then looks at fixed depths only (array > object > array of
-- strings), so deeper nesting is refused at the first element that is not a slot.
create or replace function private.check_time_slots(slots jsonb)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
declare
    slot jsonb;
    day jsonb;
    days_seen text[];
    hhmm constant text := '^([01][0-9]|2[0-3]):[0-5][0-9]$';
    bad constant text := 'Time slots must look like {"start":"09:00","end":"12:00"}, optionally with '
        || '"days":["mon","wed"], with start before end; at most 20 slots.';
begin
    if slots is null or slots = 'null'::jsonb then
        return '[]'::jsonb;
    end if;
    if pg_column_size(slots) > 16384 then
        perform private.raise_bad_field('preferred_time_slots', bad);
    end if;
    if jsonb_typeof(slots) <> 'array' or jsonb_array_length(slots) > 20 then
        perform private.raise_bad_field('preferred_time_slots', bad);
    end if;
    for slot in select value from jsonb_array_elements(slots) loop
        if jsonb_typeof(slot) <> 'object'
            or exists (
                select from jsonb_object_keys(slot) as k (key) where k.key not in ('start', 'end', 'days')
            )
            or jsonb_typeof(slot -> 'start') is distinct from 'string'
            or jsonb_typeof(slot -> 'end') is distinct from 'string'
            or (slot ->> 'start') !~ hhmm
            or (slot ->> 'end') !~ hhmm
            or (slot ->> 'start') >= (slot ->> 'end') then
            perform private.raise_bad_field('preferred_time_slots', bad);
        end if;
        if slot ? 'days' then
            if jsonb_typeof(slot -> 'days') <> 'array' or jsonb_array_length(slot -> 'days') not between 1 and 7 then
                perform private.raise_bad_field('preferred_time_slots', bad);
            end if;
            days_seen := '{}';
            for day in select value from jsonb_array_elements(slot -> 'days') loop
                if jsonb_typeof(day) <> 'string'
                    or (day #>> '{}') not in ('mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun')
                    or (day #>> '{}') = any(days_seen) then
                    perform private.raise_bad_field('preferred_time_slots', bad);
                end if;
                days_seen := days_seen || (day #>> '{}');
            end loop;
        end if;
    end loop;
    return slots;
end
$$;

-- The createRequest gate, now with size checks before trimming and finite dates within the horizon.
create or replace function private.guard_request_insert()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
    caller uuid := (select auth.uid());
    horizon interval := (private.settings()).max_schedule_ahead;
begin
    -- Owner: a signed-in user (not the service role) creates requests for themselves only.
    if caller is not null and coalesce((select auth.role()), '') <> 'service_role' then
        if new.student_id is null then
            new.student_id := caller;
        elsif new.student_id <> caller then
            raise exception using
                errcode = '42501',
                message = 'You can only create requests for yourself.',
                hint = 'student_id_mismatch';
        end if;
    end if;
    if new.student_id is null then
        perform private.raise_bad_field('student_id', 'A request needs a student.');
    end if;

    -- Born open and unclaimed.
    if new.status is distinct from 'open' then
        perform private.raise_invalid_transition('request', null, left(coalesce(new.status, 'null'), 40));
    end if;
    if new.claimed_by_mentor_id is not null then
        perform private.raise_bad_field('claimed_by_mentor_id', 'A new request cannot already be claimed.');
    end if;

    -- Required text: size first (constant time), then trim.
    if octet_length(new.title) > 800 then
        perform private.raise_bad_field('title', 'The title can be at most 200 characters.');
    end if;
    new.title := btrim(new.title);
    if new.title is null or new.title = '' then
        perform private.raise_bad_field('title', 'Give the request a title.');
    elsif char_length(new.title) > 200 then
        perform private.raise_bad_field('title', 'The title can be at most 200 characters.');
    end if;
    if octet_length(new.description) > 20000 then
        perform private.raise_bad_field('description', 'The description can be at most 5000 characters.');
    end if;
    new.description := btrim(new.description);
    if new.description is null or new.description = '' then
        perform private.raise_bad_field('description', 'Describe what you need help with.');
    elsif char_length(new.description) > 5000 then
        perform private.raise_bad_field('description', 'The description can be at most 5000 characters.');
    end if;

    -- Choices.
    if new.session_type is null or new.session_type not in (
        'interview_prep', 'skill_learning', 'career_advice', 'resume_review', 'project_guidance',
        'technical_help', 'portfolio_review', 'networking_advice', 'other'
    ) then
        perform private.raise_bad_field('session_type', 'Choose a session type from the list.');
    end if;
    if new.preferred_duration_minutes is null or new.preferred_duration_minutes not in (30, 45, 60) then
        perform private.raise_bad_field('preferred_duration_minutes', 'Sessions last 30, 45 or 60 minutes.');
    end if;
    if new.urgency is null or new.urgency not in ('low', 'normal', 'high', 'urgent') then
        perform private.raise_bad_field('urgency', 'Urgency is low, normal, high or urgent.');
    end if;

    -- Availability window: real dates (not +/-infinity), within the horizon either side of today.
    if not isfinite(new.preferred_date_start)
        or new.preferred_date_start not between (current_date - horizon)::date and (current_date + horizon)::date then
        perform private.raise_bad_field(
            'preferred_date_start',
            format('The earliest date must be a real date within %s of today.', horizon)
        );
    end if;
    if not isfinite(new.preferred_date_end)
        or new.preferred_date_end not between (current_date - horizon)::date and (current_date + horizon)::date then
        perform private.raise_bad_field(
            'preferred_date_end',
            format('The latest date must be a real date within %s of today.', horizon)
        );
    end if;
    if new.preferred_date_start > new.preferred_date_end then
        perform private.raise_bad_field('preferred_date_end', 'The latest date cannot be before the earliest date.');
    end if;
    if new.preferred_date_end < current_date - 1 then
        perform private.raise_bad_field('preferred_date_end', 'The latest date is already in the past.');
    end if;
    new.preferred_time_slots := private.check_time_slots(new.preferred_time_slots);

    -- Optional context.
    new.tags := private.clean_tags(new.tags);
    new.relevant_experience := private.clean_optional_text('relevant_experience', new.relevant_experience, 2000);
    new.specific_questions := private.clean_optional_text('specific_questions', new.specific_questions, 2000);
    new.resume_url := private.clean_optional_url('resume_url', new.resume_url);
    new.portfolio_url := private.clean_optional_url('portfolio_url', new.portfolio_url);

    -- Columns only the database writes.
    new.claimed_at := null;
    new.release_count := 0;
    new.last_released_at := null;
    new.last_released_by := null;
    new.last_release_reason := null;
    new.cancelled_at := null;
    new.cancelled_by := null;
    new.cancellation_reason := null;
    new.expired_at := null;
    new.completed_at := null;
    new.created_at := now();
    new.updated_at := now();
    new.expires_at := now() + interval '7 days';
    return new;
end
$$;

comment on function private.guard_request_insert() is
'Trigger function (before insert on mini_mentorship_requests), the createRequest gate: owner = caller '
'(42501 student_id_mismatch otherwise), status open (PT409 invalid_transition otherwise), unclaimed, expires '
'7 days after creation; validates and normalises every field, sizes first (22023, hint = field name); '
'preferred dates finite and within private.settings().max_schedule_ahead of today.';

comment on function private.clean_optional_text(text, text, integer) is
'Trims optional text, turns an empty string into null and raises 22023 (hint = field) beyond max_length; '
'a value over 4 x max_length bytes is refused before it is trimmed.';
comment on function private.clean_reason(text) is
'Trims a release or cancellation reason; raises 22023 / reason when it is missing, blank or over 1000 chars '
'(over 4000 bytes: refused before trimming).';
comment on function private.clean_tags(text[]) is
'Trims, lower-cases and de-duplicates tags; raises 22023 (hint tags) for more than 50 elements (before any '
'work), an empty or > 40-character tag, or more than 10 distinct tags. Lower case makes the browse tag '
'filter case-insensitive.';
comment on function private.check_time_slots(jsonb) is
'Returns the slots (null becomes []) or raises 22023 with hint preferred_time_slots unless they are at most '
'16 kB (checked first) and an array of at most 20 {"start":"HH:MM","end":"HH:MM"} objects, start < end, '
'with optional distinct "days" among mon..sun.';
comment on function private.is_valid_timezone(text) is
'True when the argument is an IANA zone name (at most 64 bytes) listed in pg_timezone_names (cached in '
'private.timezone_names). Used by triggers and RPCs to reject abbreviations, POSIX specs and typos with 22023.';

revoke execute on function private.is_anonymous() from public, anon, authenticated, service_role;
revoke execute on function private.refuse_anonymous(text) from public, anon, authenticated, service_role;
revoke execute on function private.check_caller_may_post() from public, anon, authenticated, service_role;
