-- public.mini_mentorship_availability: row level security and grants (source of truth; see requests.sql).
--
-- A mentor manages their own windows; admins list all through admin_list_mini_availability. Scheduling
-- reads other mentors' windows inside schedule_mini_session (security definer), so nobody else needs to see
-- them.

alter table public.mini_mentorship_availability enable row level security;

create policy "Mentors can read their own availability"
on public.mini_mentorship_availability for select to authenticated
using (mentor_id = (select auth.uid()));

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

grant select, delete on public.mini_mentorship_availability to authenticated;
grant insert (mentor_id, available_from, available_until, timezone, is_available, blocked_reason)
on public.mini_mentorship_availability to authenticated;
grant update (available_from, available_until, timezone, is_available, blocked_reason)
on public.mini_mentorship_availability to authenticated;
grant select, insert, update, delete on public.mini_mentorship_availability to service_role;
