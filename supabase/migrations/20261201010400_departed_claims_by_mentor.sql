-- The departed-claims sweep asks the people adapter once per mentor, not once per claim (issue 15).
--
-- private.release_departed_claims() (newest: 20261201010200) filtered every claimed request with
-- `not coalesce(private.is_pool_mentor(claimed_by_mentor_id), false)`: measured at 1,000,000 requests with
-- 30,000 live claims, it called the adapter 30,000 times to find the 100 claims of the few mentors who left
-- the pool (6.5 times slower than at 10,000 requests). Claims are held by far fewer mentors than there are
-- claims (the claim limit bounds each mentor's share), so the sweep now:
-- 1. lists the distinct mentors holding a live claim with a loose index scan (a recursive CTE that jumps to
--    the next greater mentor id in mini_mentorship_requests_live_claims_idx: one index probe per mentor);
-- 2. keeps those for whom private.is_pool_mentor() is not true (still the one source of truth, asked once
--    per mentor, NULL counting as "not in the pool");
-- 3. releases their claims as before: batches of at most 500, oldest claimed_at first, `for update skip
--    locked`, looping until a batch comes back short, read through the same index by mentor.
-- Same rows released, same reason, same events and emails (the triggers), same count returned; with nobody
-- departed the sweep ends after step 2.

create or replace function private.release_departed_claims()
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    batch_size constant integer := 500;
    batch_count integer;
    released_count integer := 0;
    departed uuid[];
begin
    with recursive holders (mentor_id) as (
        (
            select r.claimed_by_mentor_id
            from public.mini_mentorship_requests as r
            where r.status = 'claimed' and r.claimed_by_mentor_id is not null
            order by r.claimed_by_mentor_id
            limit 1
        )

        union all

        select next_holder.mentor_id
        from holders as h
        cross join lateral (
            select r.claimed_by_mentor_id as mentor_id
            from public.mini_mentorship_requests as r
            where r.status = 'claimed' and r.claimed_by_mentor_id > h.mentor_id
            order by r.claimed_by_mentor_id
            limit 1
        ) as next_holder
    )

    select coalesce(array_agg(h.mentor_id), '{}')
    into departed
    from holders as h
    where not coalesce(private.is_pool_mentor(h.mentor_id), false);

    if cardinality(departed) = 0 then
        return 0;
    end if;

    loop
        with due as (
            select r.id
            from public.mini_mentorship_requests as r
            where r.status = 'claimed' and r.claimed_by_mentor_id = any(departed)
            order by r.claimed_at
            limit batch_size
            for update skip locked
        )

        update public.mini_mentorship_requests as r
        set
            status = 'open',
            last_release_reason = 'Released automatically: the mentor left the matching pool.'
        from due
        where r.id = due.id;
        get diagnostics batch_count = row_count;
        released_count := released_count + batch_count;
        exit when batch_count < batch_size;
    end loop;
    return released_count;
end
$$;

comment on function private.release_departed_claims() is
'Cron sweep: claimed, unscheduled requests whose mentor is no longer a mentor in the matching pool -> open '
'(release_count + 1, last_released_by null, an event with role system and the reason "the mentor left the '
'matching pool"). Lists the mentors holding live claims by a loose index scan of '
'mini_mentorship_requests_live_claims_idx and asks private.is_pool_mentor once per mentor, then releases the '
'departed mentors'' claims in batches of at most 500, oldest claim first. Skips rows locked by a concurrent '
'transaction. Returns the number released. Not callable through the API.';

revoke execute on function private.release_departed_claims() from public, anon, authenticated, service_role;
