-- The student writes their own notes on a session (issue 12 item 9): `student_notes` had no writer. Sessions
-- change only through RPCs (no update grant for `authenticated`), so this is one more: a security-invoker
-- wrapper in public over a security-definer implementation of the same name in private, with the order of
-- checks of every session RPC (signed in; argument sizes; the session visible, else PT404 like a made-up id;
-- the caller's part). Notes are not a transition: any state, no event, no notification; the session's
-- participants and admins read them like every other column.

create function private.update_mini_session_notes(session_id uuid, student_notes text default null)
returns public.mini_mentorship_sessions
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    caller uuid := private.require_signed_in();
    notes text;
    target public.mini_mentorship_sessions;
    updated public.mini_mentorship_sessions;
begin
    perform private.check_text_size('student_notes', update_mini_session_notes.student_notes, 5000);
    if update_mini_session_notes.session_id is null then
        perform private.raise_bad_field('session_id', 'Say which session the notes are for.');
    end if;
    notes := private.clean_optional_text('student_notes', update_mini_session_notes.student_notes, 5000);

    target := private.lock_visible_session(update_mini_session_notes.session_id, caller);
    if target.student_id is distinct from caller then
        raise exception using
            errcode = '42501',
            message = 'Only the session''s student can write their notes.',
            hint = 'not_session_student';
    end if;

    update public.mini_mentorship_sessions as s
    set student_notes = notes
    where s.id = target.id
    returning s.* into updated;
    return updated;
end
$$;

comment on function private.update_mini_session_notes(uuid, text) is
'Implementation of public.update_mini_session_notes (security definer, not exposed: the Data API serves only '
'public). See the wrapper''s comment for the contract.';

create function public.update_mini_session_notes(session_id uuid, student_notes text default null)
returns public.mini_mentorship_sessions
language sql
volatile
security invoker
set search_path = ''
as $$
    select private.update_mini_session_notes(
        session_id => update_mini_session_notes.session_id,
        student_notes => update_mini_session_notes.student_notes
    )
$$;

comment on function public.update_mini_session_notes(uuid, text) is
'The session''s student sets (or, with null or blank, clears) their own notes on the session, in any state '
'(<= 5000 chars, trimmed). No event, no notification. Errors: 22023 session_id / student_notes; 42501 '
'not_authenticated / not_session_student (the mentor, an admin); PT404 session_not_found (also for '
'non-participants). Returns the session. Security invoker: the work is done by '
'private.update_mini_session_notes.';

revoke execute on function private.update_mini_session_notes(uuid, text) from public, anon, service_role;
grant execute on function private.update_mini_session_notes(uuid, text) to authenticated;
revoke execute on function public.update_mini_session_notes(uuid, text) from public, anon, service_role;
grant execute on function public.update_mini_session_notes(uuid, text) to authenticated;
