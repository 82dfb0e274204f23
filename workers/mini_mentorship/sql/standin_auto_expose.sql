-- Supabase's historical default privileges on schema public (projects created before the CLI's
-- `[api] auto_expose_new_tables = false`): every table, sequence and function that the migration role
-- creates in public is granted to the API roles. Applied after standin.sql only when asked for, so the
-- suite proves our migrations carry their own grants and revokes in both modes.
alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
alter default privileges in schema public grant all on functions to anon, authenticated, service_role;
