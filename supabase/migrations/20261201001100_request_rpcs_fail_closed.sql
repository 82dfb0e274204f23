-- Request RPCs fail closed, behind security-invoker wrappers (security hardening, issue 8 parts 1, 5, 8, 9).
--
-- * private.can_see_request returned NULL instead of false when a compared column was NULL (an unclaimed
--   request has claimed_by_mentor_id NULL), and `if not NULL` does not raise: a student cancelling someone
--   else's open request was told 42501 not_request_owner where a made-up id gets PT404. Every arm is now
--   coalesced, and every caller check in the request RPCs uses `is distinct from` / coalesce.
-- * Existence rule (docs/security.md, "Existence and refusals: request RPCs"): checks that need no row
--   (signed in, anonymous sign-in, arguments, pool membership, the release limit) come first and answer the
--   same for every id; a caller who may not see a request gets exactly what a made-up id gets (PT404
--   request_not_found). One deliberate exception: to a pool mentor, claim answers PT409 request_not_open for
--   any existing request it cannot claim, because every request was listed to every pool mentor when it was
--   open, and the loser of a claim race must learn that it lost, not that the request vanished.
-- * claim_mini_request, release_mini_request and cancel_mini_request become `security invoker` SQL wrappers
--   over `security definer` implementations of the same name in `private` (not exposed by the Data API), so
--   Supabase's advisor lints 0028/0029 find nothing in public.
-- * Anonymous sign-ins cannot claim (42501 anonymous_user).
-- * A mentor may release at most private.settings().max_releases_per_mentor_per_day claims in any 24 hours
--   (counted from their request.released events): beyond it, PT429 release_limit_reached (HTTP 429).

-- ---------------------------------------------------------------------------------------------------------
-- Visibility, fail closed
-- ---------------------------------------------------------------------------------------------------------

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
    select
        can_see_request.caller is not null
        and (
            coalesce(can_see_request.caller = can_see_request.student_id, false)
            or coalesce(can_see_request.caller = can_see_request.claimed_by_mentor_id, false)
            or coalesce((select private.is_admin()), false)
            or coalesce(
                can_see_request.status = 'open'
                and can_see_request.expires_at > now()
                and private.is_pool_mentor(can_see_request.caller),
                false
            )
        )
$$;

comment on function private.can_see_request(uuid, uuid, uuid, text, timestamptz) is
'True when the caller may know the request exists: its student, its claiming mentor, an admin, or a pool '
'mentor while it is open and unexpired. Never NULL (each arm is coalesced; a NULL caller or column is false). '
'RPCs answer PT404 otherwise.';

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
            target.expires_at
        ),
        false
    ) then
        perform private.raise_request_not_found();
    end if;
    return target;
end
$$;

-- Refuses a release beyond the per-mentor daily limit (PT429). Serialised per mentor with an advisory lock,
-- so two releases at once cannot both pass the count.
create function private.check_release_limit(mentor_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    max_releases integer := (private.settings()).max_releases_per_mentor_per_day;
    recent integer;
    oldest timestamptz;
begin
    perform pg_catalog.pg_advisory_xact_lock(
        pg_catalog.hashtextextended('mini_mentorship.release_limit:' || check_release_limit.mentor_id::text, 0)
    );
    select count(*), min(e.at) into recent, oldest
    from public.mini_mentorship_events as e
    where
        e.actor_id = check_release_limit.mentor_id
        and e.event = 'request.released'
        and e.at > now() - interval '24 hours';
    if recent >= max_releases then
        raise exception using
            errcode = 'PT429',
            message = format(
                'You can release at most %s claimed requests in 24 hours. Schedule the requests you hold, or '
                || 'try again later.',
                max_releases
            ),
            detail = case
                when oldest is null then 'Releasing claims is switched off for now.'
                else format('Next release possible after %s.', oldest + interval '24 hours')
            end,
            hint = 'release_limit_reached';
    end if;
end
$$;

comment on function private.check_release_limit(uuid) is
'Raises PT429 / release_limit_reached (HTTP 429) when the mentor already released '
'private.settings().max_releases_per_mentor_per_day claims (request.released events with actor_id = mentor) '
'in the last 24 hours. System releases (sweeps, actor null) never count. Takes a per-mentor advisory lock.';

-- ---------------------------------------------------------------------------------------------------------
-- claim_mini_request
-- ---------------------------------------------------------------------------------------------------------

create function private.claim_mini_request(request_id uuid)
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
    returning r.* into claimed;

    if not found then
        -- The documented exception to the existence rule (see the header).
        raise exception using
            errcode = 'PT409',
            message = 'This request is no longer open: another mentor claimed it, or it was cancelled or '
            || 'expired.',
            hint = 'request_not_open';
    end if;
    return claimed;
end
$$;

comment on function private.claim_mini_request(uuid) is
'Implementation of public.claim_mini_request (security definer, not exposed: the Data API serves public only). '
'Checks its caller itself; see the public function for the contract.';

create or replace function public.claim_mini_request(request_id uuid)
returns public.mini_mentorship_requests
language sql
volatile
security invoker
set search_path = ''
as $$
    select private.claim_mini_request(request_id => claim_mini_request.request_id)
$$;

comment on function public.claim_mini_request(uuid) is
'claimRequest. A mentor in the matching pool claims an open, unexpired request (not their own). Errors: '
'22023 request_id (null), 42501 not_authenticated / anonymous_user / not_pool_mentor / own_request, PT404 '
'request_not_found (no such id), PT409 request_not_open (already claimed, cancelled or expired; also every '
'loser of a concurrent claim). Returns the claimed request, now including the student''s resume and portfolio '
'links. Security invoker; the work is done by private.claim_mini_request.';

-- ---------------------------------------------------------------------------------------------------------
-- release_mini_request
-- ---------------------------------------------------------------------------------------------------------

create function private.release_mini_request(request_id uuid, reason text)
returns public.mini_mentorship_requests
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    caller uuid := private.require_signed_in();
    why text;
    target public.mini_mentorship_requests;
    released public.mini_mentorship_requests;
begin
    -- Checks that need no row: the same answer for every id.
    if release_mini_request.request_id is null then
        perform private.raise_bad_field('request_id', 'Say which request to release.');
    end if;
    why := private.clean_reason(release_mini_request.reason);
    perform private.check_release_limit(caller);

    target := private.lock_visible_request(release_mini_request.request_id, caller);
    if target.claimed_by_mentor_id is distinct from caller then
        raise exception using
            errcode = '42501',
            message = 'Only the mentor who claimed this request can release it.',
            hint = 'not_claiming_mentor';
    end if;

    update public.mini_mentorship_requests as r
    set
        status = 'open',
        last_release_reason = why
    where
        r.id = release_mini_request.request_id
        and r.status = 'claimed'
        and r.claimed_by_mentor_id = caller
    returning r.* into released;

    if not found then
        raise exception using
            errcode = 'PT409',
            message = case target.status
                when 'scheduled' then
                    'This request already has a scheduled session; cancel the session instead.'
                else format('Only a claimed request can be released; this one is "%s".', target.status)
            end,
            hint = 'request_not_claimed';
    end if;
    return released;
end
$$;

comment on function private.release_mini_request(uuid, text) is
'Implementation of public.release_mini_request (security definer, not exposed: the Data API serves public '
'only). Checks its caller itself; see the public function for the contract.';

create or replace function public.release_mini_request(request_id uuid, reason text)
returns public.mini_mentorship_requests
language sql
volatile
security invoker
set search_path = ''
as $$
    select private.release_mini_request(
        request_id => release_mini_request.request_id, reason => release_mini_request.reason
    )
$$;

comment on function public.release_mini_request(uuid, text) is
'The claiming mentor releases a claimed, unscheduled request back to the pool (claimed -> open; release_count, '
'last_released_* and an event record the history; expires_at never beyond created_at + the request lifetime). '
'Errors: 22023 request_id / reason (missing, blank or > 1000 chars), 42501 not_authenticated / '
'not_claiming_mentor, PT404 request_not_found, PT409 request_not_claimed, PT429 release_limit_reached (more '
'than private.settings().max_releases_per_mentor_per_day releases in 24 hours). Returns the reopened request. '
'Security invoker; the work is done by private.release_mini_request.';

-- ---------------------------------------------------------------------------------------------------------
-- cancel_mini_request
-- ---------------------------------------------------------------------------------------------------------

create function private.cancel_mini_request(request_id uuid, reason text)
returns public.mini_mentorship_requests
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    caller uuid := private.require_signed_in();
    why text;
    target public.mini_mentorship_requests;
    cancelled public.mini_mentorship_requests;
begin
    -- Checks that need no row: the same answer for every id.
    if cancel_mini_request.request_id is null then
        perform private.raise_bad_field('request_id', 'Say which request to cancel.');
    end if;
    why := private.clean_reason(cancel_mini_request.reason);

    target := private.lock_visible_request(cancel_mini_request.request_id, caller);
    if target.student_id is distinct from caller and not coalesce(private.is_admin(), false) then
        raise exception using
            errcode = '42501',
            message = 'Only the student who made this request, or an admin, can cancel it.',
            hint = 'not_request_owner';
    end if;

    update public.mini_mentorship_requests as r
    set
        status = 'cancelled',
        cancellation_reason = why
    where
        r.id = cancel_mini_request.request_id
        and r.status in ('open', 'claimed')
    returning r.* into cancelled;

    if not found then
        raise exception using
            errcode = 'PT409',
            message = case target.status
                when 'scheduled' then
                    'This request already has a scheduled session; cancel the session instead.'
                else format('This request is "%s" and can no longer be cancelled.', target.status)
            end,
            hint = 'request_not_cancellable';
    end if;
    return cancelled;
end
$$;

comment on function private.cancel_mini_request(uuid, text) is
'Implementation of public.cancel_mini_request (security definer, not exposed: the Data API serves public '
'only). Checks its caller itself; see the public function for the contract.';

create or replace function public.cancel_mini_request(request_id uuid, reason text)
returns public.mini_mentorship_requests
language sql
volatile
security invoker
set search_path = ''
as $$
    select private.cancel_mini_request(
        request_id => cancel_mini_request.request_id, reason => cancel_mini_request.reason
    )
$$;

comment on function public.cancel_mini_request(uuid, text) is
'cancelRequest. The request''s student or an admin cancels an open or claimed request (reason stored in '
'cancellation_reason, who and when set by the database). Errors: 22023 request_id / reason, 42501 '
'not_authenticated / not_request_owner (only to callers who may see the request), PT404 request_not_found '
'(missing or not visible), PT409 request_not_cancellable. Returns the cancelled request. Security invoker; the '
'work is done by private.cancel_mini_request.';

revoke execute on function private.check_release_limit(uuid) from public, anon, authenticated, service_role;

revoke execute on function private.claim_mini_request(uuid) from public, anon, service_role;
revoke execute on function private.release_mini_request(uuid, text) from public, anon, service_role;
revoke execute on function private.cancel_mini_request(uuid, text) from public, anon, service_role;
grant execute on function private.claim_mini_request(uuid) to authenticated;
grant execute on function private.release_mini_request(uuid, text) to authenticated;
grant execute on function private.cancel_mini_request(uuid, text) to authenticated;

revoke execute on function public.claim_mini_request(uuid) from public, anon, service_role;
revoke execute on function public.release_mini_request(uuid, text) from public, anon, service_role;
revoke execute on function public.cancel_mini_request(uuid, text) from public, anon, service_role;
grant execute on function public.claim_mini_request(uuid) to authenticated;
grant execute on function public.release_mini_request(uuid, text) to authenticated;
grant execute on function public.cancel_mini_request(uuid, text) to authenticated;
