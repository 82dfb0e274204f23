"""Three policy tests a host app's DBA writes for their own rules (supabase/migrations/ here)."""

from collections.abc import Callable
from uuid import UUID

from mini_mentorship.testing.api import Api

POST = (  # createRequest, as the signed-in student (student_id defaults to auth.uid())
    "insert into public.mini_mentorship_requests (title, description, session_type)"
    " values ('Mock interview', 'One system design problem, please.', 'interview_prep') returning id"
)


def test_users_see_their_own_plan_and_nobody_elses(
    make_user: Callable[..., UUID], as_user: Callable[..., Api]
) -> None:
    pro, free = make_user("student", plan="pro"), make_user("student")
    assert as_user(pro).query("select id, plan from public.users") == [{"id": pro, "plan": "pro"}]
    assert as_user(free).query("select plan from public.users where id = %s", (pro,)) == []


def test_only_pro_users_can_post_a_request(make_user: Callable[..., UUID], as_user: Callable[..., Api]) -> None:
    free = as_user(make_user("student"))
    with free.refused(status=403, code="42501") as refusal:
        free.query(POST)
    assert refusal.error is not None and "row-level security" in refusal.error.message
    assert len(as_user(make_user("student", plan="pro")).query(POST)) == 1


def test_support_agents_read_every_request_and_change_none(
    make_user: Callable[..., UUID], as_user: Callable[..., Api]
) -> None:
    [posted] = as_user(make_user("student", plan="pro")).query(POST)
    agent = as_user(make_user("support"), app_metadata={"role": "support"})
    assert agent.query("select id from public.mini_mentorship_requests") == [posted]
    with agent.refused(status=403, code="42501"):
        agent.execute("update public.mini_mentorship_requests set title = 'Edited by support'")
    assert as_user(make_user("student")).query("select id from public.mini_mentorship_requests") == []
