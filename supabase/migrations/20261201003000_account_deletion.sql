-- Deleting an account withdraws the user from mentorship first (security hardening, issue 8 part 6).
--
-- Deleting a user in the Supabase dashboard (or with auth.admin.deleteUser) is `delete from auth.users`,
-- which cascades to public.users and from there to our tables. Live claims and sessions cannot simply vanish
-- or have their mentor set to NULL: the transition guards refuse it, and the other participant would never
-- hear about it. So a `before delete` trigger on auth.users (triggers on auth.users remain allowed on
-- Supabase; functions may not be created in schema auth, so the function lives in private) first walks the
-- user's live work through the ordinary transitions, which run the guards, the audit trail and the
-- notification triggers:
-- * each scheduled or in-progress session in which they take part is cancelled; the request reopens when they
--   were its mentor (as when a mentor cancels) and is cancelled when they were its student;
-- * each request they claimed as a mentor (claimed, or scheduled without a live session) goes back to open;
-- * each open or claimed request they posted as a student is cancelled.
-- Then the cascade removes what the foreign keys say (their requests, their sessions, their availability) and
-- sets the history references to NULL (who cancelled, released, marked a no-show; the mentor of a finished
-- request), which the guards let through since 20261201000100.

create function private.withdraw_user_from_mentorship(user_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    gone constant uuid := withdraw_user_from_mentorship.user_id;
    other_left constant text := 'The other participant''s account was deleted.';
    live record;
    held record;
begin
    if gone is null then
        return;
    end if;

    -- Live sessions, as student or as mentor, in a stable order so concurrent deletions lock alike.
    for live in
        select s.id, s.request_id, (s.mentor_id = gone and s.student_id <> gone) as mentor_left
        from public.mini_mentorship_sessions as s
        where
            (s.student_id = gone or s.mentor_id = gone)
            and s.status in ('scheduled', 'in-progress')
        order by s.id
        for update
    loop
        update public.mini_mentorship_sessions as s
        set
            status = 'cancelled',
            cancellation_reason = other_left
        where s.id = live.id;
        perform private.end_request_after_session(live.request_id, live.mentor_left, other_left);
    end loop;

    -- What they hold as a mentor on other students' requests goes back to the pool.
    for held in
        select r.id, r.status
        from public.mini_mentorship_requests as r
        where
            r.claimed_by_mentor_id = gone
            and r.student_id <> gone
            and r.status in ('claimed', 'scheduled')
        order by r.id
        for update
    loop
        if held.status = 'claimed' then
            update public.mini_mentorship_requests as r
            set
                status = 'open',
                last_release_reason = 'The mentor''s account was deleted.'
            where r.id = held.id;
        else
            perform private.end_request_after_session(held.id, true, 'The mentor''s account was deleted.');
        end if;
    end loop;

    -- Their own requests that are still live are cancelled (the cascade then removes them).
    update public.mini_mentorship_requests as r
    set
        status = 'cancelled',
        cancellation_reason = 'The student''s account was deleted.'
    where
        r.student_id = gone
        and r.status in ('open', 'claimed');
end
$$;

comment on function private.withdraw_user_from_mentorship(uuid) is
'Before an account is deleted: cancels the user''s scheduled and in-progress sessions (the request reopens '
'when they were the mentor, is cancelled when they were the student), returns the requests they claimed as a '
'mentor to the pool, and cancels their own open or claimed requests, all through the ordinary transitions so '
'the guards, audit events and notifications run. Called by the before-delete trigger on auth.users; a host '
'app that deletes public.users rows by other means calls it first. Idempotent. Not callable by API roles.';

revoke execute on function private.withdraw_user_from_mentorship(uuid)
from public, anon, authenticated, service_role;

create function private.withdraw_deleted_account()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
    perform private.withdraw_user_from_mentorship(old.id);
    return old;
end
$$;

comment on function private.withdraw_deleted_account() is
'Trigger function (before delete on auth.users): calls private.withdraw_user_from_mentorship(old.id) so the '
'cascade that follows finds no live claim or session. Security definer because Supabase Auth deletes as '
'supabase_auth_admin, which has no rights on our tables.';

revoke execute on function private.withdraw_deleted_account() from public, anon, authenticated, service_role;

create trigger mini_mentorship_withdraw_deleted_account
before delete on auth.users
for each row execute function private.withdraw_deleted_account();
