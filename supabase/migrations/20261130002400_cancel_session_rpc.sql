-- Cancelling a scheduled (or running) session, by either participant or an admin (DESIGN §5, §7).
--
-- What happens to the request depends on who cancels:
-- * the mentor: a reason is required (the student deserves one: 22023 reason_required); the request reopens
--   (scheduled -> open, the claim is cleared and recorded as a release, its expiry pushed to at least a week
--   ahead) so another mentor can claim it;
-- * the student or an admin: the reason is optional; the request is cancelled too (scheduled -> cancelled,
--   see 20261130001100): the student withdrew it, or an admin stopped it.
-- Session and request change in one transaction; the triggers set cancelled_at / cancelled_by, bump the ICS
-- sequence and write session.cancelled plus request.reopened or request.cancelled.

create function public.cancel_mini_session(session_id uuid, reason text)
returns public.mini_mentorship_sessions
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    caller uuid := private.require_signed_in();
    why text := nullif(btrim(cancel_mini_session.reason), '');
    target public.mini_mentorship_sessions;
    cancelled public.mini_mentorship_sessions;
    by_mentor boolean;
begin
    if cancel_mini_session.session_id is null then
        perform private.raise_bad_field('session_id', 'Say which session to cancel.');
    end if;
    if char_length(why) > 1000 then
        perform private.raise_bad_field('reason', 'The reason can be at most 1000 characters.');
    end if;

    target := private.lock_visible_session(cancel_mini_session.session_id, caller);
    by_mentor := caller = target.mentor_id;
    if by_mentor and why is null then
        raise exception using
            errcode = '22023',
            message = 'Tell the student why you are cancelling.',
            hint = 'reason_required';
    end if;
    if target.status not in ('scheduled', 'in-progress') then
        raise exception using
            errcode = 'PT409',
            message = format('This session is already %s.', target.status),
            hint = 'session_not_active';
    end if;

    update public.mini_mentorship_sessions as s
    set
        status = 'cancelled',
        cancellation_reason = why
    where s.id = target.id
    returning s.* into cancelled;

    perform private.end_request_after_session(target.request_id, by_mentor, why);
    return cancelled;
end
$$;

comment on function public.cancel_mini_session(uuid, text) is
'Either participant or an admin cancels a scheduled or in-progress session. The mentor must give a reason '
'(22023 reason_required) and the request reopens for other mentors (scheduled -> open, claim cleared); when '
'the student or an admin cancels, the request is cancelled too. Errors: 22023 session_id / reason (> 1000 '
'chars) / reason_required; 42501 not_authenticated; PT404 session_not_found (also for non-participants); '
'PT409 session_not_active. Returns the cancelled session.';

revoke execute on function public.cancel_mini_session(uuid, text) from public, anon, service_role;
grant execute on function public.cancel_mini_session(uuid, text) to authenticated;
