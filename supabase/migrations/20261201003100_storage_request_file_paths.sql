-- Storage paths of request files are checked, not trusted (security hardening, issue 8 part 7).
--
-- The upload policies only compared the first folder with the caller's id and counted folders, so a student
-- could file objects under any string as the "request" folder (another student's request id, `..`, an empty
-- segment from `a//b`), and a mentor removed from the matching pool kept reading the files of a request they
-- had only claimed. Now:
-- * an upload or a rename must be named `<own uid>/<id of one of the caller's own requests>/<file name>`,
--   exactly three non-empty segments, none of them `.` or `..` (private.is_own_request_file);
-- * the claiming mentor reads a claimed request's files only while still in the matching pool; once the
--   request is scheduled or completed, its mentor keeps reading them (private.is_claiming_mentor_of_file).
-- Reading and deleting under one's own folder are unchanged, so malformed names left from before can still
-- be cleaned up by their owner.

-- Whether an object name is a well-formed file of one of the caller's own requests.
create function private.is_own_request_file(object_name text)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
    select coalesce(
        char_length(is_own_request_file.object_name) <= 1024
        and cardinality(string_to_array(is_own_request_file.object_name, '/')) = 3
        and not (string_to_array(is_own_request_file.object_name, '/') && array['', '.', '..'])
        and exists (
            select
            from public.mini_mentorship_requests as r
            where
                r.student_id = (select auth.uid())
                and r.student_id::text = split_part(is_own_request_file.object_name, '/', 1)
                and r.id::text = split_part(is_own_request_file.object_name, '/', 2)
        ),
        false
    )
$$;

comment on function private.is_own_request_file(text) is
'True when the object name is <caller uid>/<id of one of the caller''s own requests>/<file name>: exactly three '
'non-empty segments, none "." or "..", at most 1024 characters. Never NULL. Security definer so the Storage '
'policies can ask whatever the request policies allow; called by the upload and rename policies.';

revoke execute on function private.is_own_request_file(text) from public, anon, service_role;
grant execute on function private.is_own_request_file(text) to authenticated;

create or replace function private.is_claiming_mentor_of_file(object_name text)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
    select exists (
        select
        from public.mini_mentorship_requests as r
        where
            r.id::text = (storage.foldername(is_claiming_mentor_of_file.object_name))[2]
            and r.student_id::text = (storage.foldername(is_claiming_mentor_of_file.object_name))[1]
            and r.claimed_by_mentor_id = (select auth.uid())
            and (
                r.status in ('scheduled', 'completed')
                or (r.status = 'claimed' and private.is_pool_mentor(r.claimed_by_mentor_id))
            )
    )
$$;

comment on function private.is_claiming_mentor_of_file(text) is
'True when the caller is the mentor of the request whose folder <student>/<request>/ holds the object: while '
'the request is claimed only if they are still in the matching pool, and once it is scheduled or completed. '
'Never NULL. Security definer so the Storage policy can ask without the caller reading other requests.';

drop policy "Students can upload request files into their own folder" on storage.objects;

create policy "Students can upload files into their own requests' folders"
on storage.objects for insert to authenticated
with check (
    bucket_id = 'mini-mentorship-files'
    and private.is_own_request_file(name)
);

drop policy "Students can replace their own request files" on storage.objects;

create policy "Students can replace their own request files"
on storage.objects for update to authenticated
using (
    bucket_id = 'mini-mentorship-files'
    and (storage.foldername(name))[1] = (select auth.uid())::text
)
with check (
    bucket_id = 'mini-mentorship-files'
    and private.is_own_request_file(name)
);
