-- Mentor capacity: a pool mentor holds at most private.settings().max_claims_per_mentor claimed, unscheduled
-- requests at once (issue 12 part 6, the marketplace fairness rule that keeps one mentor from hoarding).
--
-- * private.settings gains max_claims_per_mentor (default 3, between 1 and 100): the operator changes it with
--   one UPDATE, like the other limits.
-- * private.check_claim_limit(mentor) counts the mentor's requests in status 'claimed' (claimed_by_mentor_id =
--   mentor) and raises PT409 / claim_limit when they hold the limit already. Scheduling a session (claimed ->
--   scheduled), releasing (claimed -> open) and a cancellation by the student (claimed -> cancelled) free a
--   slot. Serialised per mentor with a transaction-level advisory lock, as private.check_release_limit does
--   for releases: two claims by the same mentor at limit - 1 cannot both pass the count (the second waits for
--   the first to commit, then counts again with a fresh snapshot).
-- * private.claim_mini_request (newest definition: 20261201001100) checks the limit after pool membership and
--   before it reads the request: the limit needs no row, so by the existence rule (docs/security.md) it
--   answers the same for every id, a made-up one included. Everything else is unchanged.

alter table private.settings
add column max_claims_per_mentor integer not null default 3
constraint settings_max_claims_per_mentor_bounded check (max_claims_per_mentor between 1 and 100);

comment on column private.settings.max_claims_per_mentor is
'How many claimed, not yet scheduled requests one mentor may hold at once (default 3, 1-100): claim answers '
'PT409 claim_limit beyond it. Scheduling, releasing or a cancellation frees a slot.';

-- Refuses a claim when the mentor already holds the limit (PT409). Serialised per mentor.
create function private.check_claim_limit(mentor_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    max_claims integer := (private.settings()).max_claims_per_mentor;
    held integer;
begin
    perform pg_catalog.pg_advisory_xact_lock(
        pg_catalog.hashtextextended('mini_mentorship.claim_limit:' || check_claim_limit.mentor_id::text, 0)
    );
    select count(*) into held
    from public.mini_mentorship_requests as r
    where r.claimed_by_mentor_id = check_claim_limit.mentor_id and r.status = 'claimed';
    if held >= max_claims then
        raise exception using
            errcode = 'PT409',
            message = format(
                'You already hold %s claimed requests without a session (the most one mentor can hold). '
                || 'Schedule a session for one of them or release one, then claim this one.',
                held
            ),
            detail = format('At most %s claimed, unscheduled requests per mentor.', max_claims),
            hint = 'claim_limit';
    end if;
end
$$;

comment on function private.check_claim_limit(uuid) is
'Raises PT409 / claim_limit when the mentor already holds private.settings().max_claims_per_mentor requests '
'in status claimed (claimed_by_mentor_id = mentor). Takes a per-mentor advisory lock (held to the end of the '
'transaction), so concurrent claims by one mentor are counted one after the other.';

revoke execute on function private.check_claim_limit(uuid) from public, anon, authenticated, service_role;

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
'claimRequest. A mentor in the matching pool claims an open, unexpired request (not their own). Errors: '
'22023 request_id (null), 42501 not_authenticated / anonymous_user / not_pool_mentor / own_request, PT409 '
'claim_limit (the caller already holds private.settings().max_claims_per_mentor claimed, unscheduled '
'requests; checked before the id is looked up), PT404 request_not_found (no such id), PT409 request_not_open '
'(already claimed, cancelled or expired; also every loser of a concurrent claim). Returns the claimed request, '
'now including the student''s resume and portfolio links. Security invoker; the work is done by '
'private.claim_mini_request.';
