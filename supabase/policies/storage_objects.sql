-- storage.objects in the private bucket `mini-mentorship-files` (source of truth; see requests.sql).
--
-- Object names are `<student uid>/<request id>/<file>`. Students upload, read, replace and delete only
-- under their own folder; the mentor holding the claim on a request reads that request's folder.

create policy "Students and claiming mentors can read request files"
on storage.objects for select to authenticated
using (
    bucket_id = 'mini-mentorship-files'
    and (
        (storage.foldername(name))[1] = (select auth.uid())::text
        or private.is_claiming_mentor_of_file(name)
    )
);

create policy "Students can upload request files into their own folder"
on storage.objects for insert to authenticated
with check (
    bucket_id = 'mini-mentorship-files'
    and (storage.foldername(name))[1] = (select auth.uid())::text
    and cardinality(storage.foldername(name)) = 2
);

create policy "Students can replace their own request files"
on storage.objects for update to authenticated
using (
    bucket_id = 'mini-mentorship-files'
    and (storage.foldername(name))[1] = (select auth.uid())::text
)
with check (
    bucket_id = 'mini-mentorship-files'
    and (storage.foldername(name))[1] = (select auth.uid())::text
    and cardinality(storage.foldername(name)) = 2
);

create policy "Students can delete their own request files"
on storage.objects for delete to authenticated
using (
    bucket_id = 'mini-mentorship-files'
    and (storage.foldername(name))[1] = (select auth.uid())::text
);
