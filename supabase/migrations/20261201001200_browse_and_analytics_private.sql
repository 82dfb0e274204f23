-- browse_mini_requests and mini_mentorship_analytics: bounded arguments, no anonymous browsing, and
-- security-invoker wrappers over private implementations (security hardening, issue 8 parts 2, 8, 9).
--
-- * browse: every array argument is size-checked (cardinality, constant time) before it is compared, the
--   search text and the page cursor `after` by octet length before they are parsed; anonymous sign-ins are
--   refused with 42501 anonymous_user.
-- * analytics: since / until must be finite (PostgreSQL accepts 'infinity') and between 1970 and now +
--   private.settings().max_schedule_ahead; null still means unbounded.
-- * Both public functions become `security invoker` SQL wrappers calling `security definer` implementations
--   of the same name in `private` (not exposed by the Data API), so the advisor lints 0028/0029 are clean.

-- ---------------------------------------------------------------------------------------------------------
-- browse_mini_requests
-- ---------------------------------------------------------------------------------------------------------

create function private.browse_mini_requests(
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

comment on function private.browse_mini_requests(text[], integer[], text[], text[], text, text, integer) is
'Implementation of public.browse_mini_requests (security definer, not exposed: the Data API serves public '
'only). Checks its caller itself; see the public function for the contract.';

create or replace function public.browse_mini_requests(
    session_types text[] default null,
    durations integer[] default null,
    urgencies text[] default null,
    tags text[] default null,
    search text default null,
    after text default null,
    page_size integer default 20
)
returns setof public.mini_mentorship_request_listing
language sql
stable
security invoker
set search_path = ''
as $$
    select *
    from private.browse_mini_requests(
        session_types => browse_mini_requests.session_types,
        durations => browse_mini_requests.durations,
        urgencies => browse_mini_requests.urgencies,
        tags => browse_mini_requests.tags,
        search => browse_mini_requests.search,
        after => browse_mini_requests.after,
        page_size => browse_mini_requests.page_size
    )
$$;

comment on function public.browse_mini_requests(text[], integer[], text[], text[], text, text, integer) is
'getOpenRequests, for mentors in the matching pool (42501 not_pool_mentor otherwise; 42501 anonymous_user for '
'anonymous sign-ins). Lists open, unexpired requests of other students, without resume_url / portfolio_url. '
'Filters: session_types, durations, urgencies (any of; at most 20 each), tags (overlap, case-insensitive, at '
'most 20); search: websearch syntax over title and description, ranked (search_rank), at most 200 characters. '
'Order: urgency then newest, or rank then newest when searching. Keyset pagination: pass the last row''s '
'page_cursor as after (at most 512 bytes); page_size 1..50 (default 20). Bad arguments: 22023 with the '
'argument name as hint. Security invoker; the work is done by private.browse_mini_requests.';

-- ---------------------------------------------------------------------------------------------------------
-- mini_mentorship_analytics
-- ---------------------------------------------------------------------------------------------------------

create function private.mini_mentorship_analytics(since timestamptz default null, until timestamptz default null)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
    caller uuid := private.require_signed_in();
    lower_bound timestamptz := coalesce(mini_mentorship_analytics.since, '-infinity'::timestamptz);
    upper_bound timestamptz := coalesce(mini_mentorship_analytics.until, 'infinity'::timestamptz);
    horizon interval := (private.settings()).max_schedule_ahead;
    earliest constant timestamptz := '1970-01-01 00:00:00+00';
    latest timestamptz := now() + horizon;
begin
    if not private.is_admin() then
        raise exception using
            errcode = '42501',
            message = 'Only admins can see mini-mentorship analytics.',
            detail = format('Signed in as %s.', caller),
            hint = 'not_admin';
    end if;
    -- Periods are real instants (not +/-infinity) between 1970 and the horizon; null means unbounded.
    if not isfinite(mini_mentorship_analytics.since)
        or mini_mentorship_analytics.since not between earliest and latest then
        perform private.raise_bad_field(
            'since', format('The start of the period must be a real time between 1970 and %s from now.', horizon)
        );
    end if;
    if not isfinite(mini_mentorship_analytics.until)
        or mini_mentorship_analytics.until not between earliest and latest then
        perform private.raise_bad_field(
            'until', format('The end of the period must be a real time between 1970 and %s from now.', horizon)
        );
    end if;
    if mini_mentorship_analytics.since > mini_mentorship_analytics.until then
        perform private.raise_bad_field('since', 'The start of the period must not be after its end.');
    end if;

    return (
        with cohort as (
            select r.id, r.student_id, r.session_type, r.status, r.created_at
            from public.mini_mentorship_requests as r
            where r.created_at >= lower_bound and r.created_at < upper_bound
        ),

        cohort_events as (
            select e.id, e.request_id, e.event, e.at, c.session_type, c.created_at
            from public.mini_mentorship_events as e
            inner join cohort as c on e.request_id = c.id
            where e.event in ('request.created', 'request.claimed', 'request.scheduled')
        ),

        first_claims as (
            select
                e.request_id,
                e.session_type,
                extract(
                    epoch from min(e.at) filter (where e.event = 'request.claimed')
                    - coalesce(min(e.at) filter (where e.event = 'request.created'), min(e.created_at))
                ) as seconds
            from cohort_events as e
            group by e.request_id, e.session_type
            having count(*) filter (where e.event = 'request.claimed') > 0
        ),

        schedulings as (
            select
                e.session_type,
                extract(
                    epoch from e.at - (
                        select max(k.at)
                        from cohort_events as k
                        where k.request_id = e.request_id and k.event = 'request.claimed' and k.id < e.id
                    )
                ) as seconds
            from cohort_events as e
            where e.event = 'request.scheduled'
        ),

        request_figures as (
            select
                case when grouping(c.session_type) = 1 then '*' else c.session_type end as group_key,
                count(*) as requests,
                jsonb_build_object(
                    'open', count(*) filter (where c.status = 'open'),
                    'claimed', count(*) filter (where c.status = 'claimed'),
                    'scheduled', count(*) filter (where c.status = 'scheduled'),
                    'completed', count(*) filter (where c.status = 'completed'),
                    'cancelled', count(*) filter (where c.status = 'cancelled'),
                    'expired', count(*) filter (where c.status = 'expired')
                ) as by_status,
                count(*) filter (where c.status = 'cancelled') as cancelled
            from cohort as c
            group by grouping sets ((), (c.session_type))
        ),

        claim_figures as (
            select
                case when grouping(f.session_type) = 1 then '*' else f.session_type end as group_key,
                count(*) as claimed,
                round(avg(f.seconds)) as average_seconds
            from first_claims as f
            group by grouping sets ((), (f.session_type))
        ),

        scheduling_figures as (
            select
                case when grouping(s.session_type) = 1 then '*' else s.session_type end as group_key,
                count(*) as schedulings,
                round(avg(s.seconds)) as average_seconds
            from schedulings as s
            group by grouping sets ((), (s.session_type))
        ),

        session_figures as (
            select
                case when grouping(c.session_type) = 1 then '*' else c.session_type end as group_key,
                count(*) as sessions,
                count(*) filter (where s.status in ('completed', 'cancelled', 'no-show')) as ended,
                count(*) filter (where s.status = 'completed') as completed,
                count(*) filter (where s.status = 'cancelled') as cancelled,
                count(*) filter (where s.status = 'no-show') as no_show,
                count(*) filter (where s.status = 'completed' and s.follow_up_needed) as follow_up,
                round(avg(s.student_rating), 2) as student_rating,
                count(s.student_rating) as student_ratings,
                round(avg(s.mentor_rating), 2) as mentor_rating,
                count(s.mentor_rating) as mentor_ratings,
                jsonb_build_object(
                    '1', count(*) filter (where s.student_rating = 1),
                    '2', count(*) filter (where s.student_rating = 2),
                    '3', count(*) filter (where s.student_rating = 3),
                    '4', count(*) filter (where s.student_rating = 4),
                    '5', count(*) filter (where s.student_rating = 5)
                ) as student_rating_distribution
            from public.mini_mentorship_sessions as s
            inner join cohort as c on s.request_id = c.id
            group by grouping sets ((), (c.session_type))
        ),

        figures as (
            select
                r.group_key,
                jsonb_build_object(
                    'requests', r.requests,
                    'requests_by_status', r.by_status,
                    'request_cancellation_rate', private.rate(r.cancelled, r.requests),
                    'claimed_requests', coalesce(cl.claimed, 0),
                    'claim_rate', private.rate(coalesce(cl.claimed, 0), r.requests),
                    'average_request_to_claim_seconds', cl.average_seconds,
                    'schedulings', coalesce(sc.schedulings, 0),
                    'average_claim_to_scheduled_seconds', sc.average_seconds,
                    'sessions', coalesce(se.sessions, 0),
                    'ended_sessions', coalesce(se.ended, 0),
                    'completed_sessions', coalesce(se.completed, 0),
                    'cancelled_sessions', coalesce(se.cancelled, 0),
                    'no_show_sessions', coalesce(se.no_show, 0),
                    'completion_rate', private.rate(se.completed, se.ended),
                    'no_show_rate', private.rate(se.no_show, se.ended),
                    'session_cancellation_rate', private.rate(se.cancelled, se.ended),
                    'follow_up_needed_rate', private.rate(se.follow_up, se.completed),
                    'average_student_rating', se.student_rating,
                    'student_ratings', coalesce(se.student_ratings, 0),
                    'average_mentor_rating', se.mentor_rating,
                    'mentor_ratings', coalesce(se.mentor_ratings, 0),
                    'student_rating_distribution', coalesce(
                        se.student_rating_distribution,
                        '{"1": 0, "2": 0, "3": 0, "4": 0, "5": 0}'::jsonb
                    )
                ) as body
            from request_figures as r
            left join claim_figures as cl on r.group_key = cl.group_key
            left join scheduling_figures as sc on r.group_key = sc.group_key
            left join session_figures as se on r.group_key = se.group_key
        ),

        per_student as (
            select c.student_id, count(*) as requests
            from cohort as c
            group by c.student_id
        ),

        per_month as (
            select to_char(c.created_at at time zone 'UTC', 'YYYY-MM') as month, count(*) as requests
            from cohort as c
            group by 1
        )

        select
            coalesce(
                (select f.body from figures as f where f.group_key = '*'),
                -- An empty cohort: grouping sets give no grand-total row without input rows.
                jsonb_build_object(
                    'requests', 0,
                    'requests_by_status', jsonb_build_object(
                        'open', 0, 'claimed', 0, 'scheduled', 0, 'completed', 0, 'cancelled', 0, 'expired', 0
                    ),
                    'request_cancellation_rate', null,
                    'claimed_requests', 0,
                    'claim_rate', null,
                    'average_request_to_claim_seconds', null,
                    'schedulings', 0,
                    'average_claim_to_scheduled_seconds', null,
                    'sessions', 0,
                    'ended_sessions', 0,
                    'completed_sessions', 0,
                    'cancelled_sessions', 0,
                    'no_show_sessions', 0,
                    'completion_rate', null,
                    'no_show_rate', null,
                    'session_cancellation_rate', null,
                    'follow_up_needed_rate', null,
                    'average_student_rating', null,
                    'student_ratings', 0,
                    'average_mentor_rating', null,
                    'mentor_ratings', 0,
                    'student_rating_distribution', '{"1": 0, "2": 0, "3": 0, "4": 0, "5": 0}'::jsonb
                )
            )
            || jsonb_build_object(
                'since', mini_mentorship_analytics.since,
                'until', mini_mentorship_analytics.until,
                'generated_at', now(),
                'students', (select count(*) from per_student),
                'repeat_students', (select count(*) from per_student as p where p.requests >= 2),
                'repeat_student_rate', private.rate(
                    (select count(*) from per_student as p where p.requests >= 2),
                    (select count(*) from per_student)
                ),
                'requests_per_month', coalesce(
                    (
                        select jsonb_agg(jsonb_build_object('month', m.month, 'requests', m.requests) order by m.month)
                        from per_month as m
                    ),
                    '[]'::jsonb
                ),
                'by_session_type', coalesce(
                    (
                        select jsonb_object_agg(f.group_key, f.body)
                        from figures as f
                        where f.group_key <> '*'
                    ),
                    '{}'::jsonb
                )
            )
    );
end
$$;

comment on function private.mini_mentorship_analytics(timestamptz, timestamptz) is
'Implementation of public.mini_mentorship_analytics (security definer, not exposed: the Data API serves public '
'only). Checks its caller itself; see the public function for the contract.';

create or replace function public.mini_mentorship_analytics(
    since timestamptz default null, until timestamptz default null
)
returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
    select private.mini_mentorship_analytics(
        since => mini_mentorship_analytics.since, until => mini_mentorship_analytics.until
    )
$$;

comment on function public.mini_mentorship_analytics(timestamptz, timestamptz) is
'getAnalytics, admins only (42501 not_admin; 42501 not_authenticated without a user). For the requests created '
'in [since, until) (null = unbounded; each must otherwise be finite and between 1970 and now + '
'max_schedule_ahead: 22023 since / until; since > until is 22023 since): requests, requests_by_status, '
'requests_per_month (UTC), students / repeat_students / repeat_student_rate, claimed_requests, claim_rate, '
'average_request_to_claim_seconds and average_claim_to_scheduled_seconds (from the event log), sessions and '
'their completion_rate / no_show_rate / session_cancellation_rate (over ended sessions), '
'request_cancellation_rate, follow_up_needed_rate, average_student_rating / average_mentor_rating with '
'counts and the student rating distribution, and by_session_type: the same figures per session type. Rates '
'are 0-1 with 4 decimals, null when there is nothing to divide by. Security invoker; the work is done by '
'private.mini_mentorship_analytics.';

revoke execute on function private.browse_mini_requests(text[], integer[], text[], text[], text, text, integer)
from public, anon, service_role;
grant execute on function private.browse_mini_requests(text[], integer[], text[], text[], text, text, integer)
to authenticated;
revoke execute on function private.mini_mentorship_analytics(timestamptz, timestamptz)
from public, anon, service_role;
grant execute on function private.mini_mentorship_analytics(timestamptz, timestamptz) to authenticated;

revoke execute on function public.browse_mini_requests(text[], integer[], text[], text[], text, text, integer)
from public, anon, service_role;
grant execute on function public.browse_mini_requests(text[], integer[], text[], text[], text, text, integer)
to authenticated;
revoke execute on function public.mini_mentorship_analytics(timestamptz, timestamptz)
from public, anon, service_role;
grant execute on function public.mini_mentorship_analytics(timestamptz, timestamptz) to authenticated;
