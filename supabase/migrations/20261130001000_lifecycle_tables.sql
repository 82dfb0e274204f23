-- The mentorship lifecycle tables: requests, sessions, mentor availability and the audit trail of events.
--
-- Starts from the plan's schema and fixes its defects (DESIGN §4):
-- * no circular foreign key: the plan's requests.scheduled_session_id is gone; a session references its
--   request, and a partial unique index allows at most one live session per request;
-- * cancellation, release history, no-show detail, attendance, reschedule count (ICS SEQUENCE) and a Jitsi
--   platform are columns; status-like columns are text with CHECK constraints throughout;
-- * `updated_at` is maintained by a trigger, `expires_at` defaults to creation + 7 days, every timezone is an
--   IANA name checked against pg_timezone_names (22023 otherwise);
-- * overlapping live sessions for the same mentor or the same student are impossible (exclusion constraints);
-- * RLS is on for every table, with read policies for owners, participants and admins. Open requests are NOT
--   readable through `from()`: pool mentors browse them with `browse_mini_requests`, which leaves out the
--   student's resume and portfolio links until the request is claimed (DESIGN §7).
-- Status transitions, the event trail, creation rules and the RPCs come in the next migrations.

create extension if not exists btree_gist with schema extensions;

-- ---------------------------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------------------------

-- Every IANA zone name known when this migration ran; private.is_valid_timezone() falls back to the live
-- pg_timezone_names (slow: it reads the tz database from disk) only for names missing here.
create table private.timezone_names (
    name text primary key
);

comment on table private.timezone_names is
'Cache of pg_timezone_names.name taken at migration time, so validating a zone is an index lookup instead '
'of a scan of the tz database on disk (about 50 ms per call).';
comment on column private.timezone_names.name is 'An IANA time zone name, e.g. Europe/Paris.';

insert into private.timezone_names (name)
select distinct tz.name
from pg_catalog.pg_timezone_names as tz;

-- True when `zone` is an IANA time zone name the server knows (not an abbreviation or a POSIX spec).
create function private.is_valid_timezone(zone text)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
    select
        zone is not null
        and (
            exists (select from private.timezone_names as t where t.name = zone)
            or exists (select from pg_catalog.pg_timezone_names as t where t.name = zone)
        )
$$;

comment on function private.is_valid_timezone(text) is
'True when the argument is an IANA zone name listed in pg_timezone_names (cached in private.timezone_names). '
'Used by triggers and RPCs to reject abbreviations, POSIX specs and typos with 22023.';

-- Trigger: reject a row whose `timezone` column is not an IANA name.
create function private.check_timezone()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
    if not private.is_valid_timezone(new.timezone) then
        raise exception using
            errcode = '22023',
            message = format('"%s" is not a known time zone; use an IANA name such as Europe/Paris.',
                coalesce(new.timezone, 'null')),
            hint = 'timezone';
    end if;
    return new;
end
$$;

comment on function private.check_timezone() is
'Trigger function (before insert or update of timezone): raises 22023 with hint "timezone" unless the '
'row''s timezone is an IANA name. A trigger and not a CHECK so the error is a 400 with a stable hint.';

-- Trigger: keep updated_at honest.
create function private.set_updated_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
    new.updated_at := now();
    return new;
end
$$;

comment on function private.set_updated_at() is
'Trigger function (before update): sets updated_at to the transaction time, whatever the caller sent.';

-- ---------------------------------------------------------------------------------------------------------
-- Requests
-- ---------------------------------------------------------------------------------------------------------

create table public.mini_mentorship_requests (
    id uuid primary key default gen_random_uuid(),
    student_id uuid not null default auth.uid() references public.users (id) on delete cascade,

    title text not null,
    description text not null,
    session_type text not null,

    preferred_duration_minutes integer not null default 60,
    urgency text not null default 'normal',

    preferred_date_start date,
    preferred_date_end date,
    preferred_time_slots jsonb not null default '[]'::jsonb,
    timezone text not null default 'America/Chicago',

    tags text[] not null default '{}',
    relevant_experience text,
    specific_questions text,
    resume_url text,
    portfolio_url text,

    status text not null default 'open',

    claimed_by_mentor_id uuid references public.users (id) on delete set null,
    claimed_at timestamptz,

    release_count integer not null default 0,
    last_released_at timestamptz,
    last_released_by uuid references public.users (id) on delete set null,
    last_release_reason text,

    cancelled_at timestamptz,
    cancelled_by uuid references public.users (id) on delete set null,
    cancellation_reason text,

    expired_at timestamptz,
    completed_at timestamptz,

    created_at timestamptz not null default now(),
    expires_at timestamptz not null default (now() + interval '7 days'),
    updated_at timestamptz not null default now(),

    search_document tsvector generated always as (
        setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'B')
    ) stored,

    constraint mini_mentorship_requests_session_type_is_known check (
        session_type in (
            'interview_prep', 'skill_learning', 'career_advice', 'resume_review', 'project_guidance',
            'technical_help', 'portfolio_review', 'networking_advice', 'other'
        )
    ),
    constraint mini_mentorship_requests_duration_is_30_45_or_60 check (
        preferred_duration_minutes in (30, 45, 60)
    ),
    constraint mini_mentorship_requests_urgency_is_known check (
        urgency in ('low', 'normal', 'high', 'urgent')
    ),
    constraint mini_mentorship_requests_status_is_known check (
        status in ('open', 'claimed', 'scheduled', 'completed', 'cancelled', 'expired')
    ),
    constraint mini_mentorship_requests_title_length check (char_length(title) between 1 and 200),
    constraint mini_mentorship_requests_description_length check (char_length(description) between 1 and 5000),
    constraint mini_mentorship_requests_date_range_is_ordered check (
        preferred_date_start <= preferred_date_end
    ),
    constraint mini_mentorship_requests_time_slots_is_array check (
        jsonb_typeof(preferred_time_slots) = 'array'
    ),
    constraint mini_mentorship_requests_mentor_is_not_student check (claimed_by_mentor_id <> student_id),
    constraint mini_mentorship_requests_claim_has_mentor check (
        status not in ('claimed', 'scheduled') or claimed_by_mentor_id is not null
    ),
    constraint mini_mentorship_requests_release_count_not_negative check (release_count >= 0)
);

comment on table public.mini_mentorship_requests is
'A student''s request for one short mentorship session. Created with a plain insert (a trigger sets owner, '
'status and expiry); every later change goes through an RPC and a status-transition trigger (DESIGN §5). '
'Readable by its student, the mentor who claimed it and admins; pool mentors browse open requests through '
'browse_mini_requests.';
comment on column public.mini_mentorship_requests.id is 'Request id.';
comment on column public.mini_mentorship_requests.student_id is
'The student who asked; forced to the caller''s auth.uid() when a signed-in user inserts.';
comment on column public.mini_mentorship_requests.title is 'What the student needs help with (1-200 chars).';
comment on column public.mini_mentorship_requests.description is 'Details of the need (1-5000 chars).';
comment on column public.mini_mentorship_requests.session_type is
'interview_prep, skill_learning, career_advice, resume_review, project_guidance, technical_help, '
'portfolio_review, networking_advice or other.';
comment on column public.mini_mentorship_requests.preferred_duration_minutes is
'Wanted session length: 30, 45 or 60 minutes.';
comment on column public.mini_mentorship_requests.urgency is
'low, normal, high or urgent; browse lists urgent requests first.';
comment on column public.mini_mentorship_requests.preferred_date_start is
'Earliest date the student is available (in the request''s timezone).';
comment on column public.mini_mentorship_requests.preferred_date_end is
'Latest date the student is available; not before preferred_date_start.';
comment on column public.mini_mentorship_requests.preferred_time_slots is
'JSON array of {"start":"HH:MM","end":"HH:MM","days":["mon",...]} (days optional), local to timezone.';
comment on column public.mini_mentorship_requests.timezone is
'IANA zone of the preferred dates and time slots.';
comment on column public.mini_mentorship_requests.tags is
'Up to 10 lower-case tags (1-40 chars each); browse filters on overlap.';
comment on column public.mini_mentorship_requests.relevant_experience is
'What experience the student already has (optional).';
comment on column public.mini_mentorship_requests.specific_questions is
'Specific things the student wants to cover (optional).';
comment on column public.mini_mentorship_requests.resume_url is
'http(s) link to a resume; hidden from browsing mentors until the request is claimed.';
comment on column public.mini_mentorship_requests.portfolio_url is
'http(s) link to a portfolio; hidden from browsing mentors until the request is claimed.';
comment on column public.mini_mentorship_requests.status is
'open, claimed, scheduled, completed, cancelled or expired; changed only along DESIGN §5 transitions.';
comment on column public.mini_mentorship_requests.claimed_by_mentor_id is
'The pool mentor who holds the claim (cleared when the claim is released or the request reopens).';
comment on column public.mini_mentorship_requests.claimed_at is
'When the current claim was taken (set by the database).';
comment on column public.mini_mentorship_requests.release_count is
'How many times a claim was released or a scheduled request reopened; full history in '
'mini_mentorship_events.';
comment on column public.mini_mentorship_requests.last_released_at is
'When the last claim was released (set by the database).';
comment on column public.mini_mentorship_requests.last_released_by is
'Who released the last claim; null when the system released a stale claim.';
comment on column public.mini_mentorship_requests.last_release_reason is
'Why the last claim was released, as given by the mentor or the system.';
comment on column public.mini_mentorship_requests.cancelled_at is
'When the request was cancelled (set by the database).';
comment on column public.mini_mentorship_requests.cancelled_by is
'Who cancelled the request (the student or an admin).';
comment on column public.mini_mentorship_requests.cancellation_reason is 'Why the request was cancelled.';
comment on column public.mini_mentorship_requests.expired_at is
'When the sweep expired the unclaimed request (set by the database).';
comment on column public.mini_mentorship_requests.completed_at is
'When the request''s session was completed (set by the database).';
comment on column public.mini_mentorship_requests.created_at is 'When the request was created.';
comment on column public.mini_mentorship_requests.expires_at is
'Creation + 7 days; an open request is never listed past this time and the sweep expires it.';
comment on column public.mini_mentorship_requests.updated_at is 'Last change (maintained by a trigger).';
comment on column public.mini_mentorship_requests.search_document is
'Full-text document over title (weight A) and description (weight B) for browse search.';

create index mini_mentorship_requests_student_id_idx
on public.mini_mentorship_requests (student_id);
create index mini_mentorship_requests_claimed_by_mentor_id_idx
on public.mini_mentorship_requests (claimed_by_mentor_id);
create index mini_mentorship_requests_last_released_by_idx
on public.mini_mentorship_requests (last_released_by);
create index mini_mentorship_requests_cancelled_by_idx
on public.mini_mentorship_requests (cancelled_by);
create index mini_mentorship_requests_status_idx
on public.mini_mentorship_requests (status);
create index mini_mentorship_requests_tags_idx
on public.mini_mentorship_requests using gin (tags);
create index mini_mentorship_requests_search_document_idx
on public.mini_mentorship_requests using gin (search_document);
create index mini_mentorship_requests_created_at_idx
on public.mini_mentorship_requests (created_at);
create index mini_mentorship_requests_open_expires_at_idx
on public.mini_mentorship_requests (expires_at) where status = 'open';
create index mini_mentorship_requests_claimed_at_idx
on public.mini_mentorship_requests (claimed_at) where status = 'claimed';

comment on index public.mini_mentorship_requests_open_expires_at_idx is
'Finds open requests by expiry: browse (expires_at > now()) and the expiry sweep.';
comment on index public.mini_mentorship_requests_claimed_at_idx is
'Finds claims that went stale unscheduled for private.release_stale_claims().';

-- ---------------------------------------------------------------------------------------------------------
-- Sessions
-- ---------------------------------------------------------------------------------------------------------

create table public.mini_mentorship_sessions (
    id uuid primary key default gen_random_uuid(),
    request_id uuid not null references public.mini_mentorship_requests (id) on delete cascade,
    student_id uuid not null references public.users (id) on delete cascade,
    mentor_id uuid not null references public.users (id) on delete cascade,

    scheduled_at timestamptz not null,
    duration_minutes integer not null,
    ends_at timestamptz not null,
    timezone text not null default 'America/Chicago',

    meeting_type text not null default 'virtual',
    meeting_platform text not null default 'zoom',
    meeting_link text,
    meeting_id text,
    meeting_passcode text,
    location text,

    status text not null default 'scheduled',
    started_at timestamptz,
    ended_at timestamptz,
    actual_duration_minutes integer,

    sequence integer not null default 0,
    rescheduled_at timestamptz,
    reschedule_reason text,

    cancelled_at timestamptz,
    cancelled_by uuid references public.users (id) on delete set null,
    cancellation_reason text,

    no_show_absent text,
    no_show_marked_by uuid references public.users (id) on delete set null,
    no_show_marked_at timestamptz,

    student_joined_at timestamptz,
    mentor_joined_at timestamptz,

    reminder_24hr_sent_at timestamptz,
    reminder_1hr_sent_at timestamptz,

    student_notes text,
    mentor_notes text,
    topics_covered text[],
    action_items text[],
    follow_up_needed boolean not null default false,

    student_rating integer,
    student_feedback text,
    mentor_rating integer,
    mentor_feedback text,

    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),

    constraint mini_mentorship_sessions_duration_is_30_45_or_60 check (duration_minutes in (30, 45, 60)),
    constraint mini_mentorship_sessions_ends_after_start check (ends_at > scheduled_at),
    constraint mini_mentorship_sessions_meeting_type_is_known check (
        meeting_type in ('virtual', 'phone', 'in-person')
    ),
    constraint mini_mentorship_sessions_meeting_platform_is_known check (
        meeting_platform in ('zoom', 'google-meet', 'teams', 'jitsi', 'phone', 'other')
    ),
    constraint mini_mentorship_sessions_status_is_known check (
        status in ('scheduled', 'in-progress', 'completed', 'cancelled', 'no-show')
    ),
    constraint mini_mentorship_sessions_actual_duration_is_sane check (
        actual_duration_minutes between 1 and 600
    ),
    constraint mini_mentorship_sessions_sequence_not_negative check (sequence >= 0),
    constraint mini_mentorship_sessions_no_show_absent_is_known check (
        no_show_absent in ('student', 'mentor', 'both')
    ),
    constraint mini_mentorship_sessions_no_show_has_absent check (
        (status = 'no-show') = (no_show_absent is not null)
    ),
    constraint mini_mentorship_sessions_student_rating_1_to_5 check (student_rating between 1 and 5),
    constraint mini_mentorship_sessions_mentor_rating_1_to_5 check (mentor_rating between 1 and 5),
    constraint mini_mentorship_sessions_mentor_is_not_student check (student_id <> mentor_id),
    -- Neither participant can hold two overlapping live sessions. A violation is SQLSTATE 23P01, which the
    -- scheduling RPCs translate to PT409 (mentor_busy / student_busy).
    constraint mini_mentorship_sessions_mentor_no_overlap exclude using gist (
        mentor_id extensions.gist_uuid_ops with =,
        tstzrange(scheduled_at, ends_at, '[)') with &&
    ) where (status in ('scheduled', 'in-progress')),
    constraint mini_mentorship_sessions_student_no_overlap exclude using gist (
        student_id extensions.gist_uuid_ops with =,
        tstzrange(scheduled_at, ends_at, '[)') with &&
    ) where (status in ('scheduled', 'in-progress'))
);

comment on table public.mini_mentorship_sessions is
'A scheduled meeting between the student and the mentor who claimed the request. Written only by RPCs; '
'status changes follow DESIGN §5 (enforced by trigger). Readable by its two participants and admins.';
comment on column public.mini_mentorship_sessions.id is 'Session id.';
comment on column public.mini_mentorship_sessions.request_id is
'The request this session serves; at most one live (scheduled or in-progress) session per request.';
comment on column public.mini_mentorship_sessions.student_id is 'The request''s student.';
comment on column public.mini_mentorship_sessions.mentor_id is 'The mentor who claimed the request.';
comment on column public.mini_mentorship_sessions.scheduled_at is 'Start time.';
comment on column public.mini_mentorship_sessions.duration_minutes is 'Planned length: 30, 45 or 60 minutes.';
comment on column public.mini_mentorship_sessions.ends_at is
'scheduled_at + duration_minutes, kept by a trigger; the overlap exclusion constraints use it.';
comment on column public.mini_mentorship_sessions.timezone is
'IANA zone the session was scheduled in (emails render in each recipient''s own zone).';
comment on column public.mini_mentorship_sessions.meeting_type is 'virtual, phone or in-person.';
comment on column public.mini_mentorship_sessions.meeting_platform is
'zoom, google-meet, teams, jitsi, phone or other.';
comment on column public.mini_mentorship_sessions.meeting_link is
'Join URL, filled by the meeting-link worker or given by the mentor.';
comment on column public.mini_mentorship_sessions.meeting_id is 'Provider meeting id, if any.';
comment on column public.mini_mentorship_sessions.meeting_passcode is 'Provider passcode, if any.';
comment on column public.mini_mentorship_sessions.location is 'Where an in-person session takes place.';
comment on column public.mini_mentorship_sessions.status is
'scheduled, in-progress, completed, cancelled or no-show; changed only along DESIGN §5 transitions.';
comment on column public.mini_mentorship_sessions.started_at is 'When it went in-progress (set by the database).';
comment on column public.mini_mentorship_sessions.ended_at is 'When it was completed (set by the database).';
comment on column public.mini_mentorship_sessions.actual_duration_minutes is
'Length the mentor reported on completion (1-600).';
comment on column public.mini_mentorship_sessions.sequence is
'ICS SEQUENCE: 0 when scheduled, +1 on every reschedule and on cancellation (maintained by a trigger).';
comment on column public.mini_mentorship_sessions.rescheduled_at is
'When the session was last moved (set by the database).';
comment on column public.mini_mentorship_sessions.reschedule_reason is 'Why the session was last moved.';
comment on column public.mini_mentorship_sessions.cancelled_at is 'When it was cancelled (set by the database).';
comment on column public.mini_mentorship_sessions.cancelled_by is 'Who cancelled it.';
comment on column public.mini_mentorship_sessions.cancellation_reason is 'Why it was cancelled.';
comment on column public.mini_mentorship_sessions.no_show_absent is
'For a no-show: who did not attend (student, mentor or both).';
comment on column public.mini_mentorship_sessions.no_show_marked_by is 'Who marked the no-show.';
comment on column public.mini_mentorship_sessions.no_show_marked_at is
'When the no-show was marked (set by the database).';
comment on column public.mini_mentorship_sessions.student_joined_at is
'First time the student asked for the join link (set by the database).';
comment on column public.mini_mentorship_sessions.mentor_joined_at is
'First time the mentor asked for the join link (set by the database).';
comment on column public.mini_mentorship_sessions.reminder_24hr_sent_at is 'When the 24 h reminder went out.';
comment on column public.mini_mentorship_sessions.reminder_1hr_sent_at is 'When the 1 h reminder went out.';
comment on column public.mini_mentorship_sessions.student_notes is 'The student''s own notes.';
comment on column public.mini_mentorship_sessions.mentor_notes is 'The mentor''s notes on completion.';
comment on column public.mini_mentorship_sessions.topics_covered is 'Topics covered, from the mentor.';
comment on column public.mini_mentorship_sessions.action_items is 'Follow-up actions, from the mentor.';
comment on column public.mini_mentorship_sessions.follow_up_needed is 'Whether a follow-up is needed.';
comment on column public.mini_mentorship_sessions.student_rating is 'The student''s rating of the session, 1-5.';
comment on column public.mini_mentorship_sessions.student_feedback is 'The student''s feedback.';
comment on column public.mini_mentorship_sessions.mentor_rating is 'The mentor''s rating of the session, 1-5.';
comment on column public.mini_mentorship_sessions.mentor_feedback is 'The mentor''s feedback.';
comment on column public.mini_mentorship_sessions.created_at is 'When the session was scheduled.';
comment on column public.mini_mentorship_sessions.updated_at is 'Last change (maintained by a trigger).';
comment on constraint mini_mentorship_sessions_mentor_no_overlap on public.mini_mentorship_sessions is
'A mentor cannot hold two overlapping live (scheduled or in-progress) sessions.';
comment on constraint mini_mentorship_sessions_student_no_overlap on public.mini_mentorship_sessions is
'A student cannot hold two overlapping live (scheduled or in-progress) sessions.';

create unique index mini_mentorship_sessions_one_live_per_request
on public.mini_mentorship_sessions (request_id) where status in ('scheduled', 'in-progress');
comment on index public.mini_mentorship_sessions_one_live_per_request is
'Prevents two live sessions for one request (double scheduling); also the index for the request_id FK.';

create index mini_mentorship_sessions_request_id_idx on public.mini_mentorship_sessions (request_id);
create index mini_mentorship_sessions_student_id_idx on public.mini_mentorship_sessions (student_id);
create index mini_mentorship_sessions_mentor_id_idx on public.mini_mentorship_sessions (mentor_id);
create index mini_mentorship_sessions_cancelled_by_idx on public.mini_mentorship_sessions (cancelled_by);
create index mini_mentorship_sessions_no_show_marked_by_idx
on public.mini_mentorship_sessions (no_show_marked_by);
create index mini_mentorship_sessions_status_idx on public.mini_mentorship_sessions (status);
create index mini_mentorship_sessions_scheduled_at_idx on public.mini_mentorship_sessions (scheduled_at);

-- Keeps ends_at = scheduled_at + duration_minutes whatever the writer sent.
create function private.set_session_ends_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
    new.ends_at := new.scheduled_at + make_interval(mins => new.duration_minutes);
    return new;
end
$$;

comment on function private.set_session_ends_at() is
'Trigger function (before insert or update): derives mini_mentorship_sessions.ends_at from scheduled_at and '
'duration_minutes (a generated column cannot: timestamptz + interval is only stable).';

-- ---------------------------------------------------------------------------------------------------------
-- Availability
-- ---------------------------------------------------------------------------------------------------------

create table public.mini_mentorship_availability (
    id uuid primary key default gen_random_uuid(),
    mentor_id uuid not null default auth.uid() references public.users (id) on delete cascade,
    available_from timestamptz not null,
    available_until timestamptz not null,
    timezone text not null default 'America/Chicago',
    is_available boolean not null default true,
    blocked_reason text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint mini_mentorship_availability_until_after_from check (available_until > available_from),
    constraint mini_mentorship_availability_blocked_reason_length check (char_length(blocked_reason) <= 500)
);

comment on table public.mini_mentorship_availability is
'Windows when a mentor is (or, with is_available = false, is not) free for sessions. Managed by the owning '
'mentor through from(''mini_mentorship_availability''); admins can read all.';
comment on column public.mini_mentorship_availability.id is 'Window id.';
comment on column public.mini_mentorship_availability.mentor_id is
'The owning mentor; defaults to the caller and must be the caller (RLS).';
comment on column public.mini_mentorship_availability.available_from is 'Window start.';
comment on column public.mini_mentorship_availability.available_until is 'Window end, after available_from.';
comment on column public.mini_mentorship_availability.timezone is 'IANA zone the mentor entered the window in.';
comment on column public.mini_mentorship_availability.is_available is
'true: free in this window; false: blocked (see blocked_reason).';
comment on column public.mini_mentorship_availability.blocked_reason is 'Why a window is blocked (<= 500 chars).';
comment on column public.mini_mentorship_availability.created_at is 'When the window was created.';
comment on column public.mini_mentorship_availability.updated_at is 'Last change (maintained by a trigger).';

create index mini_mentorship_availability_mentor_id_idx on public.mini_mentorship_availability (mentor_id);
create index mini_mentorship_availability_available_from_idx
on public.mini_mentorship_availability (available_from);
create index mini_mentorship_availability_available_until_idx
on public.mini_mentorship_availability (available_until);
create index mini_mentorship_availability_is_available_idx
on public.mini_mentorship_availability (is_available) where is_available;

-- ---------------------------------------------------------------------------------------------------------
-- Events (append-only audit trail)
-- ---------------------------------------------------------------------------------------------------------

create table public.mini_mentorship_events (
    id bigint generated always as identity primary key,
    entity text not null,
    event text not null,
    request_id uuid not null,
    session_id uuid,
    actor_id uuid,
    actor_role text not null,
    from_status text,
    to_status text not null,
    reason text,
    detail jsonb not null default '{}'::jsonb,
    at timestamptz not null default now(),
    constraint mini_mentorship_events_entity_is_known check (entity in ('request', 'session')),
    constraint mini_mentorship_events_session_has_id check ((entity = 'session') = (session_id is not null)),
    constraint mini_mentorship_events_actor_role_is_known check (
        actor_role in ('student', 'mentor', 'admin', 'user', 'service_role', 'system')
    )
);

comment on table public.mini_mentorship_events is
'Append-only audit trail: one row per creation and status transition of a request or session (plus '
'reschedules and attendance), written by triggers; update, delete and truncate raise for everyone. No '
'foreign keys on purpose: history outlives deleted rows, and a cascade could not delete append-only rows. '
'Analytics read from here.';
comment on column public.mini_mentorship_events.id is 'Monotonic event id (insertion order).';
comment on column public.mini_mentorship_events.entity is 'request or session.';
comment on column public.mini_mentorship_events.event is
'What happened, e.g. request.created, request.claimed, request.released, session.rescheduled.';
comment on column public.mini_mentorship_events.request_id is
'The request concerned (also set for session events).';
comment on column public.mini_mentorship_events.session_id is 'The session concerned (session events only).';
comment on column public.mini_mentorship_events.actor_id is
'auth.uid() of the caller; null when the system (cron, service role without a user) acted.';
comment on column public.mini_mentorship_events.actor_role is
'The actor''s part: student, mentor, admin, user (signed in, none of those), service_role or system.';
comment on column public.mini_mentorship_events.from_status is 'Status before; null for a creation.';
comment on column public.mini_mentorship_events.to_status is 'Status after (equal to from_status for a reschedule).';
comment on column public.mini_mentorship_events.reason is 'Reason given for a release, cancellation or reschedule.';
comment on column public.mini_mentorship_events.detail is
'Event-specific facts (e.g. previous and new start of a reschedule, who was absent).';
comment on column public.mini_mentorship_events.at is 'When it happened (transaction time).';

create index mini_mentorship_events_request_id_idx on public.mini_mentorship_events (request_id);
create index mini_mentorship_events_session_id_idx on public.mini_mentorship_events (session_id);
create index mini_mentorship_events_actor_id_idx on public.mini_mentorship_events (actor_id);
create index mini_mentorship_events_event_at_idx on public.mini_mentorship_events (event, at);

-- ---------------------------------------------------------------------------------------------------------
-- Triggers: updated_at, timezone, ends_at
-- ---------------------------------------------------------------------------------------------------------

create trigger check_timezone
before insert or update of timezone on public.mini_mentorship_requests
for each row execute function private.check_timezone();
create trigger check_timezone
before insert or update of timezone on public.mini_mentorship_sessions
for each row execute function private.check_timezone();
create trigger check_timezone
before insert or update of timezone on public.mini_mentorship_availability
for each row execute function private.check_timezone();

create trigger set_updated_at
before update on public.mini_mentorship_requests
for each row execute function private.set_updated_at();
create trigger set_updated_at
before update on public.mini_mentorship_sessions
for each row execute function private.set_updated_at();
create trigger set_updated_at
before update on public.mini_mentorship_availability
for each row execute function private.set_updated_at();

create trigger set_ends_at
before insert or update of scheduled_at, duration_minutes, ends_at on public.mini_mentorship_sessions
for each row execute function private.set_session_ends_at();

-- ---------------------------------------------------------------------------------------------------------
-- Row level security (write paths are RPCs, except availability and createRequest)
-- ---------------------------------------------------------------------------------------------------------

alter table public.mini_mentorship_requests enable row level security;
alter table public.mini_mentorship_sessions enable row level security;
alter table public.mini_mentorship_availability enable row level security;
alter table public.mini_mentorship_events enable row level security;

-- One permissive policy per table, role and action (several would each run for every row; Supabase's
-- linter flags that). Admin reads everything; nobody but the service role writes requests, sessions or
-- events directly: every change goes through the RPCs, which check their caller.

create policy "Students, their claiming mentor and admins can read requests"
on public.mini_mentorship_requests for select to authenticated
using (
    student_id = (select auth.uid())
    or claimed_by_mentor_id = (select auth.uid())
    or (select private.is_admin())
);

create policy "Students can create their own requests"
on public.mini_mentorship_requests for insert to authenticated
with check (student_id = (select auth.uid()));

create policy "Participants and admins can read sessions"
on public.mini_mentorship_sessions for select to authenticated
using (
    student_id = (select auth.uid())
    or mentor_id = (select auth.uid())
    or (select private.is_admin())
);

create policy "Mentors and admins can read availability"
on public.mini_mentorship_availability for select to authenticated
using (mentor_id = (select auth.uid()) or (select private.is_admin()));

create policy "Mentors can add their own availability"
on public.mini_mentorship_availability for insert to authenticated
with check (mentor_id = (select auth.uid()));

create policy "Mentors can change their own availability"
on public.mini_mentorship_availability for update to authenticated
using (mentor_id = (select auth.uid()))
with check (mentor_id = (select auth.uid()));

create policy "Mentors can delete their own availability"
on public.mini_mentorship_availability for delete to authenticated
using (mentor_id = (select auth.uid()));

create policy "Request participants and admins can read the history"
on public.mini_mentorship_events for select to authenticated
using (
    (select private.is_admin())
    or exists (
        select
        from public.mini_mentorship_requests as r
        where
            r.id = mini_mentorship_events.request_id
            and (r.student_id = (select auth.uid()) or r.claimed_by_mentor_id = (select auth.uid()))
    )
);

-- ---------------------------------------------------------------------------------------------------------
-- Grants: explicit, whatever the project's default privileges are
-- ---------------------------------------------------------------------------------------------------------

revoke all on public.mini_mentorship_requests from public, anon, authenticated, service_role;
revoke all on public.mini_mentorship_sessions from public, anon, authenticated, service_role;
revoke all on public.mini_mentorship_availability from public, anon, authenticated, service_role;
revoke all on public.mini_mentorship_events from public, anon, authenticated, service_role;
revoke all on sequence public.mini_mentorship_events_id_seq from public, anon, authenticated, service_role;

grant select on public.mini_mentorship_requests to authenticated;
-- createRequest is a plain insert: only the columns a student may fill (the trigger does the rest).
grant insert (
    student_id, title, description, session_type, preferred_duration_minutes, urgency,
    preferred_date_start, preferred_date_end, preferred_time_slots, timezone, tags,
    relevant_experience, specific_questions, resume_url, portfolio_url
) on public.mini_mentorship_requests to authenticated;

grant select on public.mini_mentorship_sessions to authenticated;

grant select, delete on public.mini_mentorship_availability to authenticated;
grant insert (mentor_id, available_from, available_until, timezone, is_available, blocked_reason)
on public.mini_mentorship_availability to authenticated;
grant update (available_from, available_until, timezone, is_available, blocked_reason)
on public.mini_mentorship_availability to authenticated;

grant select on public.mini_mentorship_events to authenticated;

-- The service role (server-side code) may read and write the lifecycle tables; the triggers still enforce
-- every transition. It may only read the audit trail.
grant select, insert, update, delete on public.mini_mentorship_requests to service_role;
grant select, insert, update, delete on public.mini_mentorship_sessions to service_role;
grant select, insert, update, delete on public.mini_mentorship_availability to service_role;
grant select on public.mini_mentorship_events to service_role;

-- Trigger helpers are not API functions.
revoke execute on function private.is_valid_timezone(text) from public, anon, authenticated, service_role;
revoke execute on function private.check_timezone() from public, anon, authenticated, service_role;
revoke execute on function private.set_updated_at() from public, anon, authenticated, service_role;
revoke execute on function private.set_session_ends_at() from public, anon, authenticated, service_role;
