-- Tables without a primary key: rows cannot be addressed one by one (PostgREST updates, Realtime, logical
-- replication) and such tables are slow to work with at scale. (splinter 0004_no_primary_key)
select
    format('%I.%I', n.nspname, c.relname) as object,
    'table has no primary key' as detail
from pg_catalog.pg_class as c
inner join pg_catalog.pg_namespace as n on c.relnamespace = n.oid
where
    c.relkind = 'r'
    and not c.relispartition
    and n.nspname not in (select ss.name from supabase_schemas as ss)
    and n.nspname !~ '^pg_'
    and not exists (
        select from pg_catalog.pg_index as i
        where i.indrelid = c.oid and i.indisprimary
    )
    and not exists (
        select from pg_catalog.pg_depend as dep
        where dep.classid = 'pg_catalog.pg_class'::regclass and dep.objid = c.oid and dep.deptype = 'e'
    )
