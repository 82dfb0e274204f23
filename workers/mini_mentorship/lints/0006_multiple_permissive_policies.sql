-- More than one permissive policy for the same role and action on a table: PostgreSQL evaluates every one
-- for every row. Merge them into one policy. (splinter 0006_multiple_permissive_policies)
select
    format('%I.%I', p.schemaname, p.tablename) as object,
    format(
        'role %s has %s permissive %s policies: %s',
        r.role_name, count(*), a.action, string_agg(quote_literal(p.policyname), ', ' order by p.policyname)
    ) as detail
from pg_catalog.pg_policies as p
cross join
    lateral unnest(
        case when p.roles = '{public}' then array['anon', 'authenticated'] else p.roles::text[] end
    ) as r (role_name)
cross join
    lateral unnest(
        case when p.cmd = 'ALL' then array['SELECT', 'INSERT', 'UPDATE', 'DELETE'] else array[p.cmd] end
    ) as a (action)
where
    p.permissive = 'PERMISSIVE'
    and p.schemaname in (select es.name from exposed_schemas as es)
    and r.role_name in ('anon', 'authenticated', 'authenticator', 'dashboard_user')
group by p.schemaname, p.tablename, r.role_name, a.action
having count(*) > 1
