-- Tables with RLS on and no policy: nobody but the owner and BYPASSRLS roles sees a row. Usually a
-- forgotten policy. (splinter 0008_rls_enabled_no_policy)
select
    format('%I.%I', n.nspname, c.relname) as object,
    'row level security is enabled but no policy exists' as detail
from pg_catalog.pg_class as c
inner join pg_catalog.pg_namespace as n on c.relnamespace = n.oid
where
    c.relkind in ('r', 'p')
    and c.relrowsecurity
    and n.nspname in (select es.name from exposed_schemas as es)
    and not exists (
        select from pg_catalog.pg_policy as p
        where p.polrelid = c.oid
    )
