-- First-time users (issue 12, item 3): a signed-up user gets a profile, and one without a profile is told so.
--
-- * Where this toolkit created the minimal public.users (20261130000002 creates it only when absent and
--   marks it with its table comment "... created by mini-mentorship ..."), the usual Supabase
--   `after insert on auth.users` trigger creates the profile row: full_name from raw_user_meta_data's
--   full_name (or name), trimmed, at most 200 characters; timezone from its timezone when it is a valid IANA
--   name (private.is_valid_timezone), else UTC. A user without an email (phone sign-ups, anonymous sign-ins)
--   gets no row: notifications need an address. Where the host has its own public.users, no trigger is
--   created: the host's own sign-up code owns that table (docs/security.md, "First-time users").
--   As with the before-delete trigger of 20261201003000, the trigger only calls a security-definer function
--   in private (Supabase Auth inserts as supabase_auth_admin, which has no rights on public.users), so later
--   migrations change the function, never the trigger.
-- * Either way, a request posted by a user without a public.users row answers PT409 profile_missing with a
--   message for the developer, instead of the foreign-key error 23503. The check is its own before-insert
--   trigger (check_caller_profile: fires after check_caller_may_post, before check_timezone and
--   guard_request_insert, which stays as it is).

create function private.create_profile_for_new_user()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
    meta jsonb := case
        when jsonb_typeof(new.raw_user_meta_data) = 'object' then new.raw_user_meta_data else '{}'::jsonb
    end;
    name text;
    zone text := 'UTC';
begin
    if new.email is null or btrim(new.email) = '' then
        return null;
    end if;
    if jsonb_typeof(meta -> 'full_name') = 'string' then
        name := meta ->> 'full_name';
    elsif jsonb_typeof(meta -> 'name') = 'string' then
        name := meta ->> 'name';
    end if;
    name := nullif(left(btrim(name), 200), '');
    if jsonb_typeof(meta -> 'timezone') = 'string'
        and octet_length(meta ->> 'timezone') <= 64
        and coalesce(private.is_valid_timezone(meta ->> 'timezone'), false) then
        zone := meta ->> 'timezone';
    end if;

    insert into public.users (id, email, full_name, timezone)
    values (new.id, new.email, name, zone)
    on conflict (id) do nothing;
    return null;
end
$$;

comment on function private.create_profile_for_new_user() is
'Trigger function (after insert on auth.users, only where mini-mentorship created the minimal public.users): '
'creates the profile row (email; full_name from raw_user_meta_data full_name or name, trimmed, <= 200 '
'characters; timezone from raw_user_meta_data timezone when a valid IANA name, else UTC). No row for a user '
'without an email. An existing row is left as it is. Security definer: Supabase Auth inserts as '
'supabase_auth_admin.';

revoke execute on function private.create_profile_for_new_user() from public, anon, authenticated, service_role;

do $profiles$
begin
    if coalesce(
        obj_description('public.users'::regclass, 'pg_class') like '%created by mini-mentorship%', false
    ) then
        create trigger mini_mentorship_create_profile
        after insert on auth.users
        for each row execute function private.create_profile_for_new_user();
    end if;
end
$profiles$;

-- Trigger (before insert on mini_mentorship_requests): the poster has a profile row.
create function private.check_caller_profile()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
    poster uuid := coalesce((select auth.uid()), new.student_id);
begin
    if poster is not null and not exists (select from public.users as u where u.id = poster) then
        raise exception using
            errcode = 'PT409',
            message = 'This account has no profile yet, so it cannot post requests. The app creates the profile '
            || '(public.users row) at sign-up: see docs/security.md, "First-time users".',
            hint = 'profile_missing';
    end if;
    return new;
end
$$;

comment on function private.check_caller_profile() is
'Trigger function (before insert on mini_mentorship_requests): refuses a request whose poster (the caller, '
'or student_id for the service role) has no public.users row with PT409 / profile_missing instead of the '
'foreign-key error 23503. Fires after check_caller_may_post and before check_timezone and '
'guard_request_insert (triggers fire in name order).';

create trigger check_caller_profile
before insert on public.mini_mentorship_requests
for each row execute function private.check_caller_profile();

revoke execute on function private.check_caller_profile() from public, anon, authenticated, service_role;
