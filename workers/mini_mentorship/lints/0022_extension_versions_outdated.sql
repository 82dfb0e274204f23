-- Extensions older than the version the server ships: they miss fixes, security ones included. Run
-- `alter extension … update`. Extensions in a schema Supabase's own services own (pg_graphql in graphql,
-- supabase_vault in vault, …) are Supabase's to update. (splinter 0022_extension_versions_outdated)
select
    e.name::text as object,
    format('extension %I is at version %s; version %s is available', e.name, e.installed_version, e.default_version)
        as detail
from pg_catalog.pg_available_extensions as e
inner join pg_catalog.pg_extension as x on e.name = x.extname
inner join pg_catalog.pg_namespace as n on x.extnamespace = n.oid
where
    e.installed_version is not null
    and e.default_version is not null
    and e.installed_version <> e.default_version
    and (n.nspname in ('public', 'extensions') or n.nspname not in (select ss.name from supabase_schemas as ss))
    and exists (
        select from pg_catalog.pg_available_extension_versions as v
        where v.name = e.name and v.version = e.default_version
    )
