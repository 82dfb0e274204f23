-- The request sweeps run by the cron tick (`mini-mentorship tick` or pg_cron -> private.tick()).
--
-- * private.expire_requests(): open requests past expires_at become expired (DESIGN §5: 7 days after
--   creation; browse already hides them the moment they pass expires_at, the sweep makes it final).
-- * private.release_stale_claims(older_than): claims not scheduled within older_than (default 72 hours) go
--   back to open, recorded as a release by the system (actor null) in the event trail.
-- Both go through the transition trigger like any other writer, skip rows another transaction holds (a claim
-- or cancel in flight wins; the next tick retries), and return how many rows they changed. They live in
-- `private` and no API role may execute them.

-- Expires every open request whose expires_at has passed; returns how many.
create function private.expire_requests()
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    expired_count integer;
begin
    with due as (
        select r.id
        from public.mini_mentorship_requests as r
        where r.status = 'open' and r.expires_at <= now()
        for update skip locked
    )

    update public.mini_mentorship_requests as r
    set status = 'expired'
    from due
    where r.id = due.id;
    get diagnostics expired_count = row_count;
    return expired_count;
end
$$;

comment on function private.expire_requests() is
'Cron sweep: open requests past expires_at -> expired (events record actor null, role system). Skips rows '
'locked by a concurrent claim or cancel. Returns the number expired. Not callable through the API.';

-- Releases claims older than older_than that were never scheduled; returns how many.
create function private.release_stale_claims(older_than interval default interval '72 hours')
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    released_count integer;
begin
    if older_than is null or older_than < interval '0' then
        raise exception using
            errcode = '22023',
            message = 'older_than must be a non-negative interval.',
            hint = 'older_than';
    end if;

    with due as (
        select r.id
        from public.mini_mentorship_requests as r
        where r.status = 'claimed' and r.claimed_at <= now() - release_stale_claims.older_than
        for update skip locked
    )

    update public.mini_mentorship_requests as r
    set
        status = 'open',
        last_release_reason = format(
            'Released automatically: not scheduled within %s of being claimed.', release_stale_claims.older_than
        )
    from due
    where r.id = due.id;
    get diagnostics released_count = row_count;
    return released_count;
end
$$;

comment on function private.release_stale_claims(interval) is
'Cron sweep: claimed requests whose claim is older than older_than (default 72 hours) and still unscheduled '
'-> open (release_count + 1, last_released_by null, an event with role system). 22023 / older_than for a '
'null or negative interval. Returns the number released. Not callable through the API.';

revoke execute on function private.expire_requests() from public, anon, authenticated, service_role;
revoke execute on function private.release_stale_claims(interval) from public, anon, authenticated, service_role;
