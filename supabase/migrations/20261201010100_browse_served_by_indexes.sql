-- browse_mini_requests reads a page, not every open row (issue 15 part 2).
--
-- Measured at 1M requests (1 % open): browse read every open, unexpired row and sorted them to return 20, never
-- used the search index for a search term, and after a few calls plpgsql's plan cache switched to a generic
-- plan, in which the optional filters (`wanted_types is null or ...`) are opaque and no filter index applies.
--
-- * mini_mentorship_requests_open_urgency_idx: the open requests in browse order (urgency rank, created_at,
--   id). Without a search term browse walks it backwards from the cursor and stops after page_size rows that
--   pass the filters: a page costs page_size rows (more only when the filters are very selective), at any
--   depth (the keyset `(rank, created_at, id) < cursor` is the index condition).
-- * mini_mentorship_requests_open_search_idx: GIN over the search document of open requests only. With a
--   search term browse finds the open matches through it, then ranks those (ts_rank cannot come from an index).
-- * private.browse_mini_requests (newest: 20261201009400): `set plan_cache_mode = force_custom_plan`, so every
--   call is planned with its arguments as constants: absent filters fold away, the mode's sort expression is
--   the one the index carries. The follow-up reservation test is written out in the query (same rule as
--   private.reserved_for_another, which as a function with `set search_path` cannot be inlined and ran once
--   per row). The expiry test is written `coalesce(r.expires_at > now(), false)`: as a bare comparison the
--   planner multiplied the open-row estimate by the share of unexpired rows in the whole table (about 1 %),
--   although nearly every open row is unexpired (the sweep expires the rest), guessed a handful of rows and
--   sorted them all instead of walking the urgency index. Same arguments, checks, errors and results as
--   before.

-- Both indexes cover open requests only (about 1 % of the table), so they build quickly; the migration runs in a
-- transaction, where `concurrently` is not possible. Hence the squawk-ignore lines.
-- squawk-ignore require-concurrent-index-creation
create index mini_mentorship_requests_open_urgency_idx
on public.mini_mentorship_requests (
    (array_position(array['low', 'normal', 'high', 'urgent'], urgency)::real), created_at, id
)
where status = 'open';

comment on index public.mini_mentorship_requests_open_urgency_idx is
'Open requests in browse order (urgency rank, created_at, id): browse_mini_requests without a search term reads '
'a page from it (keyset pagination as an index condition) instead of sorting every open row.';

-- squawk-ignore require-concurrent-index-creation
create index mini_mentorship_requests_open_search_idx
on public.mini_mentorship_requests using gin (search_document)
where status = 'open';

comment on index public.mini_mentorship_requests_open_search_idx is
'Full-text search over open requests only: browse_mini_requests with a search term finds its matches here.';

-- The page cursor of a listed row: base64url of {"m": mode, "k": sort key, "c": created_at, "i": id}.
create function private.browse_cursor(mode text, sort_key real, created_at timestamptz, id uuid)
returns text
language sql
stable
set search_path = ''
as $$
    select rtrim(
        translate(
            encode(
                convert_to(
                    jsonb_build_object(
                        'm', browse_cursor.mode,
                        'k', browse_cursor.sort_key,
                        'c', browse_cursor.created_at,
                        'i', browse_cursor.id
                    )::text,
                    'UTF8'
                ),
                'base64'
            ),
            E'+/\n',
            '-_'
        ),
        '='
    )
$$;

comment on function private.browse_cursor(text, real, timestamptz, uuid) is
'The page_cursor browse_mini_requests returns for a row: base64url (no padding) of {"m": mode (urgency or '
'search), "k": sort key, "c": created_at, "i": id}; browse decodes it from its after argument.';

-- Until when a follow-up is reserved for the caller (null when it is not reserved for them).
create function private.reserved_for_you_until(
    caller uuid,
    reserved_for_mentor_id uuid,
    reserved_until timestamptz,
    follow_up_exclusive boolean,
    expires_at timestamptz
)
returns timestamptz
language sql
stable
set search_path = ''
as $$
    select
        case
            when
                reserved_for_you_until.reserved_for_mentor_id = reserved_for_you_until.caller
                and (
                    reserved_for_you_until.follow_up_exclusive
                    or reserved_for_you_until.reserved_until > now()
                )
                then
                    case
                        when reserved_for_you_until.follow_up_exclusive then reserved_for_you_until.expires_at
                        else reserved_for_you_until.reserved_until
                    end
        end
$$;

comment on function private.reserved_for_you_until(uuid, uuid, timestamptz, boolean, timestamptz) is
'browse_mini_requests'' reserved_for_you_until: for a follow-up reserved for the caller, the end of the '
'reservation (expires_at when exclusive, else reserved_until); null for every other request.';

revoke execute on function private.browse_cursor(text, real, timestamptz, uuid)
from public, anon, authenticated, service_role;
revoke execute on function private.reserved_for_you_until(uuid, uuid, timestamptz, boolean, timestamptz)
from public, anon, authenticated, service_role;

create or replace function private.browse_mini_requests(
    session_types text[] default null,
    durations integer[] default null,
    urgencies text[] default null,
    tags text[] default null,
    search text default null,
    after text default null,
    page_size integer default 20
)
returns setof public.mini_mentorship_request_listing
language plpgsql
stable
security definer
set search_path = ''
set plan_cache_mode = force_custom_plan
as $$
declare
    caller uuid := private.require_signed_in();
    wanted_types text[] := nullif(browse_mini_requests.session_types, '{}');
    wanted_durations integer[] := nullif(browse_mini_requests.durations, '{}');
    wanted_urgencies text[] := nullif(browse_mini_requests.urgencies, '{}');
    wanted_tags text[];
    search_query tsquery;
    mode text;
    cursor_doc jsonb;
    key_sort real;
    key_created timestamptz;
    key_id uuid;
begin
    -- Checks that need no row, then the arguments: sizes first (constant time), before any comparison.
    perform private.refuse_anonymous('browse requests');
    if not coalesce(private.is_pool_mentor(caller), false) then
        raise exception using
            errcode = '42501',
            message = 'Only mentors in the matching pool can browse requests.',
            hint = 'not_pool_mentor';
    end if;

    -- Arguments.
    if browse_mini_requests.page_size is null or browse_mini_requests.page_size not between 1 and 50 then
        perform private.raise_bad_field('page_size', 'page_size must be between 1 and 50.');
    end if;
    if cardinality(browse_mini_requests.session_types) > 20 then
        perform private.raise_bad_field('session_types', 'Filter on at most 20 session types.');
    end if;
    if cardinality(browse_mini_requests.durations) > 20 then
        perform private.raise_bad_field('durations', 'Filter on at most 20 durations.');
    end if;
    if cardinality(browse_mini_requests.urgencies) > 20 then
        perform private.raise_bad_field('urgencies', 'Filter on at most 20 urgencies.');
    end if;
    if octet_length(browse_mini_requests.search) > 800 then
        perform private.raise_bad_field('search', 'Search text can be at most 200 characters.');
    end if;
    if octet_length(browse_mini_requests.after) > 512 then
        perform private.raise_bad_field(
            'after', 'This page cursor is not valid for this listing; start again from the first page.'
        );
    end if;
    if array_position(wanted_types, null) is not null or not wanted_types <@ array[
        'interview_prep', 'skill_learning', 'career_advice', 'resume_review', 'project_guidance',
        'technical_help', 'portfolio_review', 'networking_advice', 'other'
    ] then
        perform private.raise_bad_field('session_types', 'Unknown session type in session_types.');
    end if;
    if array_position(wanted_durations, null) is not null or not wanted_durations <@ array[30, 45, 60] then
        perform private.raise_bad_field('durations', 'durations may only contain 30, 45 and 60.');
    end if;
    if array_position(wanted_urgencies, null) is not null
        or not wanted_urgencies <@ array['low', 'normal', 'high', 'urgent'] then
        perform private.raise_bad_field('urgencies', 'urgencies may only contain low, normal, high and urgent.');
    end if;
    if cardinality(browse_mini_requests.tags) > 20 then
        perform private.raise_bad_field('tags', 'Filter on at most 20 tags.');
    end if;
    if cardinality(browse_mini_requests.tags) > 0 then
        wanted_tags := private.clean_tags(browse_mini_requests.tags[1:10])
            || private.clean_tags(browse_mini_requests.tags[11:20]);
    end if;
    if char_length(browse_mini_requests.search) > 200 then
        perform private.raise_bad_field('search', 'Search text can be at most 200 characters.');
    end if;
    if nullif(btrim(browse_mini_requests.search), '') is not null then
        search_query := websearch_to_tsquery('english'::regconfig, browse_mini_requests.search);
        if numnode(search_query) = 0 then
            search_query := null;  -- only stop words: no text filter
        end if;
    end if;
    mode := case when search_query is null then 'urgency' else 'search' end;

    -- Cursor: base64url of {"m": mode, "k": sort key, "c": created_at, "i": id}.
    if browse_mini_requests.after is not null then
        begin
            cursor_doc := convert_from(
                decode(
                    translate(browse_mini_requests.after, '-_', '+/')
                    || repeat('=', (4 - char_length(browse_mini_requests.after) % 4) % 4),
                    'base64'
                ),
                'UTF8'
            )::jsonb;
            key_sort := (cursor_doc ->> 'k')::real;
            key_created := (cursor_doc ->> 'c')::timestamptz;
            key_id := (cursor_doc ->> 'i')::uuid;
            if cursor_doc ->> 'm' is distinct from mode
                or key_sort is null or key_created is null or key_id is null then
                raise exception 'cursor does not match this listing';
            end if;
        exception
            when others then
                perform private.raise_bad_field(
                    'after', 'This page cursor is not valid for this listing; start again from the first page.'
                );
        end;
    end if;

    -- One query per mode, so each call's plan is the index's: the urgency walk, or the open-search GIN.
    if search_query is null then
        return query
        select
            r.id,
            r.title,
            r.description,
            r.session_type,
            r.preferred_duration_minutes,
            r.urgency,
            r.preferred_date_start,
            r.preferred_date_end,
            r.preferred_time_slots,
            r.timezone,
            r.tags,
            r.relevant_experience,
            r.specific_questions,
            r.created_at,
            r.expires_at,
            null::real,
            private.browse_cursor(
                mode, array_position(array['low', 'normal', 'high', 'urgent'], r.urgency)::real, r.created_at, r.id
            ),
            private.reserved_for_you_until(
                caller, r.reserved_for_mentor_id, r.reserved_until, r.follow_up_exclusive, r.expires_at
            )
        from public.mini_mentorship_requests as r
        where
            r.status = 'open'
            and coalesce(r.expires_at > now(), false)  -- see the header: not an estimate multiplier
            and r.student_id <> caller
            and (wanted_types is null or r.session_type = any(wanted_types))
            and (wanted_durations is null or r.preferred_duration_minutes = any(wanted_durations))
            and (wanted_urgencies is null or r.urgency = any(wanted_urgencies))
            and (wanted_tags is null or r.tags && wanted_tags)
            and (  -- not reserved for another mentor (a NULL here leaves the row out)
                r.reserved_for_mentor_id is null
                or r.reserved_for_mentor_id = caller
                or (r.follow_up_exclusive is false and r.reserved_until <= now())
            )
            and (
                key_id is null
                or (array_position(array['low', 'normal', 'high', 'urgent'], r.urgency)::real, r.created_at, r.id)
                < (key_sort, key_created, key_id)
            )
        order by
            array_position(array['low', 'normal', 'high', 'urgent'], r.urgency)::real desc,
            r.created_at desc,
            r.id desc
        limit browse_mini_requests.page_size;
    else
        return query
        select
            l.id,
            l.title,
            l.description,
            l.session_type,
            l.preferred_duration_minutes,
            l.urgency,
            l.preferred_date_start,
            l.preferred_date_end,
            l.preferred_time_slots,
            l.timezone,
            l.tags,
            l.relevant_experience,
            l.specific_questions,
            l.created_at,
            l.expires_at,
            l.rank,
            private.browse_cursor(mode, l.rank, l.created_at, l.id),
            private.reserved_for_you_until(
                caller, l.reserved_for_mentor_id, l.reserved_until, l.follow_up_exclusive, l.expires_at
            )
        from (
            select
                r.*,
                ts_rank(r.search_document, search_query) as rank
            from public.mini_mentorship_requests as r
            where
                r.status = 'open'
                and r.search_document @@ search_query
                and coalesce(r.expires_at > now(), false)  -- see the header: not an estimate multiplier
                and r.student_id <> caller
                and (wanted_types is null or r.session_type = any(wanted_types))
                and (wanted_durations is null or r.preferred_duration_minutes = any(wanted_durations))
                and (wanted_urgencies is null or r.urgency = any(wanted_urgencies))
                and (wanted_tags is null or r.tags && wanted_tags)
                and (  -- not reserved for another mentor (a NULL here leaves the row out)
                    r.reserved_for_mentor_id is null
                    or r.reserved_for_mentor_id = caller
                    or (r.follow_up_exclusive is false and r.reserved_until <= now())
                )
        ) as l
        where key_id is null or (l.rank, l.created_at, l.id) < (key_sort, key_created, key_id)
        order by l.rank desc, l.created_at desc, l.id desc
        limit browse_mini_requests.page_size;
    end if;
end
$$;
