-- Host-app prerequisites and the people adapter.
--
-- mini-mentorship plugs into an existing app that already has `public.users` (one row per auth user) and
-- `public.mentorship_profiles` (who is a mentor, who is in the matching pool). On a fresh project we create
-- minimal versions of both; where the host app already has them, this migration leaves them untouched.
--
-- `private.people` is the ONE place that maps the host's user tables to what the toolkit needs
-- (id, email, display name, timezone). Adapt that view, nothing else, to a host app with other columns.

do $host$
begin
    if to_regclass('public.users') is null then
        create table public.users (
            id uuid primary key references auth.users (id) on delete cascade,
            email text not null,
            full_name text,
            timezone text not null default 'UTC',
            created_at timestamptz not null default now()
        );
        comment on table public.users is
        'Minimal host-app user profile (created by mini-mentorship because the host app had none).';
        comment on column public.users.id is 'Same id as auth.users.';
        comment on column public.users.email is 'Where notifications are sent.';
        comment on column public.users.full_name is 'Name shown to the other participant and in emails.';
        comment on column public.users.timezone is 'IANA zone used to render times in emails.';
        comment on column public.users.created_at is 'When the profile row was created.';
        alter table public.users enable row level security;
        create policy "Users can read their own profile"
        on public.users for select to authenticated
        using (id = (select auth.uid()));
        revoke all on public.users from anon, authenticated, service_role;
        grant select on public.users to authenticated;
        grant select, insert, update, delete on public.users to service_role;
    end if;

    if to_regclass('public.mentorship_profiles') is null then
        create table public.mentorship_profiles (
            id uuid primary key default gen_random_uuid(),
            user_id uuid not null references public.users (id) on delete cascade,
            profile_type text not null check (profile_type in ('student', 'mentor')),
            in_matching_pool boolean not null default false,
            created_at timestamptz not null default now(),
            constraint mentorship_profiles_one_per_type unique (user_id, profile_type)
        );
        comment on table public.mentorship_profiles is
        'Minimal host-app mentorship profile: who is a mentor and who is in the matching pool.';
        comment on column public.mentorship_profiles.id is 'Surrogate key.';
        comment on column public.mentorship_profiles.user_id is 'The profile''s user.';
        comment on column public.mentorship_profiles.profile_type is 'student or mentor.';
        comment on column public.mentorship_profiles.in_matching_pool is
        'Mentors in the pool may browse and claim open requests.';
        comment on column public.mentorship_profiles.created_at is 'When the profile was created.';
        alter table public.mentorship_profiles enable row level security;
        create policy "Users can read their own mentorship profiles"
        on public.mentorship_profiles for select to authenticated
        using (user_id = (select auth.uid()));
        revoke all on public.mentorship_profiles from anon, authenticated, service_role;
        grant select on public.mentorship_profiles to authenticated;
        grant select, insert, update, delete on public.mentorship_profiles to service_role;
    end if;
end
$host$;

create or replace view private.people
with (security_barrier = true)
as
select
    u.id,
    u.email,
    coalesce(nullif(u.full_name, ''), split_part(u.email, '@', 1)) as display_name,
    coalesce(nullif(u.timezone, ''), 'UTC') as timezone
from public.users as u;

comment on view private.people is
'People adapter: id, email, display name and IANA timezone of every user. The single place to adapt '
'mini-mentorship to a host app whose user tables differ. Not exposed through the API.';
comment on column private.people.id is 'The user''s id (auth.users.id).';
comment on column private.people.email is 'Where the user''s notifications go.';
comment on column private.people.display_name is 'Name shown to the other participant and in emails.';
comment on column private.people.timezone is 'IANA zone the user''s emails render times in.';

-- A mentor in the matching pool may browse and claim open requests.
create or replace function private.is_pool_mentor(user_id uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
    select exists (
        select
        from public.mentorship_profiles as mp
        where
            mp.user_id = is_pool_mentor.user_id
            and mp.profile_type = 'mentor'
            and mp.in_matching_pool
    )
$$;

comment on function private.is_pool_mentor(uuid) is
'True when the user has a mentor profile in the matching pool. Security definer so policies and RPCs can ask '
'without the caller being able to read other users'' profiles.';

-- Admin is a claim in the JWT's app_metadata, which only the service role (or the auth admin API) can set.
create or replace function private.is_admin()
returns boolean
language sql
stable
set search_path = ''
as $$
    select coalesce((select auth.jwt()) -> 'app_metadata' ->> 'role', '') = 'admin'
$$;

comment on function private.is_admin() is
'True when the caller''s JWT carries app_metadata.role = admin. app_metadata is writable only with the service '
'role, so users cannot grant it to themselves. Grant with: update auth.users set raw_app_meta_data = '
'raw_app_meta_data || ''{"role":"admin"}'' where id = ...; (takes effect on the next token refresh).';

-- Policies run as the caller, so the helpers they call must be executable by `authenticated`; the schema
-- itself stays out of the Data API (it is not in pgrst.db_schemas) and holds nothing else they may use.
grant usage on schema private to authenticated;
revoke execute on function private.is_pool_mentor(uuid), private.is_admin() from public, anon;
grant execute on function private.is_pool_mentor(uuid), private.is_admin() to authenticated;
