-- public.mini_mentorship_people: grants (source of truth; see requests.sql).
--
-- A security_invoker view over private.mini_mentorship_people(), which filters by the caller (themself, the
-- people they share a request or session with; everyone for an admin). Views have no RLS of their own: the
-- function is the filter. Signed-in users only; never the email.

grant select on public.mini_mentorship_people to authenticated;
