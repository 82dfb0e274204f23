-- Foreign keys to a unique constraint in auth other than a primary key (auth.users.phone, …): Supabase Auth
-- may change those constraints in its own migrations, which the foreign key would then block. Reference
-- auth.users (id). (splinter 0021_fkey_to_auth_unique)
select
    format('%I.%I', n.nspname, c.relname) as object,
    format('foreign key %I references a unique constraint in schema auth', con.conname) as detail
from pg_catalog.pg_constraint as con
inner join pg_catalog.pg_class as c on con.conrelid = c.oid
inner join pg_catalog.pg_namespace as n on c.relnamespace = n.oid
inner join pg_catalog.pg_class as ref on con.confrelid = ref.oid
inner join pg_catalog.pg_namespace as refn on ref.relnamespace = refn.oid
inner join pg_catalog.pg_index as i on con.conindid = i.indexrelid
where
    con.contype = 'f'
    and refn.nspname = 'auth'
    and i.indisunique
    and not i.indisprimary
    and n.nspname not in (select ss.name from supabase_schemas as ss)
