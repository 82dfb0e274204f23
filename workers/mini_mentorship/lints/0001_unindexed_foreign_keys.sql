-- Foreign keys whose columns are not the leading columns of any index: deletes and joins on the
-- referenced table scan the referencing table. (splinter 0001_unindexed_foreign_keys)
select
    format('%I.%I', n.nspname, c.relname) as object,
    format('foreign key %I has no covering index', con.conname) as detail
from pg_catalog.pg_constraint as con
inner join pg_catalog.pg_class as c on con.conrelid = c.oid
inner join pg_catalog.pg_namespace as n on c.relnamespace = n.oid
where
    con.contype = 'f'
    and n.nspname not in (select ss.name from supabase_schemas as ss)
    and not exists (
        select from pg_catalog.pg_depend as dep
        where dep.classid = 'pg_catalog.pg_class'::regclass and dep.objid = c.oid and dep.deptype = 'e'
    )
    and not exists (
        select
        from pg_catalog.pg_index as i
        where
            i.indrelid = con.conrelid
            and (i.indkey::int2[])[0:cardinality(con.conkey) - 1] @> con.conkey
            and (i.indkey::int2[])[0:cardinality(con.conkey) - 1] <@ con.conkey
    )
