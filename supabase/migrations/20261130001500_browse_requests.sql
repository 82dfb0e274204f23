-- getOpenRequests as `rpc('browse_mini_requests', {...})` (DESIGN §6, §7).
--
-- Open requests are not readable through `from()` at all, because a row policy cannot hide two columns: the
-- student's resume and portfolio links stay private until a mentor claims the request. This function is
-- the one way to list them. It serves pool mentors only, never lists a request past expires_at (even before
-- the sweep has run) or the caller's own requests, filters by type, duration, urgency and tags (overlap),
-- searches title and description with websearch syntax (ranked), and pages with an opaque keyset cursor so
-- pages stay stable while new requests arrive.
--
-- Ordering: most urgent first (urgent > high > normal > low), then newest; when searching, best match first,
-- then newest. Each row carries `page_cursor`; pass the last row's value as `after` for the next page.

-- One row of the browse listing: the request without the student's private links, plus rank and cursor.
create type public.mini_mentorship_request_listing as (
    id uuid,
    title text,
    description text,
    session_type text,
    preferred_duration_minutes integer,
    urgency text,
    preferred_date_start date,
    preferred_date_end date,
    preferred_time_slots jsonb,
    timezone text,
    tags text [],
    relevant_experience text,
    specific_questions text,
    created_at timestamptz,
    expires_at timestamptz,
    search_rank real,
    page_cursor text
);

comment on type public.mini_mentorship_request_listing is
'A request as browse_mini_requests shows it to pool mentors: no student id, resume_url or portfolio_url; '
'search_rank (null unless searching) and page_cursor (pass the last one as after) added.';
comment on column public.mini_mentorship_request_listing.id is 'Request id (pass it to claim_mini_request).';
comment on column public.mini_mentorship_request_listing.title is 'What the student needs help with.';
comment on column public.mini_mentorship_request_listing.description is 'Details of the need.';
comment on column public.mini_mentorship_request_listing.session_type is 'Kind of session asked for.';
comment on column public.mini_mentorship_request_listing.preferred_duration_minutes is
'Wanted length: 30, 45 or 60 minutes.';
comment on column public.mini_mentorship_request_listing.urgency is 'low, normal, high or urgent.';
comment on column public.mini_mentorship_request_listing.preferred_date_start is
'Earliest date the student is available.';
comment on column public.mini_mentorship_request_listing.preferred_date_end is 'Latest date the student is available.';
comment on column public.mini_mentorship_request_listing.preferred_time_slots is
'Preferred local time slots, [{"start","end","days"}].';
comment on column public.mini_mentorship_request_listing.timezone is 'IANA zone of the dates and slots.';
comment on column public.mini_mentorship_request_listing.tags is 'Lower-case tags.';
comment on column public.mini_mentorship_request_listing.relevant_experience is 'What the student already knows.';
comment on column public.mini_mentorship_request_listing.specific_questions is 'What the student wants to cover.';
comment on column public.mini_mentorship_request_listing.created_at is 'When the request was posted.';
comment on column public.mini_mentorship_request_listing.expires_at is 'When it stops being listed unless claimed.';
comment on column public.mini_mentorship_request_listing.search_rank is
'ts_rank of the search (title weighs more than description); null without a search.';
comment on column public.mini_mentorship_request_listing.page_cursor is
'Opaque keyset cursor: pass the last row''s value as after for the next page.';

create function public.browse_mini_requests(
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
    if not private.is_pool_mentor(caller) then
        raise exception using
            errcode = '42501',
            message = 'Only mentors in the matching pool can browse requests.',
            hint = 'not_pool_mentor';
    end if;

    -- Arguments.
    if browse_mini_requests.page_size is null or browse_mini_requests.page_size not between 1 and 50 then
        perform private.raise_bad_field('page_size', 'page_size must be between 1 and 50.');
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

    return query
    with listed as (
        select
            r.*,
            case
                when search_query is null
                    then array_position(array['low', 'normal', 'high', 'urgent'], r.urgency)::real
                else ts_rank(r.search_document, search_query)
            end as sort_key
        from public.mini_mentorship_requests as r
        where
            r.status = 'open'
            and r.expires_at > now()
            and r.student_id <> caller
            and (wanted_types is null or r.session_type = any(wanted_types))
            and (wanted_durations is null or r.preferred_duration_minutes = any(wanted_durations))
            and (wanted_urgencies is null or r.urgency = any(wanted_urgencies))
            and (wanted_tags is null or r.tags && wanted_tags)
            and (search_query is null or r.search_document @@ search_query)
    )

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
        case when search_query is null then null else l.sort_key end,
        rtrim(
            translate(
                encode(
                    convert_to(
                        jsonb_build_object('m', mode, 'k', l.sort_key, 'c', l.created_at, 'i', l.id)::text,
                        'UTF8'
                    ),
                    'base64'
                ),
                E'+/\n',
                '-_'
            ),
            '='
        )
    from listed as l
    where key_id is null or (l.sort_key, l.created_at, l.id) < (key_sort, key_created, key_id)
    order by l.sort_key desc, l.created_at desc, l.id desc
    limit browse_mini_requests.page_size;
end
$$;

comment on function public.browse_mini_requests(text[], integer[], text[], text[], text, text, integer) is
'getOpenRequests, for mentors in the matching pool (42501 not_pool_mentor otherwise). Lists open, unexpired '
'requests of other students, without resume_url / portfolio_url. Filters: session_types, durations, '
'urgencies (any of), tags (overlap, case-insensitive); search: websearch syntax over title and description, '
'ranked (search_rank). Order: urgency then newest, or rank then newest when searching. Keyset pagination: '
'pass the last row''s page_cursor as after; page_size 1..50 (default 20). Bad arguments: 22023 with the '
'argument name as hint.';

revoke execute on function public.browse_mini_requests(text[], integer[], text[], text[], text, text, integer)
from public, anon, service_role;
grant execute on function public.browse_mini_requests(text[], integer[], text[], text[], text, text, integer)
to authenticated;
