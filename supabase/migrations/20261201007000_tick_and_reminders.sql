-- The cron tick (issue 10): one call that runs the request sweeps and queues the due session reminders.
--
-- * private.expire_requests(as_of) and private.release_stale_claims(older_than, as_of) are the sweeps judged
--   as of a given time (a tick run with `--now` for a test, demo or backfill); the original signatures now
--   call them with now(), so there is one body per rule.
-- * private.queue_reminders(as_of) queues reminder_24h / reminder_1h emails (both participants) for scheduled
--   sessions starting within 24 hours / 1 hour of as_of. The dedupe key names the session, its sequence and
--   its start time (email:reminder_24h:<session>:<sequence>:<start UTC>:<recipient>), so a reminder is queued
--   once per session and start time, and a moved session is reminded again for its new time only (the old
--   job is skipped by the worker: the session moved). A session that starts within the hour gets the 1 h
--   reminder and never a stale 24 h one (a tick that was down for a while); a session booked or moved less
--   than 24 hours before its start gets no 24 h reminder either (the scheduled or rescheduled email just told
--   them; a "tomorrow" reminder hours before would be wrong). The payload carries the start
--   time (`scheduled_at`) and the tick's time (`as_of`) for the worker's relevance check.
-- * private.tick(as_of default now()) runs the three sweeps, then the reminders, under a transaction-level
--   advisory lock, so two ticks started at once run one after the other (the second finds nothing to do).
-- * Where pg_cron exists, the tick is scheduled every minute as job `mini-mentorship-tick`; elsewhere the
--   migration does nothing and an operator schedules `mini-mentorship tick` (docs/operations.md).

-- Expires every open request whose expires_at is at or before as_of; returns how many.
create function private.expire_requests(as_of timestamptz)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    expired_count integer;
begin
    if as_of is null then
        raise exception using errcode = '22023', message = 'as_of must be a time.', hint = 'as_of';
    end if;

    with due as (
        select r.id
        from public.mini_mentorship_requests as r
        where r.status = 'open' and r.expires_at <= expire_requests.as_of
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

comment on function private.expire_requests(timestamptz) is
'Cron sweep as of a given time: open requests whose expires_at <= as_of -> expired (events record actor null, '
'role system). Skips rows locked by a concurrent claim or cancel. 22023 / as_of for null. Returns the number '
'expired. Not callable through the API.';

create or replace function private.expire_requests()
returns integer
language sql
volatile
security definer
set search_path = ''
as $$
    select private.expire_requests(now())
$$;

-- Releases claims claimed at or before as_of - older_than that were never scheduled; returns how many.
create function private.release_stale_claims(older_than interval, as_of timestamptz)
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
    if as_of is null then
        raise exception using errcode = '22023', message = 'as_of must be a time.', hint = 'as_of';
    end if;

    with due as (
        select r.id
        from public.mini_mentorship_requests as r
        where
            r.status = 'claimed'
            and r.claimed_at <= release_stale_claims.as_of - release_stale_claims.older_than
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

comment on function private.release_stale_claims(interval, timestamptz) is
'Cron sweep as of a given time: claimed requests claimed at or before as_of - older_than and still '
'unscheduled -> open (release_count + 1, last_released_by null, an event with role system). 22023 / '
'older_than or as_of for a null or negative value. Returns the number released. Not callable through the API.';

create or replace function private.release_stale_claims(older_than interval default interval '72 hours')
returns integer
language sql
volatile
security definer
set search_path = ''
as $$
    select private.release_stale_claims(release_stale_claims.older_than, now())
$$;

-- Queues the reminders due as of as_of; returns how many jobs were new.
create function private.queue_reminders(as_of timestamptz)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    before_count integer;
    after_count integer;
begin
    if as_of is null then
        raise exception using errcode = '22023', message = 'as_of must be a time.', hint = 'as_of';
    end if;
    select count(*) into before_count
    from private.outbox as o
    where o.kind = 'email' and o.template in ('reminder_24h', 'reminder_1h');

    perform private.enqueue_email(
        due.template,
        who.recipient_id,
        format(
            '%s:%s:%s', due.id, due.sequence,
            to_char(due.scheduled_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
        ),
        jsonb_build_object(
            'recipient_role', who.recipient_role,
            'request_id', due.request_id,
            'session_id', due.id,
            'sequence', due.sequence,
            'scheduled_at', due.scheduled_at,
            'as_of', queue_reminders.as_of
        )
    )
    from (
        select
            s.id,
            s.request_id,
            s.student_id,
            s.mentor_id,
            s.sequence,
            s.scheduled_at,
            case
                when s.scheduled_at <= queue_reminders.as_of + interval '1 hour' then 'reminder_1h'
                else 'reminder_24h'
            end as template
        from public.mini_mentorship_sessions as s
        where
            s.status = 'scheduled'
            and s.scheduled_at > queue_reminders.as_of
            and s.scheduled_at <= queue_reminders.as_of + interval '24 hours'
            and (
                s.scheduled_at <= queue_reminders.as_of + interval '1 hour'
                or coalesce(s.rescheduled_at, s.created_at) <= s.scheduled_at - interval '24 hours'
            )
    ) as due
    cross join lateral (
        values (due.student_id, 'student'), (due.mentor_id, 'mentor')
    ) as who (recipient_id, recipient_role);

    select count(*) into after_count
    from private.outbox as o
    where o.kind = 'email' and o.template in ('reminder_24h', 'reminder_1h');
    return after_count - before_count;
end
$$;

comment on function private.queue_reminders(timestamptz) is
'Queues reminder_24h (session starts in more than 1 and at most 24 hours, and was booked or last moved at '
'least 24 hours before its start) and reminder_1h (within the hour) emails to both participants of every '
'scheduled session, as of as_of. Dedupe key '
'email:<template>:<session>:<sequence>:<start UTC>:<recipient>: once per session version and start time. '
'Payload: recipient_id, recipient_role, request_id, session_id, sequence, scheduled_at, as_of. Returns how '
'many jobs were new. 22023 / as_of for null. Not callable through the API.';

-- The cron tick: sweeps, then reminders, as of as_of (default now()).
create function private.tick(as_of timestamptz default now())
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    expired integer;
    released_stale integer;
    released_departed integer;
    reminders integer;
begin
    if as_of is null then
        raise exception using errcode = '22023', message = 'as_of must be a time.', hint = 'as_of';
    end if;
    -- One tick at a time (held until commit): a second one waits, then finds nothing left to do.
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('mini_mentorship.tick'));
    expired := private.expire_requests(tick.as_of);
    released_stale := private.release_stale_claims(interval '72 hours', tick.as_of);
    released_departed := private.release_departed_claims();
    reminders := private.queue_reminders(tick.as_of);
    return jsonb_build_object(
        'as_of', tick.as_of,
        'expired', expired,
        'released_stale', released_stale,
        'released_departed', released_departed,
        'reminders_queued', reminders
    );
end
$$;

comment on function private.tick(timestamptz) is
'The cron tick (`mini-mentorship tick`, pg_cron): expire_requests, release_stale_claims (72 hours), '
'release_departed_claims, then queue_reminders, all as of as_of (default now()), one tick at a time '
'(advisory lock). Returns {as_of, expired, released_stale, released_departed, reminders_queued}. Idempotent. '
'Not callable through the API.';

revoke execute on function private.expire_requests(timestamptz) from public, anon, authenticated, service_role;
revoke execute on function private.expire_requests() from public, anon, authenticated, service_role;
revoke execute on function private.release_stale_claims(interval, timestamptz)
from public, anon, authenticated, service_role;
revoke execute on function private.release_stale_claims(interval) from public, anon, authenticated, service_role;
revoke execute on function private.queue_reminders(timestamptz) from public, anon, authenticated, service_role;
revoke execute on function private.tick(timestamptz) from public, anon, authenticated, service_role;

-- Every minute with pg_cron, where the extension is installed (Supabase: enable it under Database ->
-- Extensions first, then re-run this statement by hand). Elsewhere: run `mini-mentorship tick` from cron.
do $cron$
begin
    if exists (select from pg_catalog.pg_extension where extname = 'pg_cron') then
        perform cron.schedule('mini-mentorship-tick', '* * * * *', 'select private.tick()');
    end if;
end
$cron$;
