-- Read policies whose every arm an index can serve (issue 15 part 1): admins read through RPCs instead.
--
-- The read policies on requests, sessions, availability and events ended in `or (select
-- private.is_admin())`. An arm that is not a condition on a column keeps the planner from the student_id /
-- claimed_by_mentor_id / mentor_id indexes: a student's `from('mini_mentorship_requests').select()` read
-- every row of the table (about 100x slower at 1M rows than the same read with an explicit filter). The row
-- policies now name only the caller's own columns (student_id, claimed_by_mentor_id, mentor_id: a BitmapOr of
-- two index scans; events: request_id = any(private.readable_request_ids()), then the per-row check as
-- before), and admins read another way:
--
-- * public.admin_list_mini_requests / admin_list_mini_sessions / admin_list_mini_availability /
--   admin_list_mini_events: security invoker functions over security definer ones in private (same names),
--   admins only (42501 not_admin), with optional filters, keyset pagination (`after` = the last row's id,
--   22023 after when that row does not exist) and a bounded page (page_size 1..100, default 50: 22023
--   page_size). They run with plan_cache_mode = force_custom_plan, so an absent filter folds away and a given
--   one is served by its index on every call (a cached generic plan could use neither).
-- * Everything else is unchanged: the policies keep every non-admin arm as it was; admins still cancel
--   through the RPCs, and private.is_admin() stays executable by `authenticated` for any host policy that
--   calls it.

-- ---------------------------------------------------------------------------------------------------------
-- Row policies without an admin arm (renamed to say so: policy names are not part of the client contract)
-- ---------------------------------------------------------------------------------------------------------

alter policy "Students, their claiming mentor and admins can read requests"
on public.mini_mentorship_requests
-- squawk-ignore renaming-object
rename to "Students and their claiming mentor can read requests";

alter policy "Students and their claiming mentor can read requests"
on public.mini_mentorship_requests
using (
    student_id = (select auth.uid())
    or claimed_by_mentor_id = (select auth.uid())
);

alter policy "Participants and admins can read sessions"
on public.mini_mentorship_sessions
-- squawk-ignore renaming-object
rename to "Participants can read their sessions";

alter policy "Participants can read their sessions"
on public.mini_mentorship_sessions
using (
    student_id = (select auth.uid())
    or mentor_id = (select auth.uid())
);

alter policy "Mentors and admins can read availability"
on public.mini_mentorship_availability
-- squawk-ignore renaming-object
rename to "Mentors can read their own availability";

alter policy "Mentors can read their own availability"
on public.mini_mentorship_availability
using (mentor_id = (select auth.uid()));

alter policy "Request participants and admins can read the history"
on public.mini_mentorship_events
-- squawk-ignore renaming-object
rename to "Request participants can read the history";

-- The ids of the requests the caller reads (as the caller: the requests policy decides). The events policy
-- starts with `request_id = any(<these>)`, an index condition, so a bare read of the history does not run the
-- exists() below once per event of the whole table.
create function private.readable_request_ids()
returns uuid[]
language sql
stable
set search_path = ''
as $$
    select coalesce(array_agg(r.id), '{}')
    from public.mini_mentorship_requests as r
    where r.student_id = (select auth.uid()) or r.claimed_by_mentor_id = (select auth.uid())
$$;

comment on function private.readable_request_ids() is
'Ids of the requests the caller is the student or the claiming mentor of (security invoker: RLS applies). '
'The events read policy narrows to these first, through the request_id index; never wider than that policy.';

revoke execute on function private.readable_request_ids() from public, anon, authenticated, service_role;
grant execute on function private.readable_request_ids() to authenticated;

alter policy "Request participants can read the history"
on public.mini_mentorship_events
using (
    request_id = any((select private.readable_request_ids())::uuid[])
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

comment on table public.mini_mentorship_requests is
'A student''s request for one short mentorship session. Created with a plain insert (a trigger sets owner, '
'status and expiry); every later change goes through an RPC and a status-transition trigger (DESIGN §5). '
'Readable by its student and the mentor who claimed it; pool mentors browse open requests through '
'browse_mini_requests, admins list every request through admin_list_mini_requests.';
comment on table public.mini_mentorship_sessions is
'A scheduled meeting between the student and the mentor who claimed the request. Written only by RPCs; '
'status changes follow DESIGN §5 (enforced by trigger). Readable by its two participants; admins list every '
'session through admin_list_mini_sessions.';
comment on table public.mini_mentorship_availability is
'Windows when a mentor is (or, with is_available = false, is not) free for sessions. Managed by the owning '
'mentor through from(''mini_mentorship_availability''); admins list all through admin_list_mini_availability.';
comment on table public.mini_mentorship_events is
'Append-only audit trail: one row per creation and status transition of a request or session (plus '
'reschedules and attendance), written by triggers; update, delete and truncate raise for everyone. No '
'foreign keys on purpose: history outlives deleted rows, and a cascade could not delete append-only rows. '
'Readable by the request''s participants; admins list it through admin_list_mini_events. Analytics read '
'from here.';

-- ---------------------------------------------------------------------------------------------------------
-- Shared checks
-- ---------------------------------------------------------------------------------------------------------

-- Returns the caller, or raises 42501 not_authenticated / not_admin.
create function private.require_admin(action text)
returns uuid
language plpgsql
stable
set search_path = ''
as $$
declare
    caller uuid := private.require_signed_in();
begin
    if not coalesce(private.is_admin(), false) then
        raise exception using
            errcode = '42501',
            message = format('Only admins can %s.', require_admin.action),
            hint = 'not_admin';
    end if;
    return caller;
end
$$;

comment on function private.require_admin(text) is
'Returns auth.uid() when the caller is an admin; raises 42501 not_authenticated without a user and 42501 '
'not_admin (message "Only admins can <action>.") otherwise.';

-- Raises 22023 page_size unless 1 <= page_size <= 100.
create function private.check_admin_page_size(page_size integer)
returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
    if check_admin_page_size.page_size is null or check_admin_page_size.page_size not between 1 and 100 then
        perform private.raise_bad_field('page_size', 'page_size must be between 1 and 100.');
    end if;
end
$$;

comment on function private.check_admin_page_size(integer) is
'Raises 22023 / page_size unless the admin listing page size is between 1 and 100.';

-- ---------------------------------------------------------------------------------------------------------
-- admin_list_mini_requests
-- ---------------------------------------------------------------------------------------------------------

create function private.admin_list_mini_requests(
    status text default null,
    student_id uuid default null,
    mentor_id uuid default null,
    after uuid default null,
    page_size integer default 50
)
returns setof public.mini_mentorship_requests
language plpgsql
stable
security definer
set search_path = ''
set plan_cache_mode = force_custom_plan
as $$
declare
    after_created timestamptz;
begin
    perform private.require_admin('list every request');
    perform private.check_admin_page_size(admin_list_mini_requests.page_size);
    if admin_list_mini_requests.status is not null and admin_list_mini_requests.status not in (
        'open', 'claimed', 'scheduled', 'completed', 'cancelled', 'expired'
    ) then
        perform private.raise_bad_field(
            'status', 'status must be open, claimed, scheduled, completed, cancelled or expired.'
        );
    end if;
    if admin_list_mini_requests.after is not null then
        select r.created_at into after_created
        from public.mini_mentorship_requests as r
        where r.id = admin_list_mini_requests.after;
        if not found then
            perform private.raise_bad_field('after', 'This page cursor is not valid; start again from the first page.');
        end if;
    end if;

    return query
    select r.*
    from public.mini_mentorship_requests as r
    where
        (admin_list_mini_requests.status is null or r.status = admin_list_mini_requests.status)
        and (admin_list_mini_requests.student_id is null or r.student_id = admin_list_mini_requests.student_id)
        and (admin_list_mini_requests.mentor_id is null or r.claimed_by_mentor_id = admin_list_mini_requests.mentor_id)
        and (
            admin_list_mini_requests.after is null
            or (r.created_at, r.id) < (after_created, admin_list_mini_requests.after)
        )
    order by r.created_at desc, r.id desc
    limit admin_list_mini_requests.page_size;
end
$$;

comment on function private.admin_list_mini_requests(text, uuid, uuid, uuid, integer) is
'Implementation of public.admin_list_mini_requests (security definer, not exposed: the Data API serves public '
'only). Checks its caller itself; see the public function for the contract.';

create function public.admin_list_mini_requests(
    status text default null,
    student_id uuid default null,
    mentor_id uuid default null,
    after uuid default null,
    page_size integer default 50
)
returns setof public.mini_mentorship_requests
language sql
stable
security invoker
set search_path = ''
as $$
    select *
    from private.admin_list_mini_requests(
        status => admin_list_mini_requests.status,
        student_id => admin_list_mini_requests.student_id,
        mentor_id => admin_list_mini_requests.mentor_id,
        after => admin_list_mini_requests.after,
        page_size => admin_list_mini_requests.page_size
    )
$$;

comment on function public.admin_list_mini_requests(text, uuid, uuid, uuid, integer) is
'getAllRequests, admins only (42501 not_admin; 42501 not_authenticated without a user): every request, newest '
'first (created_at, then id, descending), all columns. Optional filters: status (22023 status if unknown), '
'student_id, mentor_id (the claiming mentor). Keyset pagination: pass the last row''s id as after (22023 '
'after if no such request); page_size 1..100 (default 50; 22023 page_size). Security invoker; the work is '
'done by private.admin_list_mini_requests.';

-- ---------------------------------------------------------------------------------------------------------
-- admin_list_mini_sessions
-- ---------------------------------------------------------------------------------------------------------

create function private.admin_list_mini_sessions(
    status text default null,
    student_id uuid default null,
    mentor_id uuid default null,
    request_id uuid default null,
    after uuid default null,
    page_size integer default 50
)
returns setof public.mini_mentorship_sessions
language plpgsql
stable
security definer
set search_path = ''
set plan_cache_mode = force_custom_plan
as $$
declare
    after_scheduled timestamptz;
begin
    perform private.require_admin('list every session');
    perform private.check_admin_page_size(admin_list_mini_sessions.page_size);
    if admin_list_mini_sessions.status is not null and admin_list_mini_sessions.status not in (
        'scheduled', 'in-progress', 'completed', 'cancelled', 'no-show'
    ) then
        perform private.raise_bad_field(
            'status', 'status must be scheduled, in-progress, completed, cancelled or no-show.'
        );
    end if;
    if admin_list_mini_sessions.after is not null then
        select s.scheduled_at into after_scheduled
        from public.mini_mentorship_sessions as s
        where s.id = admin_list_mini_sessions.after;
        if not found then
            perform private.raise_bad_field('after', 'This page cursor is not valid; start again from the first page.');
        end if;
    end if;

    return query
    select s.*
    from public.mini_mentorship_sessions as s
    where
        (admin_list_mini_sessions.status is null or s.status = admin_list_mini_sessions.status)
        and (admin_list_mini_sessions.student_id is null or s.student_id = admin_list_mini_sessions.student_id)
        and (admin_list_mini_sessions.mentor_id is null or s.mentor_id = admin_list_mini_sessions.mentor_id)
        and (admin_list_mini_sessions.request_id is null or s.request_id = admin_list_mini_sessions.request_id)
        and (
            admin_list_mini_sessions.after is null
            or (s.scheduled_at, s.id) < (after_scheduled, admin_list_mini_sessions.after)
        )
    order by s.scheduled_at desc, s.id desc
    limit admin_list_mini_sessions.page_size;
end
$$;

comment on function private.admin_list_mini_sessions(text, uuid, uuid, uuid, uuid, integer) is
'Implementation of public.admin_list_mini_sessions (security definer, not exposed: the Data API serves public '
'only). Checks its caller itself; see the public function for the contract.';

create function public.admin_list_mini_sessions(
    status text default null,
    student_id uuid default null,
    mentor_id uuid default null,
    request_id uuid default null,
    after uuid default null,
    page_size integer default 50
)
returns setof public.mini_mentorship_sessions
language sql
stable
security invoker
set search_path = ''
as $$
    select *
    from private.admin_list_mini_sessions(
        status => admin_list_mini_sessions.status,
        student_id => admin_list_mini_sessions.student_id,
        mentor_id => admin_list_mini_sessions.mentor_id,
        request_id => admin_list_mini_sessions.request_id,
        after => admin_list_mini_sessions.after,
        page_size => admin_list_mini_sessions.page_size
    )
$$;

comment on function public.admin_list_mini_sessions(text, uuid, uuid, uuid, uuid, integer) is
'getAllSessions, admins only (42501 not_admin; 42501 not_authenticated without a user): every session, latest '
'start first (scheduled_at, then id, descending), all columns. Optional filters: status (22023 status if '
'unknown), student_id, mentor_id, request_id. Keyset pagination: pass the last row''s id as after (22023 after '
'if no such session); page_size 1..100 (default 50; 22023 page_size). Security invoker; the work is done by '
'private.admin_list_mini_sessions.';

-- ---------------------------------------------------------------------------------------------------------
-- admin_list_mini_availability
-- ---------------------------------------------------------------------------------------------------------

create function private.admin_list_mini_availability(
    mentor_id uuid default null,
    after uuid default null,
    page_size integer default 50
)
returns setof public.mini_mentorship_availability
language plpgsql
stable
security definer
set search_path = ''
set plan_cache_mode = force_custom_plan
as $$
declare
    after_from timestamptz;
begin
    perform private.require_admin('list every availability window');
    perform private.check_admin_page_size(admin_list_mini_availability.page_size);
    if admin_list_mini_availability.after is not null then
        select a.available_from into after_from
        from public.mini_mentorship_availability as a
        where a.id = admin_list_mini_availability.after;
        if not found then
            perform private.raise_bad_field('after', 'This page cursor is not valid; start again from the first page.');
        end if;
    end if;

    return query
    select a.*
    from public.mini_mentorship_availability as a
    where
        (admin_list_mini_availability.mentor_id is null or a.mentor_id = admin_list_mini_availability.mentor_id)
        and (
            admin_list_mini_availability.after is null
            or (a.available_from, a.id) < (after_from, admin_list_mini_availability.after)
        )
    order by a.available_from desc, a.id desc
    limit admin_list_mini_availability.page_size;
end
$$;

comment on function private.admin_list_mini_availability(uuid, uuid, integer) is
'Implementation of public.admin_list_mini_availability (security definer, not exposed: the Data API serves '
'public only). Checks its caller itself; see the public function for the contract.';

create function public.admin_list_mini_availability(
    mentor_id uuid default null,
    after uuid default null,
    page_size integer default 50
)
returns setof public.mini_mentorship_availability
language sql
stable
security invoker
set search_path = ''
as $$
    select *
    from private.admin_list_mini_availability(
        mentor_id => admin_list_mini_availability.mentor_id,
        after => admin_list_mini_availability.after,
        page_size => admin_list_mini_availability.page_size
    )
$$;

comment on function public.admin_list_mini_availability(uuid, uuid, integer) is
'Admins only (42501 not_admin; 42501 not_authenticated without a user): every availability window, latest '
'start first (available_from, then id, descending). Optional filter: mentor_id. Keyset pagination: pass the '
'last row''s id as after (22023 after if no such window); page_size 1..100 (default 50; 22023 page_size). '
'Security invoker; the work is done by private.admin_list_mini_availability.';

-- ---------------------------------------------------------------------------------------------------------
-- admin_list_mini_events
-- ---------------------------------------------------------------------------------------------------------

create function private.admin_list_mini_events(
    request_id uuid default null,
    session_id uuid default null,
    after bigint default null,
    page_size integer default 50
)
returns setof public.mini_mentorship_events
language plpgsql
stable
security definer
set search_path = ''
set plan_cache_mode = force_custom_plan
as $$
begin
    perform private.require_admin('read every request''s history');
    perform private.check_admin_page_size(admin_list_mini_events.page_size);

    return query
    select e.*
    from public.mini_mentorship_events as e
    where
        (admin_list_mini_events.request_id is null or e.request_id = admin_list_mini_events.request_id)
        and (admin_list_mini_events.session_id is null or e.session_id = admin_list_mini_events.session_id)
        and (admin_list_mini_events.after is null or e.id < admin_list_mini_events.after)
    order by e.id desc
    limit admin_list_mini_events.page_size;
end
$$;

comment on function private.admin_list_mini_events(uuid, uuid, bigint, integer) is
'Implementation of public.admin_list_mini_events (security definer, not exposed: the Data API serves public '
'only). Checks its caller itself; see the public function for the contract.';

create function public.admin_list_mini_events(
    request_id uuid default null,
    session_id uuid default null,
    after bigint default null,
    page_size integer default 50
)
returns setof public.mini_mentorship_events
language sql
stable
security invoker
set search_path = ''
as $$
    select *
    from private.admin_list_mini_events(
        request_id => admin_list_mini_events.request_id,
        session_id => admin_list_mini_events.session_id,
        after => admin_list_mini_events.after,
        page_size => admin_list_mini_events.page_size
    )
$$;

comment on function public.admin_list_mini_events(uuid, uuid, bigint, integer) is
'Admins only (42501 not_admin; 42501 not_authenticated without a user): the audit trail, newest first (id '
'descending). Optional filters: request_id, session_id. Keyset pagination: pass the last row''s id as after '
'(ids only grow, so any id works); page_size 1..100 (default 50; 22023 page_size). Security invoker; the work '
'is done by private.admin_list_mini_events.';

-- ---------------------------------------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------------------------------------

revoke execute on function private.require_admin(text) from public, anon, authenticated, service_role;
revoke execute on function private.check_admin_page_size(integer) from public, anon, authenticated, service_role;

revoke execute on function
private.admin_list_mini_requests(text, uuid, uuid, uuid, integer),
private.admin_list_mini_sessions(text, uuid, uuid, uuid, uuid, integer),
private.admin_list_mini_availability(uuid, uuid, integer),
private.admin_list_mini_events(uuid, uuid, bigint, integer)
from public, anon, authenticated, service_role;
grant execute on function
private.admin_list_mini_requests(text, uuid, uuid, uuid, integer),
private.admin_list_mini_sessions(text, uuid, uuid, uuid, uuid, integer),
private.admin_list_mini_availability(uuid, uuid, integer),
private.admin_list_mini_events(uuid, uuid, bigint, integer)
to authenticated;

revoke execute on function
public.admin_list_mini_requests(text, uuid, uuid, uuid, integer),
public.admin_list_mini_sessions(text, uuid, uuid, uuid, uuid, integer),
public.admin_list_mini_availability(uuid, uuid, integer),
public.admin_list_mini_events(uuid, uuid, bigint, integer)
from public, anon, authenticated, service_role;
grant execute on function
public.admin_list_mini_requests(text, uuid, uuid, uuid, integer),
public.admin_list_mini_sessions(text, uuid, uuid, uuid, uuid, integer),
public.admin_list_mini_availability(uuid, uuid, integer),
public.admin_list_mini_events(uuid, uuid, bigint, integer)
to authenticated;
