-- public.mini_mentorship_requests: row level security and grants (source of truth; the migrations carry
-- exactly this, checked by `mini-mentorship db policies --check` and tests/sql/test_policy_drift.py).
--
-- Students read and create their own requests; the mentor holding the claim reads it. Pool mentors see open
-- requests only through browse_mini_requests, which leaves out the student's private links; admins list
-- every request through admin_list_mini_requests (no admin arm here: every arm of a read policy is a column
-- an index serves, see docs/security.md). Every change after creation goes through the RPCs (security
-- definer, checking their caller).

alter table public.mini_mentorship_requests enable row level security;

create policy "Students and their claiming mentor can read requests"
on public.mini_mentorship_requests for select to authenticated
using (
    student_id = (select auth.uid())
    or claimed_by_mentor_id = (select auth.uid())
);

create policy "Students can create their own requests"
on public.mini_mentorship_requests for insert to authenticated
with check (student_id = (select auth.uid()));

grant select on public.mini_mentorship_requests to authenticated;
-- createRequest is a plain insert: only what a request form fills (a trigger sets the rest; a follow-up names
-- the completed session it continues, and the trigger reserves it for that session's mentor).
grant insert (
    student_id, title, description, session_type, preferred_duration_minutes, urgency,
    preferred_date_start, preferred_date_end, preferred_time_slots, timezone, tags,
    relevant_experience, specific_questions, resume_url, portfolio_url, follow_up_of, follow_up_exclusive
) on public.mini_mentorship_requests to authenticated;
grant select, insert, update, delete on public.mini_mentorship_requests to service_role;
