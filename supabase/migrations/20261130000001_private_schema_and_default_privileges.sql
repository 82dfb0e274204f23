-- Ground rules every later migration relies on.
--
-- * `private` holds helpers, trigger functions and internal tables. PostgREST exposes only the schemas in
--   `pgrst.db_schemas` (public), and the API roles get no usage on `private`, so nothing here is callable or
--   readable through the Data API.
-- * Default-deny for functions: PostgreSQL grants EXECUTE on every new function to PUBLIC, and Supabase's
--   historical defaults add the API roles. We revoke both for functions this role creates in public and
--   private; each function's migration grants back exactly what its callers need.

create schema if not exists private;
revoke all on schema private from public, anon, authenticated;
comment on schema private is
'mini-mentorship internals (helpers, trigger functions, outbox): never exposed through the Data API.';

alter default privileges in schema public revoke execute on functions from public, anon, authenticated;
alter default privileges in schema private revoke execute on functions from public, anon, authenticated;
