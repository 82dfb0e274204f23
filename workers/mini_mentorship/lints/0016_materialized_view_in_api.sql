-- Materialized views in an exposed schema that the API roles can select: row level security does not apply
-- to them, so every row is readable through the Data API. (splinter 0016_materialized_view_in_api)
select
    format('%I.%I', n.nspname, c.relname) as object,
    'materialized view is selectable by anon or authenticated through the Data API' as detail
from pg_catalog.pg_class as c
inner join pg_catalog.pg_namespace as n on c.relnamespace = n.oid
where
    c.relkind = 'm'
    and n.nspname in (select es.name from exposed_schemas as es)
    and (
        pg_catalog.has_table_privilege('anon', c.oid, 'select')
        or pg_catalog.has_table_privilege('authenticated', c.oid, 'select')
    )
    and not exists (
        select from pg_catalog.pg_depend as dep
        where dep.classid = 'pg_catalog.pg_class'::regclass and dep.objid = c.oid and dep.deptype = 'e'
    )
