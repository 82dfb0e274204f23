-- Leave the host's default privileges alone (issue 12 item 8).
--
-- 20261130000001 ran, as the migrating role (on Supabase: postgres), two `alter default privileges`:
--
--   a. `revoke execute on functions from public` (global): every later function of the HOST app created by
--      that role lost PostgreSQL's EXECUTE for PUBLIC;
--   b. `in schema public revoke execute on functions from anon, authenticated`: every later function of the
--      host in public lost Supabase's historical grant to the API roles.
--
-- The toolkit does not need either: every function it creates is followed by explicit revokes (and the one
-- grant it needs), which tests/sql/test_default_privileges.py checks for every function in public and private,
-- whatever the defaults. Migrations are forward-only, so this one undoes what 20261130000001 changed, and only
-- that. What the role's defaults were before 20261130000001 is recorded nowhere, so each case is decided from
-- what the catalog still shows, and when in doubt the host's (stricter) setting is kept:
--
--   a. Restored (`grant execute on functions to public`, which removes the entry again) only if the role's
--      global function entry is exactly `{role=X/role}` (what the revoke leaves from PostgreSQL's built-in
--      default) AND the entry is younger than the schema `private` (higher oid): 20261130000001 created it
--      right after `create schema private`. A host that had revoked EXECUTE from PUBLIC itself (basejump does)
--      made its entry earlier, so it keeps it. Not restored either when the entry has anything else in it
--      (a host's own grants: the host decided about PUBLIC there). Edge case: a host whose own `private` schema
--      predates its own global revoke looks like case a and gets PUBLIC back; docs/security.md says how to
--      check and re-apply.
--   b. Restored (`in schema public grant execute on functions to anon, authenticated`) only if the role's
--      entry for functions in public still grants service_role but neither anon nor authenticated, while its
--      entry for tables in public still grants SELECT to both: Supabase's historical defaults, which grant the
--      three roles together on tables, sequences and functions, minus exactly what b removed. A host that
--      hardened its defaults itself (no table grants, or no service_role) keeps them. On servers without those
--      defaults (current Supabase projects, plain PostgreSQL) revoke b changed nothing, and nothing happens.

do $restore$
declare
    me oid := (select r.oid from pg_catalog.pg_roles as r where r.rolname = current_user);
    global_entry_oid oid;
    global_acl pg_catalog.aclitem [];
    private_oid oid := (select n.oid from pg_catalog.pg_namespace as n where n.nspname = 'private');
    function_grantees text [];
    table_grantees text [];
begin
    select d.oid, d.defaclacl into global_entry_oid, global_acl
    from pg_catalog.pg_default_acl as d
    where d.defaclrole = me and d.defaclnamespace = 0 and d.defaclobjtype = 'f';
    if global_entry_oid is not null
        and global_acl = array[pg_catalog.makeaclitem(me, me, 'EXECUTE', false)]
        and global_entry_oid > private_oid then
        alter default privileges grant execute on functions to public;
    end if;

    select coalesce(array_agg(g.rolname), '{}') into function_grantees
    from pg_catalog.pg_default_acl as d
    cross join lateral pg_catalog.aclexplode(d.defaclacl) as a
    inner join pg_catalog.pg_roles as g on a.grantee = g.oid
    where
        d.defaclrole = me
        and d.defaclnamespace = 'public'::regnamespace
        and d.defaclobjtype = 'f'
        and a.privilege_type = 'EXECUTE';
    select coalesce(array_agg(g.rolname), '{}') into table_grantees
    from pg_catalog.pg_default_acl as d
    cross join lateral pg_catalog.aclexplode(d.defaclacl) as a
    inner join pg_catalog.pg_roles as g on a.grantee = g.oid
    where
        d.defaclrole = me
        and d.defaclnamespace = 'public'::regnamespace
        and d.defaclobjtype = 'r'
        and a.privilege_type = 'SELECT';
    if 'service_role' = any(function_grantees)
        and not ('anon' = any(function_grantees))
        and not ('authenticated' = any(function_grantees))
        and table_grantees @> array['anon', 'authenticated'] then
        alter default privileges in schema public grant execute on functions to anon, authenticated;
    end if;
end
$restore$;
