-- Extensions installed in schema public: their functions and tables land in the Data API's schema, where
-- the API roles may call or read them. Install them in schema extensions. (splinter 0014_extension_in_public)
select
    e.extname::text as object,
    format('extension %I is installed in schema public; move it to schema extensions', e.extname) as detail
from pg_catalog.pg_extension as e
where
    e.extname <> 'plpgsql'
    and e.extnamespace = 'public'::regnamespace
