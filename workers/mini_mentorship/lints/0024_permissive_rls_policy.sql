-- Permissive policies for anon, authenticated or everyone whose condition is always true on a write
-- (`using (true)` on update/delete, `with check (true)` or none on insert): row level security is on but
-- allows every row. Select policies with `using (true)` are left alone: public reads are often deliberate.
-- (splinter 0024_rls_policy_always_true, documented as permissive_rls_policy)
with policies as (
    select
        p.schemaname,
        p.tablename,
        p.policyname,
        p.cmd,
        p.qual,
        p.with_check,
        regexp_replace(lower(coalesce(p.qual, '')), '\s', '', 'g') as using_text,
        regexp_replace(lower(coalesce(p.with_check, '')), '\s', '', 'g') as check_text
    from pg_catalog.pg_policies as p
    inner join pg_catalog.pg_namespace as n on p.schemaname = n.nspname
    inner join pg_catalog.pg_class as c on n.oid = c.relnamespace and p.tablename = c.relname
    where
        c.relrowsecurity
        and p.permissive = 'PERMISSIVE'
        and p.roles && array['public', 'anon', 'authenticated']::name[]
        and p.schemaname not in (select ss.name from supabase_schemas as ss)
)

select
    format('%I.%I', pol.schemaname, pol.tablename) as object,
    format('policy %L allows every row for %s', pol.policyname, pol.cmd) as detail
from policies as pol
where
    (
        pol.cmd in ('UPDATE', 'DELETE', 'ALL')
        and (pol.qual is null or pol.using_text in ('true', '(true)', '1=1', '(1=1)'))
    )
    or pol.check_text in ('true', '(true)', '1=1', '(1=1)')
    or (pol.with_check is null and pol.cmd = 'INSERT')
