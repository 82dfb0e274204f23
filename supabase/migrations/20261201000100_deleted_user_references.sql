-- Deleting an account must not trip the transition guards (security hardening, issue 8).
--
-- Several history columns reference public.users with ON DELETE SET NULL (who released, cancelled or marked
-- a no-show; the mentor of a finished request). When an account is deleted, PostgreSQL's referential action
-- updates those rows, and the transition guards used to restore the old value (these columns are "written
-- only by the database"), so the delete failed. The guards now let exactly that change through: a reference
-- column may go from a user id to NULL when that user no longer exists. This migration adds the one test
-- they share; the request guard (20261201001300) and the session guard (20261201002200) use it. Live claims
-- and sessions never reach this point: the account-deletion handler (20261201003000) releases and cancels
-- them first.

-- True when a reference column is being cleared because the user it named was deleted.
create function private.user_was_deleted(old_ref uuid, new_ref uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
    select
        new_ref is null
        and old_ref is not null
        and not exists (select from public.users as u where u.id = old_ref)
$$;

comment on function private.user_was_deleted(uuid, uuid) is
'True when a reference column goes from a user id to NULL because that user no longer exists in public.users '
'(the ON DELETE SET NULL action of an account deletion). Never NULL. Used by the transition guards.';

revoke execute on function private.user_was_deleted(uuid, uuid) from public, anon, authenticated, service_role;
