-- Session visibility and the session state machine, fail closed (security hardening, issue 8 parts 1 and 4).
--
-- * private.lock_visible_session compared the caller with `in (student_id, mentor_id)`; a NULL on either side
--   made the predicate NULL, and `not NULL` does not raise. Every security predicate of the session RPCs is
--   now two-valued: coalesce(..., false) around the whole test, `is distinct from` for "not this person".
-- * private.session_side names the caller's side of a session (student, mentor or null) once, NULL-safe, so
--   the RPCs stop repeating `caller in (...)`.
-- * private.lock_claimed_request is the scheduling twin of lock_visible_request: same read rule
--   (private.can_see_request) but an unknown answer counts as "cannot see".
-- * Attendance is evidence, for every writer: the transition guard (which also lets an account deletion's
--   ON DELETE SET NULL through, private.user_was_deleted of 20261201000100) refuses a no-show that names as
--   absent a participant who joined (PT409 participant_attended).

-- The session, locked for the rest of the transaction, when the caller may see it; PT404 otherwise.
create or replace function private.lock_visible_session(session_id uuid, caller uuid)
returns public.mini_mentorship_sessions
language plpgsql
volatile
set search_path = ''
as $$
declare
    target public.mini_mentorship_sessions;
begin
    select s.* into target
    from public.mini_mentorship_sessions as s
    where s.id = lock_visible_session.session_id
    for update;
    if not found
        or not coalesce(
            lock_visible_session.caller is not null
            and (
                lock_visible_session.caller = target.student_id
                or lock_visible_session.caller = target.mentor_id
                or private.is_admin()
            ),
            false
        ) then
        perform private.raise_session_not_found();
    end if;
    return target;
end
$$;

comment on function private.lock_visible_session(uuid, uuid) is
'Returns the session locked FOR UPDATE if the caller (not null) is one of its participants or an admin; '
'raises PT404 / session_not_found otherwise, including when any part of the test is unknown (never '
'revealing whether it exists). Shared by the session RPC implementations.';

-- The caller's side of a session.
create function private.session_side(session public.mini_mentorship_sessions, caller uuid)
returns text
language sql
immutable
set search_path = ''
as $$
    select case
        when session_side.caller is null then null
        when session_side.caller = (session_side.session).student_id then 'student'
        when session_side.caller = (session_side.session).mentor_id then 'mentor'
    end
$$;

comment on function private.session_side(public.mini_mentorship_sessions, uuid) is
'student or mentor: the side of the session the caller is on; null for anyone else (admins included) and for '
'a null caller. Compare its result with `is not distinct from`.';

-- The request to schedule, locked, when the caller may see it; PT404 otherwise (an unknown answer included).
create function private.lock_claimed_request(request_id uuid, caller uuid)
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
                target.expires_at
            ),
            false
        ) then
        perform private.raise_request_not_found();
    end if;
    return target;
end
$$;

comment on function private.lock_claimed_request(uuid, uuid) is
'Returns the request locked FOR UPDATE if the caller may see it (private.can_see_request, where an unknown '
'answer counts as no); raises PT404 / request_not_found otherwise. Used by schedule_mini_session.';

-- The session state machine.
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
            -- Attendance is evidence: a participant who joined was not absent.
            if (new.no_show_absent in ('student', 'both') and old.student_joined_at is not null)
                or (new.no_show_absent in ('mentor', 'both') and old.mentor_joined_at is not null) then
                raise exception using
                    errcode = 'PT409',
                    message = 'That participant joined the session, so they cannot be reported absent.',
                    hint = 'participant_attended';
            end if;
            new.no_show_marked_by := (select auth.uid());
            new.no_show_marked_at := now();
        else
            null;
    end case;
    return new;
end
$$;

comment on function private.guard_session_transition() is
'Trigger function (before update on mini_mentorship_sessions): enforces the session state machine for every '
'writer (PT409 invalid_transition otherwise), allows moving only a scheduled session (PT409 '
'session_not_scheduled), refuses a no-show naming as absent a participant who joined (PT409 '
'participant_attended), and sets sequence, started_at, ended_at, cancelled_*, no_show_marked_*, '
'rescheduled_at and the first *_joined_at itself. A reference column may go to null when its user was '
'deleted (private.user_was_deleted).';

revoke execute on function private.lock_visible_session(uuid, uuid) from public, anon, authenticated, service_role;
revoke execute on function private.session_side(public.mini_mentorship_sessions, uuid)
from public, anon, authenticated, service_role;
revoke execute on function private.lock_claimed_request(uuid, uuid) from public, anon, authenticated, service_role;
revoke execute on function private.guard_session_transition() from public, anon, authenticated, service_role;
