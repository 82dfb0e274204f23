-- Deleting an account must not trip the transition guards (security hardening, issue 8).
--
-- Several history columns reference public.users with ON DELETE SET NULL (who released, cancelled or marked
-- a no-show; the mentor of a finished request). When an account is deleted, PostgreSQL's referential action
-- updates those rows, and the guards used to restore the old value (these columns are "written only by the
-- database"), so the delete failed. The guards now let exactly that change through: a reference column may go
-- from a user id to NULL when that user no longer exists. Live claims and sessions never reach this point:
-- the account-deletion handler releases and cancels them first.

-- True when a reference column is being cleared because the user it named was deleted.
create function private.user_was_deleted(old_ref uuid, new_ref uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
    select
        new_ref is null
        and old_ref is not null
        and not exists (select from public.users as u where u.id = old_ref)
$$;

comment on function private.user_was_deleted(uuid, uuid) is
'True when a reference column goes from a user id to NULL because that user no longer exists in public.users '
'(the ON DELETE SET NULL action of an account deletion). Never NULL. Used by the transition guards.';

revoke execute on function private.user_was_deleted(uuid, uuid) from public, anon, authenticated, service_role;

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
        when 'open' then
            -- Back in the pool (released, stale claim, or the mentor cancelled the session): give other
            -- mentors at least a week to claim it.
            new.expires_at := greatest(old.expires_at, now() + interval '7 days');
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

create or replace function private.guard_session_transition()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
    if new.id is distinct from old.id
        or new.request_id is distinct from old.request_id
        or new.student_id is distinct from old.student_id
        or new.mentor_id is distinct from old.mentor_id then
        raise exception using
            errcode = '22023',
            message = 'A session''s request, student and mentor cannot change.',
            hint = 'session_id';
    end if;

    -- Columns only the database writes keep their values unless set below.
    new.sequence := old.sequence;
    new.started_at := old.started_at;
    new.ended_at := old.ended_at;
    new.rescheduled_at := old.rescheduled_at;
    new.cancelled_at := old.cancelled_at;
    new.cancelled_by := case
        when private.user_was_deleted(old.cancelled_by, new.cancelled_by) then null
        else old.cancelled_by
    end;
    new.no_show_marked_by := case
        when private.user_was_deleted(old.no_show_marked_by, new.no_show_marked_by) then null
        else old.no_show_marked_by
    end;
    new.no_show_marked_at := old.no_show_marked_at;
    new.created_at := old.created_at;

    -- Attendance: the first join is stamped with the database clock and never moves afterwards.
    if old.student_joined_at is not null or new.student_joined_at is null then
        new.student_joined_at := old.student_joined_at;
    else
        new.student_joined_at := now();
    end if;
    if old.mentor_joined_at is not null or new.mentor_joined_at is null then
        new.mentor_joined_at := old.mentor_joined_at;
    else
        new.mentor_joined_at := now();
    end if;

    -- Reschedule: only while scheduled; bumps the ICS sequence.
    if new.scheduled_at is distinct from old.scheduled_at
        or new.duration_minutes is distinct from old.duration_minutes then
        if old.status <> 'scheduled' or new.status is distinct from 'scheduled' then
            raise exception using
                errcode = 'PT409',
                message = format('Only a scheduled session can be moved; this one is "%s".', old.status),
                hint = 'session_not_scheduled';
        end if;
        new.sequence := old.sequence + 1;
        new.rescheduled_at := now();
    else
        new.reschedule_reason := old.reschedule_reason;
    end if;

    if new.status is not distinct from old.status then
        new.cancellation_reason := old.cancellation_reason;
        new.no_show_absent := old.no_show_absent;
        return new;
    end if;

    if not (old.status, new.status) in (
        ('scheduled', 'in-progress'),
        ('in-progress', 'completed'),
        ('scheduled', 'cancelled'),
        ('in-progress', 'cancelled'),
        ('scheduled', 'no-show'),
        ('in-progress', 'no-show')
    ) then
        perform private.raise_invalid_transition('session', old.status, new.status);
    end if;

    if new.status <> 'cancelled' then
        new.cancellation_reason := old.cancellation_reason;
    end if;
    if new.status <> 'no-show' then
        new.no_show_absent := old.no_show_absent;
    end if;

    case new.status
        when 'in-progress' then
            new.started_at := now();
        when 'completed' then
            new.ended_at := now();
        when 'cancelled' then
            new.cancelled_at := now();
            new.cancelled_by := (select auth.uid());
            new.sequence := old.sequence + 1;
        when 'no-show' then
            if new.no_show_absent is null or new.no_show_absent not in ('student', 'mentor', 'both') then
                raise exception using
                    errcode = '22023',
                    message = 'Say who was absent: student, mentor or both.',
                    hint = 'absent';
            end if;
            new.no_show_marked_by := (select auth.uid());
            new.no_show_marked_at := now();
        else
            null;
    end case;
    return new;
end
$$;
