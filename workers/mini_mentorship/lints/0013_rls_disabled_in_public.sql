-- Tables in an exposed schema without row level security: anyone with a grant reads and writes every row.
-- (splinter 0013_rls_disabled_in_public)
select
    format('%I.%I', n.nspname, c.relname) as object,
    'row level security is disabled on a table the Data API exposes' as detail
from pg_catalog.pg_class as c
inner join pg_catalog.pg_namespace as n on c.relnamespace = n.oid
where
    c.relkind in ('r', 'p')
    and not c.relrowsecurity
    and n.nspname in (select es.name from exposed_schemas as es)
