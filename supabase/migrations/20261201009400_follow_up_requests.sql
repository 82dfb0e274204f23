-- Follow-up requests with the same mentor (issue 12 part 5): from a completed session the student posts a
-- follow-up request addressed to that session's mentor, who alone sees and can claim it for a while.
--
-- * public.mini_mentorship_requests gains follow_up_of (the completed session it continues; insert-granted),
--   follow_up_exclusive (insert-granted: the student keeps it for that mentor until it expires instead of
--   opening it to the pool when the reservation ends), and reserved_for_mentor_id / reserved_until (set by
--   the database from the session's mentor and private.settings().follow_up_reservation, default 48 hours).
-- * private.guard_request_insert_follow_up (fires after guard_request_insert, by name): the session must be
--   the student's own (22023 follow_up_of otherwise: another student's session answers like a made-up id),
--   completed (PT409 session_not_completed), with a mentor still in the matching pool (PT409
--   mentor_not_available). follow_up_exclusive without follow_up_of is 22023 follow_up_exclusive.
-- * private.guard_request_transition_follow_up (fires after guard_request_transition): the four columns never
--   change after the insert, except to NULL when their session (private.clear_follow_up_of, an after-delete
--   trigger on sessions: requests keep no foreign key to sessions, so the two tables have no cycle) or user
--   (ON DELETE SET NULL) is deleted.
-- * Visibility: private.reserved_for_another(caller, ...) is true while a follow-up is reserved for a mentor
--   other than the caller (exclusive, or reserved_until not passed). Such a request is not visible to the
--   caller: private.can_see_request gains an overload with the reservation columns (the 5-argument form,
--   newest in 20261201001100, now delegates with "no reservation"; the lock helpers pass the row's values),
--   browse_mini_requests (newest: 20261201001200) leaves it out and shows the reserved mentor
--   reserved_for_you_until, and claim_mini_request (newest: 20261201009300) answers PT404 request_not_found
--   exactly as for a made-up id. The reserved mentor must be in the matching pool like any claimer (claims
--   follow the pool: release_departed_claims would reopen a claim of a mentor outside it).
-- * mini_mentorship_analytics (newest: 20261201001200) adds follow_up_requests (overall and per session type).

-- ---------------------------------------------------------------------------------------------------------
-- Setting, columns, grants
-- ---------------------------------------------------------------------------------------------------------

alter table private.settings
add column follow_up_reservation interval not null default interval '48 hours'
constraint settings_follow_up_reservation_bounded check (
    follow_up_reservation between interval '1 hour' and interval '30 days'
);

comment on column private.settings.follow_up_reservation is
'How long a follow-up request is reserved for the mentor of the session it continues (default 48 hours, '
'1 hour - 30 days); afterwards it opens to the pool unless the student chose follow_up_exclusive.';

alter table public.mini_mentorship_requests
add column follow_up_of uuid,
add column follow_up_exclusive boolean not null default false,
-- squawk-ignore adding-foreign-key-constraint
add column reserved_for_mentor_id uuid references public.users (id) on delete set null,
add column reserved_until timestamptz;

comment on column public.mini_mentorship_requests.follow_up_of is
'The completed session (of the same student) this request follows up on; null for an ordinary request. Set '
'only at creation; becomes null if that session is deleted. No foreign key: requests do not reference '
'sessions (no cycle between the two tables); the insert trigger checks it and a sessions trigger clears it.';
comment on column public.mini_mentorship_requests.follow_up_exclusive is
'Follow-ups only: true keeps the request for the session''s mentor until it expires; false (default) opens it '
'to the pool once reserved_until has passed. Set only at creation.';
comment on column public.mini_mentorship_requests.reserved_for_mentor_id is
'Follow-ups only (set by the database): the mentor of the follow_up_of session, the only mentor who sees and '
'can claim the request while it is reserved.';
comment on column public.mini_mentorship_requests.reserved_until is
'Follow-ups only (set by the database): created_at + private.settings().follow_up_reservation. After it a '
'non-exclusive follow-up is an ordinary open request. Never changes, so it also marks follow-ups for analytics.';

-- squawk-ignore require-concurrent-index-creation
create index mini_mentorship_requests_follow_up_of_idx
on public.mini_mentorship_requests (follow_up_of);
-- squawk-ignore require-concurrent-index-creation
create index mini_mentorship_requests_reserved_for_mentor_id_idx
on public.mini_mentorship_requests (reserved_for_mentor_id);

-- The new columns are all NULL / false, so the foreign key needs no real scan; the indexes (for the deletion
-- paths and the reserved mentor's lookups) cannot be built concurrently inside the migration's transaction
-- and take a short lock on a table of requests, not of events. Hence the squawk-ignore lines above.

grant insert (follow_up_of, follow_up_exclusive) on public.mini_mentorship_requests to authenticated;

-- ---------------------------------------------------------------------------------------------------------
-- Insert and update guards
-- ---------------------------------------------------------------------------------------------------------

create function private.guard_request_insert_follow_up()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
    origin public.mini_mentorship_sessions;
begin
    new.reserved_for_mentor_id := null;
    new.reserved_until := null;
    if new.follow_up_of is null then
        if coalesce(new.follow_up_exclusive, false) then
            raise exception using
                errcode = '22023',
                message = 'Only a follow-up of a completed session can be kept for one mentor.',
                hint = 'follow_up_exclusive';
        end if;
        new.follow_up_exclusive := false;
        return new;
    end if;
    new.follow_up_exclusive := coalesce(new.follow_up_exclusive, false);

    select s.* into origin
    from public.mini_mentorship_sessions as s
    where s.id = new.follow_up_of;
    -- Another student's session answers exactly like a made-up id.
    if not found or origin.student_id is distinct from new.student_id then
        raise exception using
            errcode = '22023',
            message = 'A follow-up must continue one of your own completed sessions.',
            hint = 'follow_up_of';
    end if;
    if origin.status is distinct from 'completed' then
        raise exception using
            errcode = 'PT409',
            message = 'You can ask for a follow-up once the session is completed.',
            hint = 'session_not_completed';
    end if;
    if not coalesce(private.is_pool_mentor(origin.mentor_id), false) then
        raise exception using
            errcode = 'PT409',
            message = 'This mentor is not taking requests right now; post an ordinary request instead.',
            hint = 'mentor_not_available';
    end if;

    new.reserved_for_mentor_id := origin.mentor_id;
    new.reserved_until := now() + (private.settings()).follow_up_reservation;
    return new;
end
$$;

comment on function private.guard_request_insert_follow_up() is
'Trigger function (before insert on mini_mentorship_requests, after guard_request_insert): a follow_up_of '
'must be the student''s own session (22023 follow_up_of, the same for a made-up id), completed (PT409 '
'session_not_completed), with a mentor in the matching pool (PT409 mentor_not_available); sets '
'reserved_for_mentor_id and reserved_until (now + private.settings().follow_up_reservation). Without '
'follow_up_of, follow_up_exclusive must be false (22023 follow_up_exclusive) and nothing is reserved.';

create trigger guard_request_insert_follow_up
before insert on public.mini_mentorship_requests
for each row execute function private.guard_request_insert_follow_up();

create function private.guard_request_transition_follow_up()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
    new.follow_up_of := case
        when new.follow_up_of is null and old.follow_up_of is not null and not exists (
            select from public.mini_mentorship_sessions as s where s.id = old.follow_up_of
        ) then null
        else old.follow_up_of
    end;
    new.reserved_for_mentor_id := case
        when private.user_was_deleted(old.reserved_for_mentor_id, new.reserved_for_mentor_id) then null
        else old.reserved_for_mentor_id
    end;
    new.reserved_until := old.reserved_until;
    new.follow_up_exclusive := old.follow_up_exclusive;
    return new;
end
$$;

comment on function private.guard_request_transition_follow_up() is
'Trigger function (before update on mini_mentorship_requests, after guard_request_transition): follow_up_of, '
'follow_up_exclusive, reserved_for_mentor_id and reserved_until keep their values from the insert, except '
'that follow_up_of / reserved_for_mentor_id go to NULL when their session / user was deleted.';

create trigger guard_request_transition_follow_up
before update on public.mini_mentorship_requests
for each row execute function private.guard_request_transition_follow_up();

-- follow_up_of has no foreign key (requests never reference sessions): a deleted session clears it here.
create function private.clear_follow_up_of()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
    update public.mini_mentorship_requests as r
    set follow_up_of = null
    where r.follow_up_of = old.id;
    return null;
end
$$;

comment on function private.clear_follow_up_of() is
'Trigger function (after delete on mini_mentorship_sessions): sets follow_up_of to NULL on the requests that '
'followed up on the deleted session (what ON DELETE SET NULL would do, without a requests -> sessions key).';

create trigger clear_follow_up_of
after delete on public.mini_mentorship_sessions
for each row execute function private.clear_follow_up_of();

-- ---------------------------------------------------------------------------------------------------------
-- Visibility
-- ---------------------------------------------------------------------------------------------------------

create function private.reserved_for_another(
    caller uuid,
    reserved_for_mentor_id uuid,
    reserved_until timestamptz,
    follow_up_exclusive boolean
)
returns boolean
language sql
stable
set search_path = ''
as $$
    select
        reserved_for_another.reserved_for_mentor_id is not null
        and reserved_for_another.reserved_for_mentor_id is distinct from reserved_for_another.caller
        and (
            coalesce(reserved_for_another.follow_up_exclusive, true)
            or coalesce(reserved_for_another.reserved_until > now(), true)
        )
$$;

comment on function private.reserved_for_another(uuid, uuid, timestamptz, boolean) is
'True while a follow-up request is reserved for a mentor other than the caller: reserved_for_mentor_id set '
'and not the caller, and exclusive or reserved_until not yet passed. Never NULL (an unknown flag or time '
'counts as reserved). Such a request is invisible to the caller.';

create function private.can_see_request(
    caller uuid,
    student_id uuid,
    claimed_by_mentor_id uuid,
    status text,
    expires_at timestamptz,
    reserved_for_mentor_id uuid,
    reserved_until timestamptz,
    follow_up_exclusive boolean
)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
    select
        can_see_request.caller is not null
        and (
            coalesce(can_see_request.caller = can_see_request.student_id, false)
            or coalesce(can_see_request.caller = can_see_request.claimed_by_mentor_id, false)
            or coalesce((select private.is_admin()), false)
            or coalesce(
                can_see_request.status = 'open'
                and can_see_request.expires_at > now()
                and private.is_pool_mentor(can_see_request.caller)
                and not private.reserved_for_another(
                    can_see_request.caller, can_see_request.reserved_for_mentor_id,
                    can_see_request.reserved_until, can_see_request.follow_up_exclusive
                ),
                false
            )
        )
$$;

comment on function private.can_see_request(uuid, uuid, uuid, text, timestamptz, uuid, timestamptz, boolean) is
'True when the caller may know the request exists: its student, its claiming mentor, an admin, or a pool '
'mentor while it is open, unexpired and not reserved for another mentor (private.reserved_for_another: a '
'follow-up is seen only by its mentor while reserved). Never NULL. RPCs answer PT404 otherwise.';

create or replace function private.can_see_request(
    caller uuid,
    student_id uuid,
    claimed_by_mentor_id uuid,
    status text,
    expires_at timestamptz
)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
    select private.can_see_request(
        can_see_request.caller, can_see_request.student_id, can_see_request.claimed_by_mentor_id,
        can_see_request.status, can_see_request.expires_at, null, null, false
    )
$$;

comment on function private.can_see_request(uuid, uuid, uuid, text, timestamptz) is
'private.can_see_request for a request without a reservation (not a follow-up). Callers that have the row '
'pass its reservation columns to the 8-argument form instead.';

create or replace function private.lock_visible_request(request_id uuid, caller uuid)
returns public.mini_mentorship_requests
language plpgsql
volatile
set search_path = ''
as $$
declare
    target public.mini_mentorship_requests;
begin
    select r.* into target
    from public.mini_mentorship_requests as r
    where r.id = lock_visible_request.request_id
    for update;
    if not found or not coalesce(
        private.can_see_request(
            lock_visible_request.caller, target.student_id, target.claimed_by_mentor_id, target.status,
            target.expires_at, target.reserved_for_mentor_id, target.reserved_until, target.follow_up_exclusive
        ),
        false
    ) then
        perform private.raise_request_not_found();
    end if;
    return target;
end
$$;

create or replace function private.lock_claimed_request(request_id uuid, caller uuid)
returns public.mini_mentorship_requests
language plpgsql
volatile
set search_path = ''
as $$
declare
    target public.mini_mentorship_requests;
begin
    select r.* into target
    from public.mini_mentorship_requests as r
    where r.id = lock_claimed_request.request_id
    for update;
    if not found
        or lock_claimed_request.caller is null
        or not coalesce(
            private.can_see_request(
                lock_claimed_request.caller, target.student_id, target.claimed_by_mentor_id, target.status,
                target.expires_at, target.reserved_for_mentor_id, target.reserved_until,
                target.follow_up_exclusive
            ),
            false
        ) then
        perform private.raise_request_not_found();
    end if;
    return target;
end
$$;

revoke execute on function private.guard_request_insert_follow_up()
from public, anon, authenticated, service_role;
revoke execute on function private.guard_request_transition_follow_up()
from public, anon, authenticated, service_role;
revoke execute on function private.clear_follow_up_of() from public, anon, authenticated, service_role;
revoke execute on function private.reserved_for_another(uuid, uuid, timestamptz, boolean)
from public, anon, authenticated, service_role;
revoke execute on function private.can_see_request(uuid, uuid, uuid, text, timestamptz, uuid, timestamptz, boolean)
from public, anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------------------
-- claim_mini_request (newest: 20261201009300): a follow-up reserved for another mentor is not found
-- ---------------------------------------------------------------------------------------------------------

create or replace function private.claim_mini_request(request_id uuid)
returns public.mini_mentorship_requests
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    caller uuid := private.require_signed_in();
    target public.mini_mentorship_requests;
    claimed public.mini_mentorship_requests;
begin
    -- Checks that need no row: the same answer for every id.
    perform private.refuse_anonymous('claim requests');
    if claim_mini_request.request_id is null then
        perform private.raise_bad_field('request_id', 'Say which request to claim.');
    end if;
    if not coalesce(private.is_pool_mentor(caller), false) then
        raise exception using
            errcode = '42501',
            message = 'Only mentors in the matching pool can claim requests.',
            hint = 'not_pool_mentor';
    end if;
    perform private.check_claim_limit(caller);

    select r.* into target
    from public.mini_mentorship_requests as r
    where r.id = claim_mini_request.request_id;
    if not found then
        perform private.raise_request_not_found();
    end if;
    if target.student_id = caller then
        raise exception using
            errcode = '42501',
            message = 'You cannot claim your own request.',
            hint = 'own_request';
    end if;
    -- A follow-up reserved for another mentor is invisible to the caller: the answer of a made-up id.
    if private.reserved_for_another(
        caller, target.reserved_for_mentor_id, target.reserved_until, target.follow_up_exclusive
    ) then
        perform private.raise_request_not_found();
    end if;

    -- The race is decided here: the row lock serialises concurrent claims, and a loser re-checks the
    -- WHERE clause against the winner's committed row and updates nothing.
    update public.mini_mentorship_requests as r
    set
        status = 'claimed',
        claimed_by_mentor_id = caller
    where
        r.id = claim_mini_request.request_id
        and r.status = 'open'
        and r.expires_at > now()
        and not private.reserved_for_another(caller, r.reserved_for_mentor_id, r.reserved_until, r.follow_up_exclusive)
    returning r.* into claimed;

    if not found then
        -- The documented exception to the existence rule (docs/security.md).
        raise exception using
            errcode = 'PT409',
            message = 'This request is no longer open: another mentor claimed it, or it was cancelled or '
            || 'expired.',
            hint = 'request_not_open';
    end if;
    return claimed;
end
$$;

comment on function public.claim_mini_request(uuid) is
'claimRequest. A mentor in the matching pool claims an open, unexpired request (not their own); a follow-up '
'only its reserved mentor while it is reserved. Errors: 22023 request_id (null), 42501 not_authenticated / '
'anonymous_user / not_pool_mentor / own_request, PT409 claim_limit (the caller already holds '
'private.settings().max_claims_per_mentor claimed, unscheduled requests; checked before the id is looked up), '
'PT404 request_not_found (no such id, or a follow-up reserved for another mentor), PT409 request_not_open '
'(already claimed, cancelled or expired; also every loser of a concurrent claim). Returns the claimed request, '
'now including the student''s resume and portfolio links. Security invoker; the work is done by '
'private.claim_mini_request.';

-- ---------------------------------------------------------------------------------------------------------
-- browse_mini_requests (newest: 20261201001200): reserved follow-ups only for their mentor
-- ---------------------------------------------------------------------------------------------------------

alter type public.mini_mentorship_request_listing add attribute reserved_for_you_until timestamptz;

comment on column public.mini_mentorship_request_listing.reserved_for_you_until is
'Set when the request is a follow-up reserved for the caller: until then only the caller sees and can claim '
'it (for an exclusive follow-up, its expires_at). Null for every other request.';

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
            and not private.reserved_for_another(
                caller, r.reserved_for_mentor_id, r.reserved_until, r.follow_up_exclusive
            )
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
        ),
        case
            when l.reserved_for_mentor_id = caller and (l.follow_up_exclusive or l.reserved_until > now())
                then case when l.follow_up_exclusive then l.expires_at else l.reserved_until end
        end
    from listed as l
    where key_id is null or (l.sort_key, l.created_at, l.id) < (key_sort, key_created, key_id)
    order by l.sort_key desc, l.created_at desc, l.id desc
    limit browse_mini_requests.page_size;
end
$$;


comment on function public.browse_mini_requests(text[], integer[], text[], text[], text, text, integer) is
'getOpenRequests, for mentors in the matching pool (42501 not_pool_mentor otherwise; 42501 anonymous_user for '
'anonymous sign-ins). Lists open, unexpired requests of other students, without resume_url / portfolio_url. '
'Filters: session_types, durations, urgencies (any of; at most 20 each), tags (overlap, case-insensitive, at '
'most 20); search: websearch syntax over title and description, ranked (search_rank), at most 200 characters. '
'A follow-up reserved for another mentor is left out; the reserved mentor sees it with reserved_for_you_until. '
'Order: urgency then newest, or rank then newest when searching. Keyset pagination: pass the last row''s '
'page_cursor as after (at most 512 bytes); page_size 1..50 (default 20). Bad arguments: 22023 with the '
'argument name as hint. Security invoker; the work is done by private.browse_mini_requests.';

-- ---------------------------------------------------------------------------------------------------------
-- mini_mentorship_analytics (newest: 20261201001200): follow_up_requests
-- ---------------------------------------------------------------------------------------------------------

create or replace function private.mini_mentorship_analytics(
    since timestamptz default null, until timestamptz default null
)
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
'in [since, until) (null = unbounded; each must otherwise be finite and between 1970 and now + '
'max_schedule_ahead: 22023 since / until; since > until is 22023 since): requests, requests_by_status, '
'requests_per_month (UTC), students / repeat_students / repeat_student_rate, claimed_requests, claim_rate, '
'average_request_to_claim_seconds and average_claim_to_scheduled_seconds (from the event log), sessions and '
'their completion_rate / no_show_rate / session_cancellation_rate (over ended sessions), '
'request_cancellation_rate, follow_up_requests (follow-ups of a completed session), follow_up_needed_rate, '
'average_student_rating / average_mentor_rating with counts and the student rating distribution, and '
'by_session_type: the same figures per session type. Rates are 0-1 with 4 decimals, null when there is '
'nothing to divide by. Security invoker; the work is done by private.mini_mentorship_analytics.';
