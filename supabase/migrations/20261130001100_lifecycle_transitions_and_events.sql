-- Status machines and the audit trail (DESIGN §5).
--
-- The state machines live in the database, not in the RPCs, so no writer can skip them: the RPCs, the cron
-- sweeps, the service role and a superuser in psql all hit the same triggers.
--
--   request: open -> claimed -> scheduled -> completed; open|claimed -> cancelled; open -> expired;
--            claimed -> open (release, by the mentor or the stale-claim sweep); scheduled -> open (the mentor
--            cancelled the session or missed it, the request reopens); scheduled -> cancelled (the student or
--            an admin cancelled the session, or the student missed it: only once no live session remains)
--   session: scheduled -> in-progress -> completed; scheduled|in-progress -> cancelled;
--            scheduled|in-progress -> no-show
--
-- Anything else raises PT409 with hint `invalid_transition` (HTTP 409) and a message naming both states.
-- Transition timestamps (claimed_at, started_at, ended_at, cancelled_at, ...), the release counter and the
-- ICS sequence are set here from the transaction clock; whatever a writer sends for them is ignored.
-- Every creation and transition (plus reschedules and first joins) is appended to mini_mentorship_events,
-- which nobody can update, delete or truncate.

-- ---------------------------------------------------------------------------------------------------------
-- Who is acting
-- ---------------------------------------------------------------------------------------------------------

-- The caller's part in a change, for the audit trail.
create function private.actor_role(student_id uuid, mentor_ids uuid[])
returns text
language sql
stable
security definer
set search_path = ''
as $$
    select
        case
            when coalesce((select auth.role()), '') = 'service_role' then 'service_role'
            when (select auth.uid()) is null then 'system'
            when (select auth.uid()) = actor_role.student_id then 'student'
            when (select auth.uid()) = any(actor_role.mentor_ids) then 'mentor'
            when (select private.is_admin()) then 'admin'
            else 'user'
        end
$$;

comment on function private.actor_role(uuid, uuid[]) is
'The caller''s part in a change to a request or session: service_role, system (no signed-in user: cron, '
'psql), student, mentor (one of mentor_ids), admin, or user. Written to mini_mentorship_events.actor_role.';

-- Appends one audit row. Called only by the event triggers below.
create function private.record_event(
    entity text,
    event text,
    request_id uuid,
    session_id uuid,
    actor_role text,
    from_status text,
    to_status text,
    reason text,
    detail jsonb
)
returns void
language sql
security definer
set search_path = ''
as $$
    insert into public.mini_mentorship_events (
        entity, event, request_id, session_id, actor_id, actor_role, from_status, to_status, reason, detail
    )
    values (
        record_event.entity,
        record_event.event,
        record_event.request_id,
        record_event.session_id,
        (select auth.uid()),
        record_event.actor_role,
        record_event.from_status,
        record_event.to_status,
        record_event.reason,
        coalesce(record_event.detail, '{}'::jsonb)
    )
$$;

comment on function private.record_event(text, text, uuid, uuid, text, text, text, text, jsonb) is
'Appends one row to mini_mentorship_events with actor_id = auth.uid(). Security definer because the API roles '
'have no INSERT on the audit table; only the lifecycle triggers call it.';

-- Raised by both guards for a transition that is not in the state machine.
create function private.raise_invalid_transition(entity text, from_status text, to_status text)
returns void
language plpgsql
set search_path = ''
as $$
begin
    raise exception using
        errcode = 'PT409',
        message = case
            when from_status is null then
                format('A new %s must start as "%s", not "%s".', entity,
                    case entity when 'request' then 'open' else 'scheduled' end, to_status)
            else format('This %s cannot go from "%s" to "%s".', entity, from_status, to_status)
        end,
        detail = format('%s: %s -> %s', entity, coalesce(from_status, '(new)'), to_status),
        hint = 'invalid_transition';
end
$$;

comment on function private.raise_invalid_transition(text, text, text) is
'Raises PT409 / invalid_transition naming both states. One place so every refusal reads the same.';

-- ---------------------------------------------------------------------------------------------------------
-- Requests
-- ---------------------------------------------------------------------------------------------------------

-- The request state machine (before update).
create function private.guard_request_transition()
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
    new.last_released_by := old.last_released_by;
    new.cancelled_at := old.cancelled_at;
    new.cancelled_by := old.cancelled_by;
    new.expired_at := old.expired_at;
    new.completed_at := old.completed_at;

    if new.status is not distinct from old.status then
        if new.claimed_by_mentor_id is distinct from old.claimed_by_mentor_id then
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

comment on function private.guard_request_transition() is
'Trigger function (before update on mini_mentorship_requests): enforces the request state machine for every '
'writer (PT409 invalid_transition otherwise; scheduled -> cancelled only once no live session remains), keeps '
'id and student fixed, and sets the transition columns (claimed_at, release_count, last_released_*, '
'cancelled_*, expired_at, completed_at; expires_at pushed to at least a week ahead on reopening) itself.';

-- Audit trail for requests (after insert, and after an update that changes the status).
create function private.record_request_event()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
    if tg_op = 'INSERT' then
        perform private.record_event(
            'request', 'request.created', new.id, null,
            private.actor_role(new.student_id, array[]::uuid[]),
            null, new.status, null,
            jsonb_build_object('expires_at', new.expires_at)
        );
    else
        perform private.record_event(
            'request',
            case new.status
                when 'claimed' then 'request.claimed'
                when 'open' then
                    case old.status when 'claimed' then 'request.released' else 'request.reopened' end
                when 'scheduled' then 'request.scheduled'
                when 'completed' then 'request.completed'
                when 'cancelled' then 'request.cancelled'
                when 'expired' then 'request.expired'
            end,
            new.id,
            null,
            private.actor_role(new.student_id, array[old.claimed_by_mentor_id, new.claimed_by_mentor_id]),
            old.status,
            new.status,
            case new.status
                when 'cancelled' then new.cancellation_reason
                when 'open' then new.last_release_reason
            end,
            jsonb_strip_nulls(jsonb_build_object(
                'mentor_id', coalesce(new.claimed_by_mentor_id, old.claimed_by_mentor_id),
                'release_count', case when new.status = 'open' then new.release_count end
            ))
        );
    end if;
    return null;
end
$$;

comment on function private.record_request_event() is
'Trigger function (after insert, after update of status on mini_mentorship_requests): appends request.created '
'/ request.claimed / request.released / request.reopened / request.scheduled / request.completed / '
'request.cancelled / request.expired to mini_mentorship_events.';

create trigger guard_request_transition
before update on public.mini_mentorship_requests
for each row execute function private.guard_request_transition();

create trigger record_request_created
after insert on public.mini_mentorship_requests
for each row execute function private.record_request_event();

create trigger record_request_transition
after update of status on public.mini_mentorship_requests
for each row when (old.status is distinct from new.status)
execute function private.record_request_event();

-- ---------------------------------------------------------------------------------------------------------
-- Sessions
-- ---------------------------------------------------------------------------------------------------------

-- A new session starts clean: scheduled, sequence 0, no lifecycle timestamps, and it belongs to the
-- request's student and the mentor holding the claim.
create function private.guard_session_insert()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
    request record;
begin
    if new.status is distinct from 'scheduled' then
        perform private.raise_invalid_transition('session', null, coalesce(new.status, 'null'));
    end if;

    select r.student_id, r.claimed_by_mentor_id
    into request
    from public.mini_mentorship_requests as r
    where r.id = new.request_id;

    if found then
        if new.student_id is distinct from request.student_id then
            raise exception using
                errcode = '22023',
                message = 'A session''s student must be the student who made the request.',
                hint = 'student_id';
        end if;
        if new.mentor_id is distinct from request.claimed_by_mentor_id then
            raise exception using
                errcode = '22023',
                message = 'A session''s mentor must be the mentor who claimed the request.',
                hint = 'mentor_id';
        end if;
    end if;

    new.sequence := 0;
    new.started_at := null;
    new.ended_at := null;
    new.rescheduled_at := null;
    new.cancelled_at := null;
    new.cancelled_by := null;
    new.cancellation_reason := null;
    new.no_show_absent := null;
    new.no_show_marked_by := null;
    new.no_show_marked_at := null;
    new.student_joined_at := null;
    new.mentor_joined_at := null;
    new.reminder_24hr_sent_at := null;
    new.reminder_1hr_sent_at := null;
    new.created_at := now();
    new.updated_at := now();
    return new;
end
$$;

comment on function private.guard_session_insert() is
'Trigger function (before insert on mini_mentorship_sessions): a session is born scheduled (PT409 '
'invalid_transition otherwise) with sequence 0 and no lifecycle timestamps; its student and mentor must be '
'the request''s student and claiming mentor (22023).';

-- The session state machine (before update).
create function private.guard_session_transition()
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
    new.cancelled_by := old.cancelled_by;
    new.no_show_marked_by := old.no_show_marked_by;
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

comment on function private.guard_session_transition() is
'Trigger function (before update on mini_mentorship_sessions): enforces the session state machine for every '
'writer (PT409 invalid_transition otherwise), allows moving only a scheduled session (PT409 '
'session_not_scheduled), and sets sequence, started_at, ended_at, cancelled_*, no_show_marked_*, '
'rescheduled_at and the first *_joined_at itself.';

-- Audit trail for sessions.
create function private.record_session_event()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
    role text := private.actor_role(new.student_id, array[new.mentor_id]);
begin
    if tg_op = 'INSERT' then
        perform private.record_event(
            'session', 'session.scheduled', new.request_id, new.id, role, null, new.status, null,
            jsonb_build_object(
                'scheduled_at', new.scheduled_at,
                'duration_minutes', new.duration_minutes,
                'mentor_id', new.mentor_id
            )
        );
        return null;
    end if;

    if new.scheduled_at is distinct from old.scheduled_at
        or new.duration_minutes is distinct from old.duration_minutes then
        perform private.record_event(
            'session', 'session.rescheduled', new.request_id, new.id, role, old.status, new.status,
            new.reschedule_reason,
            jsonb_build_object(
                'previous_scheduled_at', old.scheduled_at,
                'scheduled_at', new.scheduled_at,
                'previous_duration_minutes', old.duration_minutes,
                'duration_minutes', new.duration_minutes,
                'sequence', new.sequence
            )
        );
    end if;

    if new.student_joined_at is distinct from old.student_joined_at then
        perform private.record_event(
            'session', 'session.joined', new.request_id, new.id, role, old.status, new.status, null,
            jsonb_build_object('participant', 'student')
        );
    end if;
    if new.mentor_joined_at is distinct from old.mentor_joined_at then
        perform private.record_event(
            'session', 'session.joined', new.request_id, new.id, role, old.status, new.status, null,
            jsonb_build_object('participant', 'mentor')
        );
    end if;

    if new.status is distinct from old.status then
        perform private.record_event(
            'session',
            case new.status
                when 'in-progress' then 'session.started'
                when 'completed' then 'session.completed'
                when 'cancelled' then 'session.cancelled'
                when 'no-show' then 'session.no_show'
            end,
            new.request_id,
            new.id,
            role,
            old.status,
            new.status,
            case when new.status = 'cancelled' then new.cancellation_reason end,
            jsonb_strip_nulls(jsonb_build_object(
                'absent', new.no_show_absent,
                'actual_duration_minutes',
                case when new.status = 'completed' then new.actual_duration_minutes end,
                'sequence', new.sequence
            ))
        );
    end if;
    return null;
end
$$;

comment on function private.record_session_event() is
'Trigger function (after insert or update on mini_mentorship_sessions): appends session.scheduled, '
'session.rescheduled, session.joined, session.started, session.completed, session.cancelled and '
'session.no_show to mini_mentorship_events.';

create trigger guard_session_insert
before insert on public.mini_mentorship_sessions
for each row execute function private.guard_session_insert();

create trigger guard_session_transition
before update on public.mini_mentorship_sessions
for each row execute function private.guard_session_transition();

create trigger record_session_event
after insert or update on public.mini_mentorship_sessions
for each row execute function private.record_session_event();

-- ---------------------------------------------------------------------------------------------------------
-- The audit trail is append-only
-- ---------------------------------------------------------------------------------------------------------

create function private.forbid_event_changes()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
    raise exception using
        errcode = '42501',
        message = 'The mentorship event history is append-only: events cannot be changed or deleted.',
        hint = 'events_append_only';
end
$$;

comment on function private.forbid_event_changes() is
'Trigger function (before update, delete or truncate on mini_mentorship_events): raises 42501 for every role, '
'superuser included, so the audit trail cannot be rewritten.';

create trigger forbid_event_changes
before update or delete on public.mini_mentorship_events
for each row execute function private.forbid_event_changes();

create trigger forbid_event_truncate
before truncate on public.mini_mentorship_events
for each statement execute function private.forbid_event_changes();

revoke execute on function private.actor_role(uuid, uuid[]) from public, anon, authenticated, service_role;
revoke execute on function private.record_event(text, text, uuid, uuid, text, text, text, text, jsonb)
from public, anon, authenticated, service_role;
revoke execute on function private.raise_invalid_transition(text, text, text)
from public, anon, authenticated, service_role;
revoke execute on function private.guard_request_transition() from public, anon, authenticated, service_role;
revoke execute on function private.record_request_event() from public, anon, authenticated, service_role;
revoke execute on function private.guard_session_insert() from public, anon, authenticated, service_role;
revoke execute on function private.guard_session_transition() from public, anon, authenticated, service_role;
revoke execute on function private.record_session_event() from public, anon, authenticated, service_role;
revoke execute on function private.forbid_event_changes() from public, anon, authenticated, service_role;
