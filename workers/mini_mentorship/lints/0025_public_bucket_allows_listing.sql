-- Public Storage buckets with a broad select policy on storage.objects (always true, or only
-- `bucket_id = '<that bucket>'`): anyone can list every file name in the bucket, while public object URLs
-- need no such policy. (splinter 0025_public_bucket_allows_listing)
-- requires: storage.buckets
with public_buckets as (
    select b.id as bucket_id
    from storage.buckets as b
    where b.public
)

select
    'storage.buckets/' || pb.bucket_id as object,
    format(
        'public bucket can be listed by everyone through %s',
        string_agg(quote_literal(p.policyname), ', ' order by p.policyname)
    ) as detail
from public_buckets as pb
inner join pg_catalog.pg_policies as p
    on
        p.schemaname = 'storage'
        and p.tablename = 'objects'
        and p.cmd in ('SELECT', 'ALL')
        and p.permissive = 'PERMISSIVE'
        and p.roles && array['public', 'anon', 'authenticated']::name[]
where
    p.qual is null
    or regexp_replace(lower(p.qual), '\s', '', 'g') in ('true', '(true)', '1=1', '(1=1)')
    or (
        regexp_match(
            p.qual, '\A\s*\(*\s*bucket_id\s*=\s*''((?:[^'']|'''')*)''(\s*::\s*[[:alnum:]_.]+)?\s*\)*\s*\Z', 'i'
        )
    )[1] = replace(pb.bucket_id, '''', '''''')
group by pb.bucket_id
