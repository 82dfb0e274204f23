-- Policies that call auth.uid(), auth.jwt(), auth.role(), auth.email() or current_setting() bare: PostgreSQL
-- re-evaluates them for every row. Wrapped as `(select auth.uid())` they run once per statement (initplan).
-- (splinter 0003_auth_rls_initplan)
select
    format('%I.%I', p.schemaname, p.tablename) as object,
    format('policy %L calls an auth function per row; wrap it as (select auth.<fn>())', p.policyname) as detail
from pg_catalog.pg_policies as p
where
    p.schemaname in (select es.name from exposed_schemas as es)
    -- what is left after removing every wrapped call still calls an auth function
    and regexp_replace(
        coalesce(p.qual, '') || ' ' || coalesce(p.with_check, ''),
        '\(\s*select\s+(auth\.(uid|jwt|role|email)\(\)|current_setting\([^)]*\))[^)]*\)',
        '', 'gi'
    ) ~* '(auth\.(uid|jwt|role|email)\(\)|current_setting\()'
