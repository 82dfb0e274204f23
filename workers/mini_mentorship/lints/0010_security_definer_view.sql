-- Views in an exposed schema that run with their owner's rights (no security_invoker): they bypass the
-- caller's RLS. (splinter 0010_security_definer_view)
select
    format('%I.%I', n.nspname, c.relname) as object,
    'view runs with its owner''s privileges; create it with (security_invoker = true)' as detail
from pg_catalog.pg_class as c
inner join pg_catalog.pg_namespace as n on c.relnamespace = n.oid
where
    c.relkind = 'v'
    and n.nspname in (select es.name from exposed_schemas as es)
    and not coalesce(c.reloptions && array['security_invoker=true', 'security_invoker=on'], false)
