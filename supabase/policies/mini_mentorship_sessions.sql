-- public.mini_mentorship_sessions: row level security and grants (source of truth; see requests.sql).
--
-- Participants (the student and the mentor) read a session; admins list every session through
-- admin_list_mini_sessions. Nobody writes it directly: sessions
-- are created, moved, joined, completed and rated through the RPCs.

alter table public.mini_mentorship_sessions enable row level security;

create policy "Participants can read their sessions"
on public.mini_mentorship_sessions for select to authenticated
using (
    id = any((select private.participant_session_ids())::uuid[])  -- the primary key first
    and (
        student_id = (select auth.uid())
        or mentor_id = (select auth.uid())
    )
);

grant select on public.mini_mentorship_sessions to authenticated;
grant select, insert, update, delete on public.mini_mentorship_sessions to service_role;
