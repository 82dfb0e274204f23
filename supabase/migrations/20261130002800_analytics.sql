-- getAnalytics as `rpc('mini_mentorship_analytics', {since, until})` -> jsonb, for admins (DESIGN §6).
--
-- Every success metric of the plan, computed in one statement:
--   engagement: requests per month, request -> claim time, claim -> scheduled time, completion rate, repeat
--               students; quality: average student and mentor rating (plus the student rating distribution,
--               the plan's "satisfaction scores"), follow-up-needed rate; efficiency: no-show rate,
--               cancellation rates;
--   and the same figures per session type.
-- Scope: the COHORT of requests created in [since, until) (NULL = unbounded), and everything that happened to
-- them, whenever it happened (claims, sessions, ratings). Times come from the event log (the first
-- request.claimed after request.created; each request.scheduled after the claim before it), so releases and
-- re-claims are counted honestly. Session rates are over sessions that ended (completed, cancelled or
-- no-show); a rate with nothing to divide by is null, never 0. Months are calendar months in UTC.

-- part / whole rounded to 4 decimals; null when whole is 0.
create function private.rate(part bigint, whole bigint)
returns numeric
language sql
immutable
set search_path = ''
as $$
    select case when whole > 0 then round(part::numeric / whole, 4) end
$$;

comment on function private.rate(bigint, bigint) is
'part / whole rounded to 4 decimals, or null when whole is 0 (a rate of nothing is unknown, not 0).';

create function public.mini_mentorship_analytics(since timestamptz default null, until timestamptz default null)
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
begin
    if not private.is_admin() then
        raise exception using
            errcode = '42501',
            message = 'Only admins can see mini-mentorship analytics.',
            detail = format('Signed in as %s.', caller),
            hint = 'not_admin';
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

comment on function public.mini_mentorship_analytics(timestamptz, timestamptz) is
'getAnalytics, admins only (42501 not_admin; 42501 not_authenticated without a user). For the requests created '
'in [since, until) (null = unbounded; since > until is 22023 since): requests, requests_by_status, '
'requests_per_month (UTC), students / repeat_students / repeat_student_rate, claimed_requests, claim_rate, '
'average_request_to_claim_seconds and average_claim_to_scheduled_seconds (from the event log), sessions and '
'their completion_rate / no_show_rate / session_cancellation_rate (over ended sessions), '
'request_cancellation_rate, follow_up_needed_rate, average_student_rating / average_mentor_rating with '
'counts and the student rating distribution, and by_session_type: the same figures per session type. Rates '
'are 0-1 with 4 decimals, null when there is nothing to divide by.';

revoke execute on function private.rate(bigint, bigint) from public, anon, authenticated, service_role;
revoke execute on function public.mini_mentorship_analytics(timestamptz, timestamptz)
from public, anon, service_role;
grant execute on function public.mini_mentorship_analytics(timestamptz, timestamptz) to authenticated;
