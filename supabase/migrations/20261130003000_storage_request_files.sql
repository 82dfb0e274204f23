-- Private Storage bucket for the files a student attaches to a request (resume, portfolio).
--
-- Object names follow `<student uid>/<request id>/<file name>`. A student uploads, reads, replaces and
-- deletes only under their own `<uid>/` folder; the mentor who holds the claim on a request (claimed,
-- scheduled or completed) may read the files under that request's folder; nobody else, anon included.
-- Every policy is scoped to this bucket, so other buckets of the host app keep their own rules.

insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
values (
    'mini-mentorship-files',
    'mini-mentorship-files',
    false,
    10485760,
    array['application/pdf', 'image/png', 'image/jpeg', 'text/plain', 'application/zip']
)
on conflict (id) do nothing;

-- Whether the caller holds the claim on the request whose folder `object_name` is in.
create function private.is_claiming_mentor_of_file(object_name text)
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
            r.id::text = (storage.foldername(object_name))[2]
            and r.student_id::text = (storage.foldername(object_name))[1]
            and r.claimed_by_mentor_id = (select auth.uid())
            and r.status in ('claimed', 'scheduled', 'completed')
    )
$$;

comment on function private.is_claiming_mentor_of_file(text) is
'True when the caller is the mentor holding the claim on the request whose folder <student>/<request>/ holds '
'the object. Security definer so the Storage policy can ask without the caller reading other requests.';

revoke execute on function private.is_claiming_mentor_of_file(text) from public, anon;
grant execute on function private.is_claiming_mentor_of_file(text) to authenticated;

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
