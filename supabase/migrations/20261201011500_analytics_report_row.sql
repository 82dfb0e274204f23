-- mini_mentorship_analytics returns a typed row (issue 14 items 2 and 3): the report becomes the composite type
-- public.mini_mentorship_analytics_report, so Supabase's type generator gives supabase-js clients typed fields
-- instead of `Json`, and it gains what the `mini-mentorship analytics` charts need: requests_per_week (by
-- current status), time_to_claim_distribution (fixed buckets) and mentor_rating_distribution.
--
-- The return type changes, so both functions are dropped and created again (same arguments, defaults,
-- security: public security invoker wrapper over the private security definer implementation, which still
-- checks its caller). Every figure keeps its name and meaning (newest definition: 20261201009400); nested
-- figures (per status, per week, per type, distributions) stay jsonb columns of the row. Grants as before
-- (supabase/policies/functions.sql).

-- The return type changes (jsonb -> row), which create or replace cannot do; clients see the same keys.
-- squawk-ignore ban-drop-function
drop function public.mini_mentorship_analytics(timestamptz, timestamptz);
-- squawk-ignore ban-drop-function
drop function private.mini_mentorship_analytics(timestamptz, timestamptz);

-- The report's row: one column per figure.
create type public.mini_mentorship_analytics_report as (
    since timestamptz,
    until timestamptz,
    generated_at timestamptz,
    requests bigint,
    requests_by_status jsonb,
    request_cancellation_rate numeric,
    follow_up_requests bigint,
    claimed_requests bigint,
    claim_rate numeric,
    average_request_to_claim_seconds numeric,
    schedulings bigint,
    average_claim_to_scheduled_seconds numeric,
    sessions bigint,
    ended_sessions bigint,
    completed_sessions bigint,
    cancelled_sessions bigint,
    no_show_sessions bigint,
    completion_rate numeric,
    no_show_rate numeric,
    session_cancellation_rate numeric,
    follow_up_needed_rate numeric,
    average_student_rating numeric,
    student_ratings bigint,
    average_mentor_rating numeric,
    mentor_ratings bigint,
    student_rating_distribution jsonb,
    mentor_rating_distribution jsonb,
    students bigint,
    repeat_students bigint,
    repeat_student_rate numeric,
    requests_per_month jsonb,
    requests_per_week jsonb,
    time_to_claim_distribution jsonb,
    by_session_type jsonb
);

comment on type public.mini_mentorship_analytics_report is
'What mini_mentorship_analytics returns: the plan''s success metrics for the requests created in a period. '
'Rates are 0-1 with 4 decimals, null when there is nothing to divide by.';
comment on column public.mini_mentorship_analytics_report.since is
'Start of the period (inclusive), as asked; null = unbounded.';
comment on column public.mini_mentorship_analytics_report.until is
'End of the period (exclusive), as asked; null = unbounded.';
comment on column public.mini_mentorship_analytics_report.generated_at is
'When the report was computed (the transaction''s now()).';
comment on column public.mini_mentorship_analytics_report.requests is
'Requests created in the period.';
comment on column public.mini_mentorship_analytics_report.requests_by_status is
'Those requests by current status: {open, claimed, scheduled, completed, cancelled, expired} -> count.';
comment on column public.mini_mentorship_analytics_report.request_cancellation_rate is
'Share of the requests that ended cancelled (0-1, null when there are none).';
comment on column public.mini_mentorship_analytics_report.follow_up_requests is
'Requests that are follow-ups of a completed session.';
comment on column public.mini_mentorship_analytics_report.claimed_requests is
'Requests claimed at least once.';
comment on column public.mini_mentorship_analytics_report.claim_rate is
'claimed_requests / requests (0-1, null when there are no requests).';
comment on column public.mini_mentorship_analytics_report.average_request_to_claim_seconds is
'Mean seconds from creation to the first claim (event log); null without claims.';
comment on column public.mini_mentorship_analytics_report.schedulings is
'Times a claimed request was scheduled.';
comment on column public.mini_mentorship_analytics_report.average_claim_to_scheduled_seconds is
'Mean seconds from the claim that led to a scheduling to that scheduling.';
comment on column public.mini_mentorship_analytics_report.sessions is
'Sessions of the period''s requests.';
comment on column public.mini_mentorship_analytics_report.ended_sessions is
'Sessions completed, cancelled or no-show.';
comment on column public.mini_mentorship_analytics_report.completed_sessions is
'Sessions completed.';
comment on column public.mini_mentorship_analytics_report.cancelled_sessions is
'Sessions cancelled.';
comment on column public.mini_mentorship_analytics_report.no_show_sessions is
'Sessions marked no-show.';
comment on column public.mini_mentorship_analytics_report.completion_rate is
'completed / ended sessions (0-1, null when none ended).';
comment on column public.mini_mentorship_analytics_report.no_show_rate is
'no-show / ended sessions (0-1, null when none ended).';
comment on column public.mini_mentorship_analytics_report.session_cancellation_rate is
'cancelled / ended sessions (0-1, null when none ended).';
comment on column public.mini_mentorship_analytics_report.follow_up_needed_rate is
'Share of completed sessions whose mentor asked for a follow-up.';
comment on column public.mini_mentorship_analytics_report.average_student_rating is
'Mean rating (1-5) students gave, 2 decimals; null without ratings.';
comment on column public.mini_mentorship_analytics_report.student_ratings is
'Ratings given by students.';
comment on column public.mini_mentorship_analytics_report.average_mentor_rating is
'Mean rating (1-5) mentors gave, 2 decimals; null without ratings.';
comment on column public.mini_mentorship_analytics_report.mentor_ratings is
'Ratings given by mentors.';
comment on column public.mini_mentorship_analytics_report.student_rating_distribution is
'Students'' ratings: {"1".. "5"} -> count.';
comment on column public.mini_mentorship_analytics_report.mentor_rating_distribution is
'Mentors'' ratings: {"1".. "5"} -> count.';
comment on column public.mini_mentorship_analytics_report.students is
'Distinct students who created a request in the period.';
comment on column public.mini_mentorship_analytics_report.repeat_students is
'Students with two or more requests in the period.';
comment on column public.mini_mentorship_analytics_report.repeat_student_rate is
'repeat_students / students (0-1, null without students).';
comment on column public.mini_mentorship_analytics_report.requests_per_month is
'[{month: YYYY-MM (UTC), requests}], oldest first.';
comment on column public.mini_mentorship_analytics_report.requests_per_week is
'[{week: YYYY-MM-DD (the Monday, UTC), requests, open, claimed, scheduled, completed, cancelled, expired}], '
'oldest first; statuses are current.';
comment on column public.mini_mentorship_analytics_report.time_to_claim_distribution is
'Request -> first claim: [{bucket, min_seconds, max_seconds, claims}], five fixed buckets (under 1 h .. '
'over 3 days), every bucket listed.';
comment on column public.mini_mentorship_analytics_report.by_session_type is
'{session_type: the same request, claim, session and rating figures for that type}.';

create function private.mini_mentorship_analytics(
    since timestamptz default null, until timestamptz default null
)
returns public.mini_mentorship_analytics_report
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

    return jsonb_populate_record(null::public.mini_mentorship_analytics_report, (
        with cohort as (
            select
                r.id, r.student_id, r.session_type, r.status, r.created_at,
                r.reserved_until is not null as follow_up
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
                count(*) filter (where c.status = 'cancelled') as cancelled,
                count(*) filter (where c.follow_up) as follow_ups
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
                ) as student_rating_distribution,
                jsonb_build_object(
                    '1', count(*) filter (where s.mentor_rating = 1),
                    '2', count(*) filter (where s.mentor_rating = 2),
                    '3', count(*) filter (where s.mentor_rating = 3),
                    '4', count(*) filter (where s.mentor_rating = 4),
                    '5', count(*) filter (where s.mentor_rating = 5)
                ) as mentor_rating_distribution
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
                    'follow_up_requests', r.follow_ups,
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
                    ),
                    'mentor_rating_distribution', coalesce(
                        se.mentor_rating_distribution,
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
        ),

        -- ISO weeks (UTC), named by their Monday; each request counted under its current status.
        per_week as (
            select
                to_char(date_trunc('week', c.created_at at time zone 'UTC'), 'YYYY-MM-DD') as week,
                count(*) as requests,
                count(*) filter (where c.status = 'open') as open,
                count(*) filter (where c.status = 'claimed') as claimed,
                count(*) filter (where c.status = 'scheduled') as scheduled,
                count(*) filter (where c.status = 'completed') as completed,
                count(*) filter (where c.status = 'cancelled') as cancelled,
                count(*) filter (where c.status = 'expired') as expired
            from cohort as c
            group by 1
        ),

        -- Request -> first claim, in fixed buckets (every bucket listed, empty ones with 0).
        claim_buckets as (
            select b.position, b.bucket, b.min_seconds, b.max_seconds, count(f.request_id) as claims
            from (
                values
                (1, 'under 1 h', null::integer, 3600),
                (2, '1 to 6 h', 3600, 21600),
                (3, '6 to 24 h', 21600, 86400),
                (4, '1 to 3 days', 86400, 259200),
                (5, 'over 3 days', 259200, null::integer)
            ) as b (position, bucket, min_seconds, max_seconds)
            left join first_claims as f
                on (b.min_seconds is null or f.seconds >= b.min_seconds)
                and (b.max_seconds is null or f.seconds < b.max_seconds)
            group by b.position, b.bucket, b.min_seconds, b.max_seconds
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
                    'follow_up_requests', 0,
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
                    'student_rating_distribution', '{"1": 0, "2": 0, "3": 0, "4": 0, "5": 0}'::jsonb,
                    'mentor_rating_distribution', '{"1": 0, "2": 0, "3": 0, "4": 0, "5": 0}'::jsonb
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
                'requests_per_week', coalesce(
                    (
                        select jsonb_agg(
                            jsonb_build_object(
                                'week', w.week, 'requests', w.requests, 'open', w.open, 'claimed', w.claimed,
                                'scheduled', w.scheduled, 'completed', w.completed, 'cancelled', w.cancelled,
                                'expired', w.expired
                            )
                            order by w.week
                        )
                        from per_week as w
                    ),
                    '[]'::jsonb
                ),
                'time_to_claim_distribution', (
                    select jsonb_agg(
                        jsonb_build_object(
                            'bucket', b.bucket, 'min_seconds', b.min_seconds, 'max_seconds', b.max_seconds,
                            'claims', b.claims
                        )
                        order by b.position
                    )
                    from claim_buckets as b
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
    ));
end
$$;

comment on function private.mini_mentorship_analytics(timestamptz, timestamptz) is
'Implementation of public.mini_mentorship_analytics (security definer, not exposed: the Data API serves public '
'only). Checks its caller itself; see the public function for the contract.';

revoke execute on function private.mini_mentorship_analytics(timestamptz, timestamptz)
from public, anon, authenticated, service_role;
grant execute on function private.mini_mentorship_analytics(timestamptz, timestamptz) to authenticated;

create function public.mini_mentorship_analytics(
    since timestamptz default null, until timestamptz default null
)
returns public.mini_mentorship_analytics_report
language sql
stable
security invoker
set search_path = ''
as $$
    select *
    from private.mini_mentorship_analytics(
        since => mini_mentorship_analytics.since, until => mini_mentorship_analytics.until
    )
$$;

comment on function public.mini_mentorship_analytics(timestamptz, timestamptz) is
'getAnalytics, admins only (42501 not_admin; 42501 not_authenticated without a user). One row '
'(public.mini_mentorship_analytics_report) for the requests created in [since, until) (null = unbounded; each '
'must otherwise be finite and between 1970 and now + max_schedule_ahead: 22023 since / until; since > until is '
'22023 since): requests, requests_by_status, requests_per_month and requests_per_week (UTC), students / '
'repeat_students / repeat_student_rate, claimed_requests, claim_rate, average_request_to_claim_seconds, '
'time_to_claim_distribution and average_claim_to_scheduled_seconds (from the event log), sessions and their '
'completion_rate / no_show_rate / session_cancellation_rate (over ended sessions), request_cancellation_rate, '
'follow_up_requests, follow_up_needed_rate, average_student_rating / average_mentor_rating with counts and '
'distributions, and by_session_type: the same figures per session type. Rates are 0-1 with 4 decimals, null '
'when there is nothing to divide by. Security invoker; the work is done by private.mini_mentorship_analytics.';

revoke execute on function public.mini_mentorship_analytics(timestamptz, timestamptz)
from public, anon, authenticated, service_role;
grant execute on function public.mini_mentorship_analytics(timestamptz, timestamptz) to authenticated;
