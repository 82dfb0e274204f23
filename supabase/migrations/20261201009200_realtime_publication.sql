-- Live updates (issue 12 item 7): the tables the app shows, requests and sessions, are published through
-- Supabase Realtime, so `supabase.channel(...).on('postgres_changes', ...)` delivers their changes. Realtime
-- checks each change against the subscriber's RLS policies (a student hears only their own rows, exactly what
-- `select` returns them).
--
-- Supabase creates the publication `supabase_realtime` in every project; local servers without Supabase have
-- none, and then this migration does nothing (it never creates the publication: that is the platform's). A
-- table already in the publication (the host added it) is left as it is.

do $realtime$
declare
    wanted text;
begin
    if not exists (select from pg_catalog.pg_publication as p where p.pubname = 'supabase_realtime') then
        return;
    end if;
    foreach wanted in array array['mini_mentorship_requests', 'mini_mentorship_sessions'] loop
        if not exists (
            select from pg_catalog.pg_publication_tables as t
            where t.pubname = 'supabase_realtime' and t.schemaname = 'public' and t.tablename = wanted
        ) then
            execute format('alter publication supabase_realtime add table public.%I', wanted);
        end if;
    end loop;
end
$realtime$;
