-- The transactional outbox (DESIGN §1, §4): work for the Python workers, written in the same transaction
-- as the state change that causes it.
--
-- * A row is a job: an email to render and send, a meeting link to create. The payload holds ids only
--   (never rendered text or addresses): the worker reads current rows when it runs, so a job for a change
--   that later moved or was cancelled renders the truth, or is skipped.
-- * `dedupe_key` is unique: producers insert with `on conflict (dedupe_key) do nothing`, so retries and
--   repeated calls queue one job (e.g. one meeting-link job per session and ICS sequence).
-- * Workers claim due rows with a lease (`for update skip locked` inside one `update ... returning`, setting
--   status running, locked_by and locked_until); a lease that ran out makes the row claimable again.
-- * It lives in `private` with no privileges for any API role and RLS on without policies: the Data API can
--   neither see nor write it. Workers connect with the database owner's URL.

create table private.outbox (
    id uuid primary key default gen_random_uuid(),
    kind text not null,
    template text,
    payload jsonb not null default '{}'::jsonb,
    dedupe_key text not null,
    run_at timestamptz not null default now(),
    status text not null default 'pending',
    attempts integer not null default 0,
    max_attempts integer not null default 5,
    locked_by text,
    locked_until timestamptz,
    last_error text,
    provider_message_id text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint outbox_dedupe_key_is_unique unique (dedupe_key),
    constraint outbox_kind_is_known check (kind in ('email', 'meeting_link')),
    constraint outbox_email_has_template check ((kind = 'email') = (template is not null)),
    constraint outbox_payload_is_object check (jsonb_typeof(payload) = 'object'),
    constraint outbox_dedupe_key_not_blank check (char_length(btrim(dedupe_key)) between 1 and 500),
    constraint outbox_status_is_known check (
        status in ('pending', 'running', 'succeeded', 'failed', 'cancelled')
    ),
    constraint outbox_attempts_within_max check (attempts between 0 and max_attempts),
    constraint outbox_max_attempts_positive check (max_attempts between 1 and 100),
    constraint outbox_running_has_lease check (
        status <> 'running' or (locked_by is not null and locked_until is not null)
    )
);

comment on table private.outbox is
'Transactional outbox: jobs for the workers (emails, meeting links), inserted in the same transaction as the '
'change that causes them. Payload = ids only; dedupe_key unique; workers claim due rows with a lease '
'(for update skip locked). Invisible to the API roles.';
comment on column private.outbox.id is 'Job id; also the idempotency key sent to providers (Resend Idempotency-Key).';
comment on column private.outbox.kind is 'email (render template and send) or meeting_link (create the join link).';
comment on column private.outbox.template is
'Email template name (request_created, session_scheduled, reminder_24h, ...); null for other kinds.';
comment on column private.outbox.payload is
'Ids the worker needs to load current rows (e.g. {"session_id": ..., "sequence": 2}); never rendered text.';
comment on column private.outbox.dedupe_key is
'Unique key of the job''s purpose (e.g. meeting_link:<session id>:<sequence>): enqueueing it again is a no-op.';
comment on column private.outbox.run_at is 'Not before this time (reminders are queued for later; retries back off).';
comment on column private.outbox.status is
'pending (waiting or due), running (leased by a worker), succeeded, failed (gave up after max_attempts) or '
'cancelled (no longer relevant).';
comment on column private.outbox.attempts is 'How many times a worker has started this job.';
comment on column private.outbox.max_attempts is 'Attempts before the job is marked failed (1-100).';
comment on column private.outbox.locked_by is 'Worker holding the lease while running.';
comment on column private.outbox.locked_until is
'Lease expiry: a running job whose lease ran out is claimable again (the worker died).';
comment on column private.outbox.last_error is 'Error of the last failed attempt, for operators.';
comment on column private.outbox.provider_message_id is 'Id returned by the email or meeting provider.';
comment on column private.outbox.created_at is 'When the job was queued.';
comment on column private.outbox.updated_at is 'Last change (maintained by a trigger).';

create index outbox_due_idx on private.outbox (run_at) where status = 'pending';
comment on index private.outbox_due_idx is
'Finds due jobs (status pending, run_at <= now()) in run order for the claiming worker.';
create index outbox_expired_lease_idx on private.outbox (locked_until) where status = 'running';
comment on index private.outbox_expired_lease_idx is
'Finds running jobs whose lease expired (the worker died) so they can be claimed again.';

create trigger set_updated_at
before update on private.outbox
for each row execute function private.set_updated_at();

alter table private.outbox enable row level security;
revoke all on private.outbox from public, anon, authenticated, service_role;

-- Queues one job unless a job with the same dedupe_key exists; returns the id of the job either way.
create function private.enqueue(
    kind text,
    template text,
    payload jsonb,
    dedupe_key text,
    run_at timestamptz default null
)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    job_id uuid;
begin
    insert into private.outbox (kind, template, payload, dedupe_key, run_at)
    values (
        enqueue.kind,
        enqueue.template,
        coalesce(enqueue.payload, '{}'::jsonb),
        enqueue.dedupe_key,
        coalesce(enqueue.run_at, now())
    )
    on conflict on constraint outbox_dedupe_key_is_unique do nothing
    returning id into job_id;

    if job_id is null then
        select o.id into job_id
        from private.outbox as o
        where o.dedupe_key = enqueue.dedupe_key;
    end if;
    return job_id;
end
$$;

comment on function private.enqueue(text, text, jsonb, text, timestamptz) is
'Queues a job in private.outbox (run_at null = now) unless one with the same dedupe_key exists; returns the '
'job id, new or existing. For triggers and RPCs; not callable through the API.';

revoke execute on function private.enqueue(text, text, jsonb, text, timestamptz)
from public, anon, authenticated, service_role;
