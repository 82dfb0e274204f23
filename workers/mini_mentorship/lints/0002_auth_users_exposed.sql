-- Views in an exposed schema that read auth.users and that the API roles can select: they leak emails
-- and metadata of every user. (splinter 0002_auth_users_exposed)
-- requires: auth.users
select
    format('%I.%I', n.nspname, c.relname) as object,
    'view reads auth.users and is selectable by an API role' as detail
from pg_catalog.pg_class as c
inner join pg_catalog.pg_namespace as n on c.relnamespace = n.oid
where
    c.relkind in ('v', 'm')
    and n.nspname in (select es.name from exposed_schemas as es)
    and exists (
        select
        from pg_catalog.pg_rewrite as r
        inner join pg_catalog.pg_depend as d on r.oid = d.objid
        where r.ev_class = c.oid and d.refobjid = 'auth.users'::regclass
    )
    and (
        pg_catalog.has_table_privilege('anon', c.oid, 'select')
        or pg_catalog.has_table_privilege('authenticated', c.oid, 'select')
    )
