-- createRequest stays a plain `from('mini_mentorship_requests').insert({...})`.
--
-- The plan's tRPC procedure validated input in zod (with an enum of numbers that could never parse). Here a
-- before-insert trigger is the single gate for every writer:
-- * a signed-in user creates requests for themselves only: student_id defaults to auth.uid(), any other value
--   is refused with 42501 (the insert policy checks it again);
-- * a request is born open, unclaimed and expiring 7 days after creation, whatever the writer sent (the API
--   role cannot even name those columns: its INSERT grant is column-level);
-- * input is checked and normalised (trimmed text, lower-case de-duplicated tags); bad input is 22023 with
--   the offending field in `hint`, so a form can put the message next to the right input.

-- Raises 22023 for a bad request field: the hint names the field.
create function private.raise_bad_field(field text, message text)
returns void
language plpgsql
set search_path = ''
as $$
begin
    raise exception using errcode = '22023', message = message, hint = field;
end
$$;

comment on function private.raise_bad_field(text, text) is
'Raises 22023 (HTTP 400) with the given UI message and the field name as hint.';

-- Normalises optional free text: trimmed, empty becomes null, at most max_length characters.
create function private.clean_optional_text(field text, value text, max_length integer)
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
    cleaned text := nullif(btrim(value), '');
begin
    if char_length(cleaned) > max_length then
        perform private.raise_bad_field(
            field, format('%s can be at most %s characters.', initcap(replace(field, '_', ' ')), max_length)
        );
    end if;
    return cleaned;
end
$$;

comment on function private.clean_optional_text(text, text, integer) is
'Trims optional text, turns an empty string into null and raises 22023 (hint = field) beyond max_length.';

-- Checks an optional http(s) link.
create function private.clean_optional_url(field text, value text)
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
    cleaned text := private.clean_optional_text(field, value, 2048);
begin
    if cleaned is not null and cleaned !~* '^https?://[^[:space:]]+$' then
        perform private.raise_bad_field(field, 'Links must be full http:// or https:// addresses.');
    end if;
    return cleaned;
end
$$;

comment on function private.clean_optional_url(text, text) is
'Trims an optional link and raises 22023 unless it is an http(s) URL of at most 2048 characters '
'(no javascript: or data: links reach a mentor''s browser).';

-- Validates preferred_time_slots: [{"start":"HH:MM","end":"HH:MM","days":["mon",...]}], at most 20 slots.
create function private.check_time_slots(slots jsonb)
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

comment on function private.check_time_slots(jsonb) is
'Returns the slots (null becomes[]) or raises 22023 with hint preferred_time_slots unless they are an array '
'of at most 20 {"start":"HH:MM","end":"HH:MM"} objects, start < end, with optional distinct "days" among '
'mon..sun.';

-- Normalises tags: trimmed, lower-case, de-duplicated in order; at most 10 of 1-40 characters.
create function private.clean_tags(tags text[])
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
    foreach tag in array tags loop
        tag := lower(btrim(tag));
        if tag is null or char_length(tag) not between 1 and 40 then
            perform private.raise_bad_field('tags', 'Each tag must be 1 to 40 characters.');
        end if;
        if not tag = any(cleaned) then
            cleaned := cleaned || tag;
        end if;
    end loop;
    if cardinality(cleaned) > 10 then
        perform private.raise_bad_field('tags', 'A request can have at most 10 tags.');
    end if;
    return cleaned;
end
$$;

comment on function private.clean_tags(text[]) is
'Trims, lower-cases and de-duplicates tags; raises 22023 (hint tags) for an empty or > 40-character tag or '
'more than 10 tags. Lower case makes the browse tag filter case-insensitive.';

-- The createRequest gate (before insert on mini_mentorship_requests).
create function private.guard_request_insert()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
    caller uuid := (select auth.uid());
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
        perform private.raise_invalid_transition('request', null, coalesce(new.status, 'null'));
    end if;
    if new.claimed_by_mentor_id is not null then
        perform private.raise_bad_field('claimed_by_mentor_id', 'A new request cannot already be claimed.');
    end if;

    -- Required text.
    new.title := btrim(new.title);
    if new.title is null or new.title = '' then
        perform private.raise_bad_field('title', 'Give the request a title.');
    elsif char_length(new.title) > 200 then
        perform private.raise_bad_field('title', 'The title can be at most 200 characters.');
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

    -- Availability window.
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
'7 days after creation; validates and normalises every field (22023, hint = field name).';

create trigger guard_request_insert
before insert on public.mini_mentorship_requests
for each row execute function private.guard_request_insert();

revoke execute on function private.raise_bad_field(text, text) from public, anon, authenticated, service_role;
revoke execute on function private.clean_optional_text(text, text, integer)
from public, anon, authenticated, service_role;
revoke execute on function private.clean_optional_url(text, text) from public, anon, authenticated, service_role;
revoke execute on function private.check_time_slots(jsonb) from public, anon, authenticated, service_role;
revoke execute on function private.clean_tags(text[]) from public, anon, authenticated, service_role;
revoke execute on function private.guard_request_insert() from public, anon, authenticated, service_role;
