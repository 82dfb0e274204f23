-- A participant's unfiltered read of their sessions is served by the primary key (issue 15).
--
-- The sessions read policy `student_id = (select auth.uid()) or mentor_id = (select auth.uid())` is served by
-- a BitmapOr of two indexes, but `from('mini_mentorship_sessions').select().order('scheduled_at')` with a
-- limit and no explicit filter let the planner walk mini_mentorship_sessions_scheduled_at_idx backwards
-- instead: with the caller unknown at plan time it guesses about a thousand matching rows (a mentor's share),
-- expects the first page early, and for a student with twenty sessions spread over the table's history read
-- almost all of it (about 75x the filtered read at 200,000 sessions). The policy now starts, like the events
-- policy, with `id = any(<the caller's session ids>)`: an index condition on the primary key, estimated at a
-- handful of rows, computed once per statement. The OR stays behind it, so the policy is never wider than
-- before.

-- The ids of the sessions the caller takes part in. Security definer: it reads the sessions table from inside
-- that table's own policy, where reading it as the caller would recurse; it returns only the caller's own
-- (auth.uid() as the student or the mentor), an empty array for anyone else, never null.
create function private.participant_session_ids()
returns uuid[]
language sql
stable
security definer
set search_path = ''
as $$
    select coalesce(array_agg(s.id), '{}')
    from public.mini_mentorship_sessions as s
    where s.student_id = (select auth.uid()) or s.mentor_id = (select auth.uid())
$$;

comment on function private.participant_session_ids() is
'Ids of the sessions the caller is the student or the mentor of (an empty array for anyone else, never null). '
'The sessions read policy narrows to these first, through the primary key; never wider than that policy.';

revoke execute on function private.participant_session_ids() from public, anon, authenticated, service_role;
grant execute on function private.participant_session_ids() to authenticated;

alter policy "Participants can read their sessions"
on public.mini_mentorship_sessions
using (
    id = any((select private.participant_session_ids())::uuid[])  -- the primary key first
    and (
        student_id = (select auth.uid())
        or mentor_id = (select auth.uid())
    )
);
