-- An example host app's own migration, applied after mini-mentorship's (see ../../pytest.ini):
-- every user has a plan, only pro users may post a mentorship request, and support agents
-- (app_metadata.role = 'support', set by the service role) read every request without changing any.

alter table public.users
add column plan text not null default 'free' constraint users_plan_known check (plan in ('free', 'pro'));

comment on column public.users.plan is 'Subscription plan: free or pro.';

create policy "Only pro users can create requests"
on public.mini_mentorship_requests
as restrictive
for insert
to authenticated
with check (
    coalesce(
        (
            select u.plan = 'pro'
            from public.users as u
            where u.id = (select auth.uid())
        ),
        false
    )
);

create policy "Support agents can read every request"
on public.mini_mentorship_requests
for select
to authenticated
using (coalesce((select auth.jwt()) -> 'app_metadata' ->> 'role', '') = 'support');
