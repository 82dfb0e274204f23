-- Every notification of DESIGN §8 is queued by the transition that causes it (issue 9).
--
-- Triggers on the lifecycle tables, not the RPC bodies, queue the emails: every writer (the RPCs, the cron
-- sweeps, the service role, a superuser in psql) queues them in the same transaction as its transition, so a
-- transition that rolls back queues nothing. One job per recipient: kind email, a template per event, a
-- payload of ids only, and a dedupe key per purpose (private.enqueue ignores a key it already holds, so a
-- repeated transition queues nothing twice). docs/operations.md lists templates, recipients and keys.
--
-- * Requests: request_created (student); request_claimed (student); request_released (student; also the
--   stale-claim sweep and any other writer moving claimed -> open); request_expired (student);
--   request_cancelled for an open or claimed request (the claiming mentor if any, and the student when
--   someone else cancelled). A scheduled request ends with its session, whose emails say so.
-- * Sessions: session_scheduled (both) once the session has its link: at once when it needs none, otherwise
--   when the link is written (the session no longer waits for one); session_rescheduled (both, per ICS
--   sequence); session_cancelled (both, ICS CANCEL); follow_up on completion (both); session_no_show (both).
--   A session that waits for a link always has a meeting_link job for its current sequence (queued here for
--   every writer; the RPCs' own enqueue is then a no-op), so its scheduled emails cannot be stranded.
-- * The payload carries the id of the mini_mentorship_events row of the transition (event_id). The audit
--   trail is append-only and outlives deleted rows, so a worker can still render, say, a cancellation whose
--   session and request were removed by a cascade before the job ran. The triggers are named to sort after
--   the record_* triggers (PostgreSQL fires triggers of one event in name order), so that row exists.

-- A virtual session on a platform whose link a worker creates, still without a link.
create function private.session_awaits_link(session public.mini_mentorship_sessions)
returns boolean
language sql
immutable
set search_path = ''
as $$
    select coalesce(
        session.meeting_type = 'virtual'
        and session.meeting_link is null
        and session.meeting_platform in ('jitsi', 'zoom', 'google-meet'),
        false
    )
$$;

comment on function private.session_awaits_link(public.mini_mentorship_sessions) is
'True when the session is virtual, on jitsi, zoom or google-meet, and has no meeting_link yet: a worker is '
'to create its link, and its session_scheduled emails wait for it. Never NULL.';

-- The newest audit row of one kind for a request (and session), written earlier in this transaction.
create function private.latest_event_id(request_id uuid, session_id uuid, events text[])
returns bigint
language sql
stable
security definer
set search_path = ''
as $$
    select max(e.id)
    from public.mini_mentorship_events as e
    where
        e.request_id = latest_event_id.request_id
        and e.session_id is not distinct from latest_event_id.session_id
        and e.event = any(latest_event_id.events)
$$;

comment on function private.latest_event_id(uuid, uuid, text[]) is
'Id of the newest mini_mentorship_events row of one of the given events for the request (and session; null '
'= a request event). Lets a notification job point at the audit row of the transition that caused it.';

-- Queues one email for one recipient; the dedupe key is email:<template>:<purpose>:<recipient>.
create function private.enqueue_email(template text, recipient_id uuid, purpose text, payload jsonb)
returns uuid
language sql
volatile
security definer
set search_path = ''
as $$
    select private.enqueue(
        'email',
        enqueue_email.template,
        jsonb_strip_nulls(
            coalesce(enqueue_email.payload, '{}'::jsonb)
            || jsonb_build_object('recipient_id', enqueue_email.recipient_id)
        ),
        format('email:%s:%s:%s', enqueue_email.template, enqueue_email.purpose, enqueue_email.recipient_id)
    )
    where enqueue_email.recipient_id is not null
$$;

comment on function private.enqueue_email(text, uuid, text, jsonb) is
'Queues one email job (kind email) for one recipient: payload = the given ids plus recipient_id (nulls '
'dropped), dedupe key email:<template>:<purpose>:<recipient id>, so queuing it again is a no-op. Returns the '
'job id; does nothing and returns null for a null recipient.';

-- Queues one session email for both participants.
create function private.enqueue_session_email(
    template text,
    session public.mini_mentorship_sessions,
    purpose text,
    event_id bigint
)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    ids jsonb := jsonb_build_object(
        'request_id', session.request_id,
        'session_id', session.id,
        'sequence', session.sequence,
        'event_id', enqueue_session_email.event_id
    );
begin
    perform private.enqueue_email(
        enqueue_session_email.template, session.student_id, enqueue_session_email.purpose,
        ids || jsonb_build_object('recipient_role', 'student')
    );
    perform private.enqueue_email(
        enqueue_session_email.template, session.mentor_id, enqueue_session_email.purpose,
        ids || jsonb_build_object('recipient_role', 'mentor')
    );
end
$$;

comment on function private.enqueue_session_email(text, public.mini_mentorship_sessions, text, bigint) is
'Queues the email `template` to the session''s student and mentor (one job each; payload recipient_id, '
'recipient_role, request_id, session_id, sequence, event_id; dedupe key email:<template>:<purpose>:<recipient>).';

-- ---------------------------------------------------------------------------------------------------------
-- Requests
-- ---------------------------------------------------------------------------------------------------------

-- Trigger function (after insert, after a status change on requests).
create function private.queue_request_notifications()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
    ids jsonb;
begin
    if tg_op = 'INSERT' then
        perform private.enqueue_email(
            'request_created', new.student_id, new.id::text,
            jsonb_build_object(
                'recipient_role', 'student',
                'request_id', new.id,
                'event_id', private.latest_event_id(new.id, null, array['request.created'])
            )
        );
        return null;
    end if;

    -- Moving on with a session (claimed -> scheduled -> completed) or ending with it (scheduled -> open or
    -- cancelled) is told by the session's emails.
    if (old.status, new.status) not in (
        ('open', 'claimed'), ('claimed', 'open'), ('open', 'expired'), ('open', 'cancelled'), ('claimed', 'cancelled')
    ) then
        return null;
    end if;
    ids := jsonb_build_object(
        'request_id', new.id,
        'event_id', private.latest_event_id(
            new.id, null, array['request.' || case new.status when 'open' then 'released' else new.status end]
        )
    );

    if old.status = 'open' and new.status = 'claimed' then
        -- One per claim: release_count tells the claims of one request apart.
        perform private.enqueue_email(
            'request_claimed', new.student_id, format('%s:%s', new.id, new.release_count),
            ids || jsonb_build_object(
                'recipient_role', 'student', 'mentor_id', new.claimed_by_mentor_id,
                'release_count', new.release_count
            )
        );
    elsif old.status = 'claimed' and new.status = 'open' then
        perform private.enqueue_email(
            'request_released', new.student_id, format('%s:%s', new.id, new.release_count),
            ids || jsonb_build_object(
                'recipient_role', 'student', 'mentor_id', old.claimed_by_mentor_id,
                'release_count', new.release_count
            )
        );
    elsif new.status = 'expired' then
        perform private.enqueue_email(
            'request_expired', new.student_id, new.id::text,
            ids || jsonb_build_object('recipient_role', 'student')
        );
    else
        -- The mentor who held the claim loses it; the student is told unless they cancelled it themselves.
        perform private.enqueue_email(
            'request_cancelled', old.claimed_by_mentor_id, new.id::text,
            ids || jsonb_build_object('recipient_role', 'mentor', 'mentor_id', old.claimed_by_mentor_id)
        )
        where old.status = 'claimed';
        perform private.enqueue_email(
            'request_cancelled', new.student_id, new.id::text,
            ids || jsonb_build_object('recipient_role', 'student', 'mentor_id', old.claimed_by_mentor_id)
        )
        where new.cancelled_by is distinct from new.student_id;
    end if;
    return null;
end
$$;

comment on function private.queue_request_notifications() is
'Trigger function (after insert, after a status change on mini_mentorship_requests): queues request_created, '
'request_claimed, request_released (claimed -> open), request_expired and request_cancelled (open or claimed '
'-> cancelled: the claiming mentor, and the student unless they cancelled) emails in the transition''s '
'transaction. See docs/operations.md for keys and payloads.';

create trigger request_notifications
after insert on public.mini_mentorship_requests
for each row execute function private.queue_request_notifications();

create trigger request_transition_notifications
after update of status on public.mini_mentorship_requests
for each row when (old.status is distinct from new.status)
execute function private.queue_request_notifications();

-- ---------------------------------------------------------------------------------------------------------
-- Sessions
-- ---------------------------------------------------------------------------------------------------------

-- Trigger function (after insert, after an update of status, time, or meeting details on sessions).
create function private.queue_session_notifications()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
    was_waiting boolean;
    moved boolean;
begin
    if tg_op = 'INSERT' then
        if private.session_awaits_link(new) then
            perform private.enqueue_meeting_link(new.id, new.sequence);
        else
            perform private.enqueue_session_email(
                'session_scheduled', new, format('%s:%s', new.id, new.sequence),
                private.latest_event_id(new.request_id, new.id, array['session.scheduled'])
            );
        end if;
        return null;
    end if;

    was_waiting := old.status = 'scheduled' and private.session_awaits_link(old);
    moved := new.scheduled_at is distinct from old.scheduled_at
        or new.duration_minutes is distinct from old.duration_minutes;

    if new.status = 'scheduled' then
        if moved and not was_waiting then
            perform private.enqueue_session_email(
                'session_rescheduled', new, format('%s:%s', new.id, new.sequence),
                private.latest_event_id(new.request_id, new.id, array['session.rescheduled'])
            );
        end if;
        if was_waiting and private.session_awaits_link(new) then
            -- Moved before its link came: the link is made for the new version.
            perform private.enqueue_meeting_link(new.id, new.sequence);
        elsif was_waiting then
            -- The link came (or is no longer needed): nobody was told yet, so this is the first notice.
            perform private.enqueue_session_email(
                'session_scheduled', new, format('%s:%s', new.id, new.sequence),
                private.latest_event_id(new.request_id, new.id, array['session.scheduled', 'session.rescheduled'])
            );
        end if;
        return null;
    end if;

    if new.status is not distinct from old.status then
        return null;
    end if;
    case new.status
        when 'cancelled' then
            perform private.enqueue_session_email(
                'session_cancelled', new, format('%s:%s', new.id, new.sequence),
                private.latest_event_id(new.request_id, new.id, array['session.cancelled'])
            );
        when 'completed' then
            perform private.enqueue_session_email(
                'follow_up', new, new.id::text,
                private.latest_event_id(new.request_id, new.id, array['session.completed'])
            );
        when 'no-show' then
            perform private.enqueue_session_email(
                'session_no_show', new, new.id::text,
                private.latest_event_id(new.request_id, new.id, array['session.no_show'])
            );
        else
            null;
    end case;
    return null;
end
$$;

comment on function private.queue_session_notifications() is
'Trigger function (after insert or update on mini_mentorship_sessions): queues session_scheduled (at once, or '
'when a session that waited for its link gets it), session_rescheduled, session_cancelled, follow_up '
'(completed) and session_no_show emails for both participants, and the meeting_link job of a session that '
'waits for a link (also after it moved). See docs/operations.md for keys and payloads.';

create trigger session_notifications
after insert or update of status, scheduled_at, duration_minutes, meeting_type, meeting_platform, meeting_link
on public.mini_mentorship_sessions
for each row execute function private.queue_session_notifications();

revoke execute on function private.session_awaits_link(public.mini_mentorship_sessions)
from public, anon, authenticated, service_role;
revoke execute on function private.latest_event_id(uuid, uuid, text[]) from public, anon, authenticated, service_role;
revoke execute on function private.enqueue_email(text, uuid, text, jsonb)
from public, anon, authenticated, service_role;
revoke execute on function private.enqueue_session_email(text, public.mini_mentorship_sessions, text, bigint)
from public, anon, authenticated, service_role;
revoke execute on function private.queue_request_notifications() from public, anon, authenticated, service_role;
revoke execute on function private.queue_session_notifications() from public, anon, authenticated, service_role;
