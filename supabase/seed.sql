-- Demo data for local runs (`scripts/demo`, `mini-mentorship db reset`, `supabase db reset`).
-- A small community in several time zones: four students, three mentors in the matching pool, one mentor
-- outside it, and an admin. (`mini-mentorship demo` adds availability windows and requests through the API.)
-- Fixed ids so docs and demos can refer to them. Never load this into production.

insert into auth.users (id, email, aud, role, raw_app_meta_data, raw_user_meta_data)
values
(
    '00000000-0000-4000-a000-000000000001', 'ada.student@example.test', 'authenticated', 'authenticated',
    '{"provider": "email", "providers": ["email"]}', '{"full_name": "Ada Lovelace"}'
),
(
    '00000000-0000-4000-a000-000000000002', 'grace.student@example.test', 'authenticated', 'authenticated',
    '{"provider": "email", "providers": ["email"]}', '{"full_name": "Grace Hopper"}'
),
(
    '00000000-0000-4000-a000-000000000003', 'priya.student@example.test', 'authenticated', 'authenticated',
    '{"provider": "email", "providers": ["email"]}', '{"full_name": "Priya Raman"}'
),
(
    '00000000-0000-4000-a000-000000000004', 'tomas.student@example.test', 'authenticated', 'authenticated',
    '{"provider": "email", "providers": ["email"]}', '{"full_name": "Tomás Silva"}'
),
(
    '00000000-0000-4000-a000-000000000011', 'linus.mentor@example.test', 'authenticated', 'authenticated',
    '{"provider": "email", "providers": ["email"]}', '{"full_name": "Linus Mentor"}'
),
(
    '00000000-0000-4000-a000-000000000012', 'barbara.mentor@example.test', 'authenticated', 'authenticated',
    '{"provider": "email", "providers": ["email"]}', '{"full_name": "Barbara Liskov"}'
),
(
    '00000000-0000-4000-a000-000000000013', 'ken.mentor@example.test', 'authenticated', 'authenticated',
    '{"provider": "email", "providers": ["email"]}', '{"full_name": "Ken Outside-Pool"}'
),
(
    '00000000-0000-4000-a000-000000000014', 'margaret.mentor@example.test', 'authenticated', 'authenticated',
    '{"provider": "email", "providers": ["email"]}', '{"full_name": "Margaret Hamilton"}'
),
(
    '00000000-0000-4000-a000-000000000099', 'admin@example.test', 'authenticated', 'authenticated',
    '{"provider": "email", "providers": ["email"], "role": "admin"}', '{"full_name": "Ada Admin"}'
);

insert into public.users (id, email, full_name, timezone)
select
    u.id,
    u.email,
    u.raw_user_meta_data ->> 'full_name' as full_name,
    z.timezone
from auth.users as u
inner join (
    values
    ('ada.student@example.test', 'America/Chicago'),
    ('grace.student@example.test', 'Europe/Berlin'),
    ('priya.student@example.test', 'Asia/Kolkata'),
    ('tomas.student@example.test', 'America/Sao_Paulo'),
    ('linus.mentor@example.test', 'America/New_York'),
    ('barbara.mentor@example.test', 'Europe/London'),
    ('margaret.mentor@example.test', 'Australia/Sydney'),
    ('ken.mentor@example.test', 'Asia/Tokyo'),
    ('admin@example.test', 'UTC')
) as z (email, timezone) on u.email = z.email
-- where mini-mentorship created public.users, its sign-up trigger made the rows already: set the demo's zones
on conflict (id) do update set full_name = excluded.full_name, timezone = excluded.timezone;

insert into public.mentorship_profiles (user_id, profile_type, in_matching_pool)
values
('00000000-0000-4000-a000-000000000001', 'student', false),
('00000000-0000-4000-a000-000000000002', 'student', false),
('00000000-0000-4000-a000-000000000003', 'student', false),
('00000000-0000-4000-a000-000000000004', 'student', false),
('00000000-0000-4000-a000-000000000011', 'mentor', true),
('00000000-0000-4000-a000-000000000012', 'mentor', true),
('00000000-0000-4000-a000-000000000013', 'mentor', false),
('00000000-0000-4000-a000-000000000014', 'mentor', true);
