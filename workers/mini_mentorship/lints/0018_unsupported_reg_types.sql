-- Table columns of reg* types that store object ids (regproc, regoper, regnamespace, …): pg_upgrade refuses
-- to upgrade a database that has them, which blocks Supabase's Postgres upgrades.
-- (splinter 0018_unsupported_reg_types)
select
    format('%I.%I', n.nspname, c.relname) as object,
    format('column %I has type %s, which pg_upgrade cannot carry over', a.attname, t.typname) as detail
from pg_catalog.pg_attribute as a
inner join pg_catalog.pg_class as c on a.attrelid = c.oid
inner join pg_catalog.pg_namespace as n on c.relnamespace = n.oid
inner join pg_catalog.pg_type as t on a.atttypid = t.oid
where
    a.attnum > 0
    and not a.attisdropped
    and c.relkind in ('r', 'p', 'm')
    and t.typnamespace = 'pg_catalog'::regnamespace
    and t.typname in (
        'regcollation', 'regconfig', 'regdictionary', 'regnamespace', 'regoper', 'regoperator', 'regproc',
        'regprocedure'
    )
    and n.nspname not in (select ss.name from supabase_schemas as ss)
    and n.nspname !~ '^pg_'
