-- public.mini_mentorship_events: row level security and grants (source of truth; see requests.sql).
--
-- The audit trail is written by triggers only and is append-only for everyone. A request's student reads that
-- request's history (its session's events included); its claiming mentor reads it from their current claim on
-- (not what earlier mentors did or why they released it); admins read all through admin_list_mini_events.

alter table public.mini_mentorship_events enable row level security;

create policy "Request participants can read the history"
on public.mini_mentorship_events for select to authenticated
using (
    request_id = any((select private.readable_request_ids())::uuid[])  -- the request_id index first
    and exists (
        select
        from public.mini_mentorship_requests as r
        where
            r.id = mini_mentorship_events.request_id
            and (
                r.student_id = (select auth.uid())
                or (
                    r.claimed_by_mentor_id = (select auth.uid())
                    and mini_mentorship_events.at >= r.claimed_at
                )
            )
    )
);

grant select on public.mini_mentorship_events to authenticated, service_role;
