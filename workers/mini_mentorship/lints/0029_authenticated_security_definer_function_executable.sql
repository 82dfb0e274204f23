-- SECURITY DEFINER functions in an exposed schema that `authenticated` may execute: every signed-in user can
-- call them as /rest/v1/rpc/<name>, and they run with their owner's rights, past row level security. Keep the
-- public function security invoker and the privileged body in a schema the Data API does not expose. (splinter
-- 0029_authenticated_security_definer_function_executable)
select
    format('%I.%I(%s)', n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)) as object,
    'security definer function is executable by authenticated through the Data API' as detail
from pg_catalog.pg_proc as p
inner join pg_catalog.pg_namespace as n on p.pronamespace = n.oid
where
    p.prosecdef
    and n.nspname in (select es.name from exposed_schemas as es)
    and pg_catalog.has_function_privilege('authenticated', p.oid, 'execute')
