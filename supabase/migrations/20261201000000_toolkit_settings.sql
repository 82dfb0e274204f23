-- Operator-tunable limits of the toolkit, in one typed row (security hardening, issue 8).
--
-- Limits that bound what one caller can do (how far ahead a session may be, how often a mentor may release
-- claims, how long a request may stay in the pool) are data, not constants in function bodies, so an
-- operator can change them with one UPDATE and no migration. There is exactly one row (the primary key is
-- the constant true); functions read it with private.settings(). Invisible to the API roles.

create table private.settings (
    singleton boolean primary key default true,
    max_schedule_ahead interval not null default interval '1 year',
    max_releases_per_mentor_per_day integer not null default 3,
    max_request_lifetime interval not null default interval '30 days',
    constraint settings_one_row check (singleton),
    constraint settings_max_schedule_ahead_bounded check (
        max_schedule_ahead between interval '1 day' and interval '5 years'
    ),
    constraint settings_max_releases_bounded check (max_releases_per_mentor_per_day between 0 and 1000),
    constraint settings_max_request_lifetime_bounded check (
        max_request_lifetime between interval '7 days' and interval '1 year'
    )
);

comment on table private.settings is
'The toolkit''s operator-tunable limits: exactly one row (singleton = true). Change a limit with '
'`update private.settings set … ;` as the database owner. Read through private.settings().';
comment on column private.settings.singleton is 'Always true: makes the table hold one row.';
comment on column private.settings.max_schedule_ahead is
'How far in the future a session (and a mentor''s availability window) may start (default 1 year).';
comment on column private.settings.max_releases_per_mentor_per_day is
'How many claims one mentor may release in any 24 hours (default 3): limits claim-then-release harvesting '
'of students'' private links.';
comment on column private.settings.max_request_lifetime is
'The longest a request may stay claimable, counted from its creation (default 30 days): reopening never '
'pushes expires_at past created_at + this.';

insert into private.settings (singleton) values (true);

alter table private.settings enable row level security;
revoke all on private.settings from public, anon, authenticated, service_role;

-- The limits in force.
create function private.settings()
returns private.settings
language sql
stable
security definer
set search_path = ''
as $$
    select s.* from private.settings as s where s.singleton
$$;

comment on function private.settings() is
'The one row of private.settings (the toolkit''s limits). Security definer so RPC implementations and '
'triggers can read it whoever calls them; the table itself stays closed to the API roles.';

revoke execute on function private.settings() from public, anon, authenticated, service_role;
