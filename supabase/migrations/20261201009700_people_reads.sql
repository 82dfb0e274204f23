-- Who is the other person? (issue 12, item 2): a participant-safe read of the people adapter.
--
-- A student could not read the mentor's name (public.users shows each user only their own row), so no
-- session page or request card could be built. public.mini_mentorship_people answers through from():
-- id, display name, time zone and avatar (never the email) of
-- * the caller themself;
-- * the people the caller shares a request with (its student and its current claiming mentor);
-- * the people the caller shares a session with (its student and mentor, whatever the session's state);
-- * everyone, for an admin.
--
-- * It is a security_invoker view (Supabase lint 0010 flags views that run as their owner) over
--   private.mini_mentorship_people(), a security-definer function that filters by auth.uid(): the people
--   adapter and the host's user table stay unreadable to the API roles. A signed-in caller's rows are found
--   through the indexes on requests (student_id, claimed_by_mentor_id) and sessions (student_id, mentor_id),
--   then the adapter by primary key; an admin's read is the adapter's full list (admins filter with .in()).
-- * private.people_avatars is the place to adapt avatars: by default the avatar_url column of the host's
--   public.users when it has one (read through to_jsonb, so no column is required), null otherwise.
--   private.people (20261130000002) is not redefined, so a host's own adaptation of it is kept.

create view private.people_avatars
with (security_barrier = true)
as
select
    u.id,
    pg_catalog.to_jsonb(u) ->> 'avatar_url' as avatar_url
from public.users as u;

comment on view private.people_avatars is
'Avatar adapter: the avatar URL of each user, from public.users.avatar_url when the host''s table has that '
'column (null otherwise). Adapt this view to a host app that keeps avatars elsewhere. Not exposed.';
comment on column private.people_avatars.id is 'The user''s id (auth.users.id).';
comment on column private.people_avatars.avatar_url is 'The user''s avatar URL, or null.';

create function private.mini_mentorship_people()
returns table (id uuid, display_name text, timezone text, avatar_url text)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
    caller uuid := (select auth.uid());
    people uuid[];
begin
    if caller is null then
        return;
    end if;
    if coalesce(private.is_admin(), false) then
        return query
        select p.id, p.display_name, p.timezone, a.avatar_url
        from private.people as p
        left join private.people_avatars as a on a.id = p.id;
        return;
    end if;
    -- The ids first, each from an index; then the adapter by primary key (a join into its security-barrier
    -- view could not use the index).
    select coalesce(array_agg(distinct shared.person_id), '{}')
    into people
    from (
        select caller as person_id
        union all
        select r.claimed_by_mentor_id
        from public.mini_mentorship_requests as r
        where r.student_id = caller and r.claimed_by_mentor_id is not null
        union all
        select r.student_id
        from public.mini_mentorship_requests as r
        where r.claimed_by_mentor_id = caller
        union all
        select s.mentor_id
        from public.mini_mentorship_sessions as s
        where s.student_id = caller
        union all
        select s.student_id
        from public.mini_mentorship_sessions as s
        where s.mentor_id = caller
    ) as shared;

    return query
    select p.id, p.display_name, p.timezone, a.avatar_url
    from private.people as p
    left join private.people_avatars as a on a.id = p.id and a.id = any(people)
    where p.id = any(people);
end
$$;

comment on function private.mini_mentorship_people() is
'The rows of public.mini_mentorship_people for the caller (security definer: reads the people adapter, '
'which the API roles cannot): themself, the student and claiming mentor of each request they are the student '
'or claiming mentor of, the other participant of each of their sessions; everyone for an admin; nothing '
'without a signed-in user. Never the email.';

create view public.mini_mentorship_people
with (security_invoker = true)
as
select
    p.id,
    p.display_name,
    p.timezone,
    p.avatar_url
from private.mini_mentorship_people() as p;

comment on view public.mini_mentorship_people is
'Participant-safe people read (issue 12): id, display name, time zone and avatar of the caller, of the people '
'they share a request (its student, its claiming mentor) or a session with, and of everyone for an admin. '
'Never the email. Read with from(''mini_mentorship_people'').select().in(''id'', [...]).';
comment on column public.mini_mentorship_people.id is 'The user''s id (the student_id / mentor_id of a row).';
comment on column public.mini_mentorship_people.display_name is
'Name to show: the profile''s full name, else the part of the email before @.';
comment on column public.mini_mentorship_people.timezone is 'The user''s IANA time zone.';
comment on column public.mini_mentorship_people.avatar_url is
'The user''s avatar URL when the host app keeps one (private.people_avatars), else null.';

-- The view is read-only. Without a trigger PostgreSQL refuses a write to it with 55000 (HTTP 500) before it
-- checks privileges; with one, the missing privilege answers 42501, and a role that has it is refused here.
create function private.refuse_people_write()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
    raise exception using
        errcode = '42501',
        message = 'mini_mentorship_people is read-only: names and time zones come from the host app''s profiles.',
        hint = 'read_only';
end
$$;

comment on function private.refuse_people_write() is
'Trigger function (instead of insert, update or delete on public.mini_mentorship_people): refuses every write '
'with 42501 read_only, so no write reaches the app as a 500.';

create trigger people_are_read_only
instead of insert or update or delete on public.mini_mentorship_people
for each row execute function private.refuse_people_write();

revoke all on private.people_avatars from public, anon, authenticated, service_role;
revoke execute on function private.refuse_people_write() from public, anon, authenticated, service_role;
revoke execute on function private.mini_mentorship_people() from public, anon, service_role;
grant execute on function private.mini_mentorship_people() to authenticated;
revoke all on public.mini_mentorship_people from public, anon, authenticated, service_role;
grant select on public.mini_mentorship_people to authenticated;
