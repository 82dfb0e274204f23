-- Policies that read user_metadata (from the JWT, or raw_user_meta_data from auth.users): every user can
-- edit their own user_metadata, so it must never decide access. Use app_metadata.
-- (splinter 0015_rls_references_user_metadata)
select
    format('%I.%I', p.schemaname, p.tablename) as object,
    format('policy %L reads user_metadata, which every user can edit', p.policyname) as detail
from pg_catalog.pg_policies as p
where
    p.schemaname not in (select ss.name from supabase_schemas as ss)
    and coalesce(p.qual, '') || ' ' || coalesce(p.with_check, '')
    ~* '((auth\.jwt\(\)|current_setting\(.*request\.jwt\.claim).*user_metadata|raw_user_meta_data)'
