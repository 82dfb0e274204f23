-- storage.objects in the private bucket `mini-mentorship-files` (source of truth; see requests.sql).
--
-- Object names are `<student uid>/<request id>/<file>`. Students read and delete under their own folder, and
-- upload or rename only to `<own uid>/<one of their own requests>/<file>` (three non-empty segments, no `.` or
-- `..`: private.is_own_request_file); the mentor of a request reads that request's folder (a mere claim only
-- while still in the matching pool: private.is_claiming_mentor_of_file).

create policy "Students and claiming mentors can read request files"
on storage.objects for select to authenticated
using (
    bucket_id = 'mini-mentorship-files'
    and (
        (storage.foldername(name))[1] = (select auth.uid())::text
        or private.is_claiming_mentor_of_file(name)
    )
);

create policy "Students can upload files into their own requests' folders"
on storage.objects for insert to authenticated
with check (
    bucket_id = 'mini-mentorship-files'
    and private.is_own_request_file(name)
);

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

create policy "Students can delete their own request files"
on storage.objects for delete to authenticated
using (
    bucket_id = 'mini-mentorship-files'
    and (storage.foldername(name))[1] = (select auth.uid())::text
);
