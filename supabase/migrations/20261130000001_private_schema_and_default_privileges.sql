-- Ground rules every later migration relies on.
--
-- * `private` holds helpers, trigger functions and internal tables. PostgREST exposes only the schemas in
--   `pgrst.db_schemas` (public), and the API roles get no usage on `private`, so nothing here is callable or
--   readable through the Data API.
-- * Default-deny for functions: PostgreSQL grants EXECUTE on every new function to PUBLIC, and Supabase's
--   historical defaults add the API roles in schema public. We revoke both for functions this role creates
--   (the PUBLIC grant is global, so only a global `alter default privileges` removes it); each function's
--   migration still revokes and grants explicitly, so nothing depends on these defaults.

create schema if not exists private;
revoke all on schema private from public, anon, authenticated;
comment on schema private is
'mini-mentorship internals (helpers, trigger functions, outbox): never exposed through the Data API.';

alter default privileges revoke execute on functions from public;
alter default privileges in schema public revoke execute on functions from anon, authenticated;
