-- Functions without a fixed search_path: a caller who can create objects earlier on the path can hijack
-- what unqualified names resolve to. (splinter 0011_function_search_path_mutable)
select
    format('%I.%I(%s)', n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)) as object,
    'function has a role mutable search_path; add set search_path = ''''' as detail
from pg_catalog.pg_proc as p
inner join pg_catalog.pg_namespace as n on p.pronamespace = n.oid
left join pg_catalog.pg_depend as dep on p.oid = dep.objid and dep.deptype = 'e'
where
    n.nspname not in (select ss.name from supabase_schemas as ss)
    and dep.objid is null
    and not exists (
        select from unnest(coalesce(p.proconfig, '{}')) as cfg
        where cfg like 'search_path=%'
    )
