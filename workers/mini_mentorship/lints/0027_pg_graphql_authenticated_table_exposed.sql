-- Tables, views, materialized views and foreign tables that `authenticated` can select (any column) while pg_graphql is
-- installed: their names, columns and relations appear in the GraphQL schema that every signed-in user
-- can introspect, whatever row level security allows. Only once pg_graphql is installed.
-- (splinter 0027_pg_graphql_authenticated_table_exposed)
select
    format('%I.%I', n.nspname, c.relname) as object,
    format('%s is visible in the GraphQL schema to authenticated', case c.relkind
        when 'r' then 'table' when 'v' then 'view' when 'm' then 'materialized view' else 'foreign table'
    end) as detail
from pg_catalog.pg_class as c
inner join pg_catalog.pg_namespace as n on c.relnamespace = n.oid
where
    c.relkind in ('r', 'v', 'm', 'f')
    and exists (
        select from pg_catalog.pg_extension as e
        where e.extname = 'pg_graphql'
    )
    and n.nspname not in (select ss.name from supabase_schemas as ss)
    and n.nspname !~ '^pg_'
    and exists (
        select
        from pg_catalog.pg_attribute as a
        where
            a.attrelid = c.oid
            and a.attnum > 0
            and not a.attisdropped
            and pg_catalog.has_column_privilege('authenticated', c.oid, a.attnum, 'select')
    )
