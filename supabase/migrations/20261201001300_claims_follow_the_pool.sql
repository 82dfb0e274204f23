-- Claims follow pool membership, releases cannot push a request's life out forever, and the next mentor does
-- not read the previous mentor's release (security hardening, issue 8 part 5, request side).
--
-- * private.release_departed_claims(): a cron sweep that reopens every claimed, unscheduled request whose
--   mentor is no longer a pool mentor (a mentor removed from the pool kept reading the student's links). Like
--   the sweeps of 20261130001400 it skips rows another transaction holds and returns how many it changed; the
--   event records actor null (system) and a reason saying the mentor left the matching pool.
-- * private.guard_request_transition (which also lets an account deletion's ON DELETE SET NULL through,
--   private.user_was_deleted of 20261201000100):
--   - reopening (release, stale claim, departed mentor, session cancelled by the mentor) gives other mentors
--     at least a week, but never moves expires_at beyond created_at + private.settings().max_request_lifetime;
--   - a claim clears last_released_by and last_release_reason: the new mentor reads the request row, and
--     the release history stays in the event trail for the student and admins.
-- * The events policy: a claiming mentor reads a request's events only from their current claim on (the
--   request.claimed event that gave them the request and everything after it), not earlier mentors' releases.

create or replace function private.guard_request_transition()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
    if new.id is distinct from old.id or new.student_id is distinct from old.student_id then
        raise exception using
            errcode = '22023',
            message = 'A request''s id and student cannot change.',
            hint = 'student_id';
    end if;

    -- Columns only the database writes keep their values unless the transition below sets them.
    new.claimed_at := old.claimed_at;
    new.release_count := old.release_count;
    new.last_released_at := old.last_released_at;
    new.last_released_by := case
        when private.user_was_deleted(old.last_released_by, new.last_released_by) then null
        else old.last_released_by
    end;
    new.cancelled_at := old.cancelled_at;
    new.cancelled_by := case
        when private.user_was_deleted(old.cancelled_by, new.cancelled_by) then null
        else old.cancelled_by
    end;
    new.expired_at := old.expired_at;
    new.completed_at := old.completed_at;

    if new.status is not distinct from old.status then
        if new.claimed_by_mentor_id is distinct from old.claimed_by_mentor_id
            and not (
                old.status not in ('claimed', 'scheduled')
                and private.user_was_deleted(old.claimed_by_mentor_id, new.claimed_by_mentor_id)
            ) then
            raise exception using
                errcode = 'PT409',
                message = 'The claiming mentor changes only by claiming or releasing the request.',
                hint = 'invalid_transition';
        end if;
        new.cancellation_reason := old.cancellation_reason;
        new.last_release_reason := old.last_release_reason;
        return new;
    end if;

    if not (old.status, new.status) in (
        ('open', 'claimed'),
        ('claimed', 'scheduled'),
        ('scheduled', 'completed'),
        ('open', 'cancelled'),
        ('claimed', 'cancelled'),
        ('open', 'expired'),
        ('claimed', 'open'),
        ('scheduled', 'open'),
        ('scheduled', 'cancelled')
    ) then
        perform private.raise_invalid_transition('request', old.status, new.status);
    end if;

    -- A scheduled request is cancelled only after its session ended (the student or an admin cancelled it,
    -- or the student did not show up). While a live session exists, cancel the session instead.
    if old.status = 'scheduled' and new.status = 'cancelled' and exists (
        select
        from public.mini_mentorship_sessions as s
        where s.request_id = old.id and s.status in ('scheduled', 'in-progress')
    ) then
        perform private.raise_invalid_transition('request', old.status, new.status);
    end if;

    if new.status <> 'cancelled' then
        new.cancellation_reason := old.cancellation_reason;
    end if;
    if new.status <> 'open' then
        new.last_release_reason := old.last_release_reason;
    end if;
    if new.status not in ('claimed', 'open') then
        new.claimed_by_mentor_id := old.claimed_by_mentor_id;
    end if;

    case new.status
        when 'claimed' then
            if new.claimed_by_mentor_id is null then
                raise exception using
                    errcode = '22023',
                    message = 'A claimed request needs the claiming mentor.',
                    hint = 'claimed_by_mentor_id';
            end if;
            if old.expires_at <= now() then
                raise exception using
                    errcode = 'PT409',
                    message = 'This request has expired and can no longer be claimed.',
                    hint = 'request_not_open';
            end if;
            new.claimed_at := now();
            -- The new mentor starts fresh: who released it before and why stays in the event trail (which
            -- the student and admins read), not on the row the new mentor reads.
            new.last_released_by := null;
            new.last_release_reason := null;
        when 'open' then
            -- Back in the pool (released, stale claim, the mentor left the pool or cancelled the session):
            -- give other mentors at least a week to claim it, but never beyond the request's total lifetime.
            new.expires_at := least(
                greatest(old.expires_at, now() + interval '7 days'),
                old.created_at + (private.settings()).max_request_lifetime
            );
            new.claimed_by_mentor_id := null;
            new.claimed_at := null;
            new.release_count := old.release_count + 1;
            new.last_released_at := now();
            new.last_released_by := (select auth.uid());
        when 'cancelled' then
            new.cancelled_at := now();
            new.cancelled_by := (select auth.uid());
        when 'expired' then
            new.expired_at := now();
        when 'completed' then
            new.completed_at := now();
        else
            null;
    end case;
    return new;
end
$$;

comment on function private.guard_request_transition() is
'Trigger function (before update on mini_mentorship_requests): enforces the request state machine for every '
'writer (PT409 invalid_transition otherwise; scheduled -> cancelled only once no live session remains), keeps '
'id and student fixed, and sets the transition columns (claimed_at, release_count, '
'last_released_*, cancelled_*, expired_at, completed_at) itself. Reopening pushes expires_at to at least a '
'week ahead but never past created_at + private.settings().max_request_lifetime; claiming clears '
'last_released_by / last_release_reason (history stays in the events). A reference column may go to NULL '
'only when its user was deleted.';

-- Releases every claimed (unscheduled) request whose mentor left the matching pool; returns how many.
create function private.release_departed_claims()
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    released_count integer;
begin
    with due as (
        select r.id
        from public.mini_mentorship_requests as r
        where
            r.status = 'claimed'
            and not coalesce(private.is_pool_mentor(r.claimed_by_mentor_id), false)
        for update skip locked
    )

    update public.mini_mentorship_requests as r
    set
        status = 'open',
        last_release_reason = 'Released automatically: the mentor left the matching pool.'
    from due
    where r.id = due.id;
    get diagnostics released_count = row_count;
    return released_count;
end
$$;

comment on function private.release_departed_claims() is
'Cron sweep: claimed, unscheduled requests whose mentor is no longer a mentor in the matching pool -> open '
'(release_count + 1, last_released_by null, an event with role system and the reason "the mentor left the '
'matching pool"). Skips rows locked by a concurrent transaction. Returns the number released. Not callable '
'through the API.';

revoke execute on function private.release_departed_claims() from public, anon, authenticated, service_role;

alter policy "Request participants and admins can read the history"
on public.mini_mentorship_events
using (
    (select private.is_admin())
    or exists (
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
