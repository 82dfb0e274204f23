-- Tables with policies whose RLS is off: the policies do nothing. (splinter 0007_policy_exists_rls_disabled)
select
    format('%I.%I', n.nspname, c.relname) as object,
    'policies exist but row level security is disabled' as detail
from pg_catalog.pg_class as c
inner join pg_catalog.pg_namespace as n on c.relnamespace = n.oid
where
    c.relkind in ('r', 'p')
    and not c.relrowsecurity
    and n.nspname in (select es.name from exposed_schemas as es)
    and exists (
        select from pg_catalog.pg_policy as p
        where p.polrelid = c.oid
    )
