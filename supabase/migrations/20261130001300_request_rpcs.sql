-- Request RPCs: claim, release and cancel (DESIGN §6).
--
-- Each is `security definer` (the API roles have no UPDATE on requests) and therefore checks its caller
-- itself. Errors follow the API contract: 42501 not allowed, PT404 missing or not visible (never saying
-- which), PT409 wrong state, 22023 bad argument; message for the UI, stable code in `hint`. The state change
-- itself is one conditional UPDATE, so concurrent callers cannot both win, and the transition trigger still
-- guards it. Each returns the updated request row.

-- Shared refusals.
create function private.raise_request_not_found()
returns void
language plpgsql
set search_path = ''
as $$
begin
    raise exception using
        errcode = 'PT404',
        message = 'This request does not exist or is not visible to you.',
        hint = 'request_not_found';
end
$$;

comment on function private.raise_request_not_found() is
'Raises PT404 / request_not_found: the same answer for a missing request and one the caller may not see.';

create function private.require_signed_in()
returns uuid
language plpgsql
stable
set search_path = ''
as $$
declare
    caller uuid := (select auth.uid());
begin
    if caller is null then
        raise exception using
            errcode = '42501',
            message = 'Sign in to do this.',
            hint = 'not_authenticated';
    end if;
    return caller;
end
$$;

comment on function private.require_signed_in() is
'Returns auth.uid() or raises 42501 / not_authenticated when the request carries no user.';

-- A reason given to release or cancel: required, trimmed, at most 1000 characters.
create function private.clean_reason(reason text)
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
    cleaned text := nullif(btrim(reason), '');
begin
    if cleaned is null then
        perform private.raise_bad_field('reason', 'Please give a reason.');
    end if;
    if char_length(cleaned) > 1000 then
        perform private.raise_bad_field('reason', 'The reason can be at most 1000 characters.');
    end if;
    return cleaned;
end
$$;

comment on function private.clean_reason(text) is
'Trims a release or cancellation reason; raises 22023 / reason when it is missing, blank or over 1000 chars.';

-- Whether `caller` may see the request at all (same rule as the read policies plus browsing).
create function private.can_see_request(
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
        caller = can_see_request.student_id
        or caller = can_see_request.claimed_by_mentor_id
        or (select private.is_admin())
        or (
            can_see_request.status = 'open'
            and can_see_request.expires_at > now()
            and private.is_pool_mentor(caller)
        )
$$;

comment on function private.can_see_request(uuid, uuid, uuid, text, timestamptz) is
'True when the caller may know the request exists: its student, its claiming mentor, an admin, or a pool '
'mentor while it is open and unexpired. RPCs answer PT404 otherwise.';

-- The request, locked for the rest of the transaction, when the caller may see it; PT404 otherwise.
-- Called by the security-definer request and session RPCs, so it runs with their rights.
create function private.lock_visible_request(request_id uuid, caller uuid)
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
    if not found or not private.can_see_request(
        lock_visible_request.caller, target.student_id, target.claimed_by_mentor_id, target.status,
        target.expires_at
    ) then
        perform private.raise_request_not_found();
    end if;
    return target;
end
$$;

comment on function private.lock_visible_request(uuid, uuid) is
'Returns the request locked FOR UPDATE if the caller may see it (private.can_see_request); raises PT404 / '
'request_not_found otherwise, never revealing whether it exists. Shared by the request and session RPCs.';

-- ---------------------------------------------------------------------------------------------------------
-- claim_mini_request
-- ---------------------------------------------------------------------------------------------------------

-- claimRequest: a pool mentor takes an open, unexpired request. Callable by authenticated users; of any
-- number of concurrent callers exactly one wins, the others get PT409 request_not_open.
create function public.claim_mini_request(request_id uuid)
returns public.mini_mentorship_requests
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    caller uuid := private.require_signed_in();
    owner_id uuid;
    claimed public.mini_mentorship_requests;
begin
    if claim_mini_request.request_id is null then
        perform private.raise_bad_field('request_id', 'Say which request to claim.');
    end if;
    if not private.is_pool_mentor(caller) then
        raise exception using
            errcode = '42501',
            message = 'Only mentors in the matching pool can claim requests.',
            hint = 'not_pool_mentor';
    end if;

    select r.student_id into owner_id
    from public.mini_mentorship_requests as r
    where r.id = claim_mini_request.request_id;
    if not found then
        perform private.raise_request_not_found();
    end if;
    if owner_id = caller then
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
'claimRequest. A mentor in the matching pool claims an open, unexpired request (not their own). Errors: '
'22023 request_id (null), 42501 not_authenticated / not_pool_mentor / own_request, PT404 request_not_found, '
'PT409 request_not_open (already claimed, cancelled or expired; also every loser of a concurrent claim). '
'Returns the claimed request, now including the student''s resume and portfolio links.';

-- ---------------------------------------------------------------------------------------------------------
-- release_mini_request
-- ---------------------------------------------------------------------------------------------------------

-- The claiming mentor gives a claimed (not yet scheduled) request back to the pool.
create function public.release_mini_request(request_id uuid, reason text)
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
    if release_mini_request.request_id is null then
        perform private.raise_bad_field('request_id', 'Say which request to release.');
    end if;
    why := private.clean_reason(release_mini_request.reason);

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

comment on function public.release_mini_request(uuid, text) is
'The claiming mentor releases a claimed, unscheduled request back to the pool (claimed -> open; release_count, '
'last_released_* and an event record the history). Errors: 22023 request_id / reason (missing, blank or '
'> 1000 chars), 42501 not_authenticated / not_claiming_mentor, PT404 request_not_found, PT409 '
'request_not_claimed. Returns the reopened request.';

-- ---------------------------------------------------------------------------------------------------------
-- cancel_mini_request
-- ---------------------------------------------------------------------------------------------------------

-- cancelRequest: the student who made the request, or an admin, withdraws an open or claimed request.
create function public.cancel_mini_request(request_id uuid, reason text)
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
    if cancel_mini_request.request_id is null then
        perform private.raise_bad_field('request_id', 'Say which request to cancel.');
    end if;
    why := private.clean_reason(cancel_mini_request.reason);

    target := private.lock_visible_request(cancel_mini_request.request_id, caller);
    if target.student_id <> caller and not private.is_admin() then
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

comment on function public.cancel_mini_request(uuid, text) is
'cancelRequest. The request''s student or an admin cancels an open or claimed request (reason stored in '
'cancellation_reason, who and when set by the database). Errors: 22023 request_id / reason, 42501 '
'not_authenticated / not_request_owner, PT404 request_not_found, PT409 request_not_cancellable. Returns the '
'cancelled request.';

revoke execute on function private.raise_request_not_found() from public, anon, authenticated, service_role;
revoke execute on function private.require_signed_in() from public, anon, authenticated, service_role;
revoke execute on function private.clean_reason(text) from public, anon, authenticated, service_role;
revoke execute on function private.can_see_request(uuid, uuid, uuid, text, timestamptz)
from public, anon, authenticated, service_role;
revoke execute on function private.lock_visible_request(uuid, uuid) from public, anon, authenticated, service_role;

revoke execute on function public.claim_mini_request(uuid) from public, anon, service_role;
revoke execute on function public.release_mini_request(uuid, text) from public, anon, service_role;
revoke execute on function public.cancel_mini_request(uuid, text) from public, anon, service_role;
grant execute on function public.claim_mini_request(uuid) to authenticated;
grant execute on function public.release_mini_request(uuid, text) to authenticated;
grant execute on function public.cancel_mini_request(uuid, text) to authenticated;
