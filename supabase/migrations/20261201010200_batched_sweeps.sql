-- Sweeps and the reminder scan whose cost follows the due work, not the table (issue 15 part 3).
--
-- * private.expire_requests(as_of), private.release_stale_claims(older_than, as_of) and
--   private.release_departed_claims() (newest: 20261201007000, 20261201001300) work in batches of at most 500
--   rows, oldest first, looping until a batch comes back short. Each batch is `order by <indexed column> limit
--   500` over the partial indexes mini_mentorship_requests_open_expires_at_idx / _claimed_at_idx, so the plan
--   is an index range scan whatever the planner guesses about the backlog (measured: it guessed thousands of
--   due rows when there were 100; with a larger backlog the guess would flip a single unbounded update to a
--   sequential scan of the table). Same rows, same order of effects, same results and counts as before;
--   rows locked by a concurrent claim or cancel are still skipped.
-- * private.queue_reminders(as_of) (newest: 20261201007000) counted the reminder jobs of the whole outbox
--   before and after queuing (a scan of every reminder ever sent, on every tick); it now counts, per batch,
--   the batch's reminders minus those whose dedupe key already existed (a unique-index lookup each). The due
--   sessions are read through mini_mentorship_sessions_scheduled_due_idx (scheduled sessions by start), in
--   batches of 500 like the sweeps.

-- ---------------------------------------------------------------------------------------------------------
-- Index
-- ---------------------------------------------------------------------------------------------------------

-- Scheduled sessions are the few live ones (the rest of the table is history), so the build is short; the
-- migration runs in a transaction, where `concurrently` is not possible.
-- squawk-ignore require-concurrent-index-creation
create index mini_mentorship_sessions_scheduled_due_idx
on public.mini_mentorship_sessions (scheduled_at, id)
where status = 'scheduled';

comment on index public.mini_mentorship_sessions_scheduled_due_idx is
'Scheduled sessions by start: private.queue_reminders reads the sessions starting within 24 hours from here, '
'in keyset batches, without touching the history of completed and cancelled sessions.';

-- ---------------------------------------------------------------------------------------------------------
-- Request sweeps
-- ---------------------------------------------------------------------------------------------------------

create or replace function private.expire_requests(as_of timestamptz)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    batch_size constant integer := 500;
    batch_count integer;
    expired_count integer := 0;
begin
    if as_of is null then
        raise exception using errcode = '22023', message = 'as_of must be a time.', hint = 'as_of';
    end if;

    loop
        with due as (
            select r.id
            from public.mini_mentorship_requests as r
            where r.status = 'open' and r.expires_at <= expire_requests.as_of
            order by r.expires_at
            limit batch_size
            for update skip locked
        )

        update public.mini_mentorship_requests as r
        set status = 'expired'
        from due
        where r.id = due.id;
        get diagnostics batch_count = row_count;
        expired_count := expired_count + batch_count;
        exit when batch_count < batch_size;
    end loop;
    return expired_count;
end
$$;

create or replace function private.release_stale_claims(older_than interval, as_of timestamptz)
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

    loop
        with due as (
            select r.id
            from public.mini_mentorship_requests as r
            where
                r.status = 'claimed'
                and r.claimed_at <= release_stale_claims.as_of - release_stale_claims.older_than
            order by r.claimed_at
            limit batch_size
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
        get diagnostics batch_count = row_count;
        released_count := released_count + batch_count;
        exit when batch_count < batch_size;
    end loop;
    return released_count;
end
$$;

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
begin
    loop
        with due as (
            select r.id
            from public.mini_mentorship_requests as r
            where
                r.status = 'claimed'
                and not coalesce(private.is_pool_mentor(r.claimed_by_mentor_id), false)
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

-- ---------------------------------------------------------------------------------------------------------
-- Reminders
-- ---------------------------------------------------------------------------------------------------------

create or replace function private.queue_reminders(as_of timestamptz)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    batch_size constant integer := 500;
    queued_count integer := 0;
    batch_queued integer;
    batch_sessions integer;
    last_start timestamptz;
    last_id uuid;
begin
    if as_of is null then
        raise exception using errcode = '22023', message = 'as_of must be a time.', hint = 'as_of';
    end if;

    loop
        with batch as (
            select
                s.id,
                s.request_id,
                s.student_id,
                s.mentor_id,
                s.sequence,
                s.scheduled_at,
                s.rescheduled_at,
                s.created_at
            from public.mini_mentorship_sessions as s
            where
                s.status = 'scheduled'
                and s.scheduled_at > queue_reminders.as_of
                and s.scheduled_at <= queue_reminders.as_of + interval '24 hours'
                and (last_id is null or (s.scheduled_at, s.id) > (last_start, last_id))
            order by s.scheduled_at, s.id
            limit batch_size
        ),

        due as (
            select
                b.*,
                case
                    when b.scheduled_at <= queue_reminders.as_of + interval '1 hour' then 'reminder_1h'
                    else 'reminder_24h'
                end as template
            from batch as b
            where
                b.scheduled_at <= queue_reminders.as_of + interval '1 hour'
                or coalesce(b.rescheduled_at, b.created_at) <= b.scheduled_at - interval '24 hours'
        ),

        recipients as (
            select
                due.*,
                who.recipient_id,
                who.recipient_role,
                format(
                    '%s:%s:%s', due.id, due.sequence,
                    to_char(due.scheduled_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                ) as purpose
            from due
            cross join lateral (
                values (due.student_id, 'student'), (due.mentor_id, 'mentor')
            ) as who (recipient_id, recipient_role)
            where who.recipient_id is not null
        ),

        known as (
            -- Jobs of this batch queued by an earlier tick (enqueue_email's dedupe key). The statement's
            -- snapshot predates the inserts below, so this counts what existed before them.
            select count(*) as n
            from recipients as x
            inner join private.outbox as o
                on o.dedupe_key = format('email:%s:%s:%s', x.template, x.purpose, x.recipient_id)
        ),

        queued as (
            select
                private.enqueue_email(
                    x.template,
                    x.recipient_id,
                    x.purpose,
                    jsonb_build_object(
                        'recipient_role', x.recipient_role,
                        'request_id', x.request_id,
                        'session_id', x.id,
                        'sequence', x.sequence,
                        'scheduled_at', x.scheduled_at,
                        'as_of', queue_reminders.as_of
                    )
                ) as job_id
            from recipients as x
        )

        select
            (select count(q.job_id) from queued as q) - (select k.n from known as k),
            count(*),
            max(b.scheduled_at),
            (array_agg(b.id order by b.scheduled_at desc, b.id desc))[1]
        into batch_queued, batch_sessions, last_start, last_id
        from batch as b;

        queued_count := queued_count + batch_queued;
        exit when batch_sessions < batch_size;
    end loop;
    return queued_count;
end
$$;
