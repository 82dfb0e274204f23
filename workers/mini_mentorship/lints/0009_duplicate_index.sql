-- Identical indexes on one table (same columns, expressions, predicate, method): each one costs writes
-- and space for nothing. (splinter 0009_duplicate_index)
select
    format('%I.%I', n.nspname, c.relname) as object,
    'identical indexes: ' || string_agg(i.indexrelid::regclass::text, ', ' order by i.indexrelid::regclass::text)
        as detail
from pg_catalog.pg_index as i
inner join pg_catalog.pg_class as c on i.indrelid = c.oid
inner join pg_catalog.pg_namespace as n on c.relnamespace = n.oid
inner join pg_catalog.pg_class as ic on i.indexrelid = ic.oid
where
    n.nspname not in (select ss.name from supabase_schemas as ss)
    and not exists (
        select from pg_catalog.pg_depend as dep
        where dep.classid = 'pg_catalog.pg_class'::regclass and dep.objid = c.oid and dep.deptype = 'e'
    )
group by
    n.nspname, c.relname, i.indrelid, ic.relam, i.indkey::text, i.indclass::text,
    coalesce(pg_catalog.pg_get_expr(i.indexprs, i.indrelid), ''),
    coalesce(pg_catalog.pg_get_expr(i.indpred, i.indrelid), '')
having count(*) > 1
