"""Admins read every row through admin_list_mini_* (issue 15): filters, newest first, keyset pages.

The row policies have no admin arm, so these RPCs are the admin's only way to other people's rows; refusals
(not_admin, page_size, status, after) are in test_error_statuses.py, who may call them in the security matrix.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from mini_mentorship.testing.api import Api
from mini_mentorship.testing.database import Database
from tests.sql.requests_support import Lifecycle


@pytest.fixture
def lc(db: Database, make_user: Callable[..., uuid.UUID]) -> Lifecycle:
    return Lifecycle(db, make_user)


def all_pages(api: Api, rpc: str, page_size: int, **filters: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    after = None
    while True:
        page = api.rpc(rpc, page_size=page_size, after=after, **filters)
        rows.extend(page)
        if len(page) < page_size:
            return rows
        after = page[-1]["id"]


def test_an_admin_pages_through_every_request_newest_first_with_filters(
    db: Database, lc: Lifecycle, as_admin: Api
) -> None:
    student = lc.student()
    mine = [lc.request("open", student=student)["id"] for _ in range(3)]
    others = [lc.request(state)["id"] for state in ("open", "claimed", "cancelled", "expired")]
    expected = [r["id"] for r in db.query(
        "select id from public.mini_mentorship_requests order by created_at desc, id desc"
    )]
    assert len(expected) == len(mine) + len(others)

    for page_size in (1, 2, 3, 100):
        got = [r["id"] for r in all_pages(as_admin, "admin_list_mini_requests", page_size)]
        assert got == expected, f"pages of {page_size} list every request once, newest first"

    assert {r["id"] for r in all_pages(as_admin, "admin_list_mini_requests", 2, student_id=student)} == set(mine)
    claimed = as_admin.rpc("admin_list_mini_requests", status="claimed")
    assert [r["status"] for r in claimed] == ["claimed"]
    assert as_admin.rpc("admin_list_mini_requests", mentor_id=claimed[0]["claimed_by_mentor_id"]) == claimed
    assert claimed[0]["resume_url"] == db.scalar(
        "select resume_url from public.mini_mentorship_requests where id = %s", (claimed[0]["id"],)
    ), "admins read every column"


def test_an_admin_lists_sessions_events_and_availability(
    db: Database, lc: Lifecycle, as_admin: Api, as_user: Callable[[uuid.UUID], Api]
) -> None:
    first, second = lc.session("scheduled"), lc.session("scheduled")
    sessions = all_pages(as_admin, "admin_list_mini_sessions", 1)
    assert [s["id"] for s in sessions] == [r["id"] for r in db.query(
        "select id from public.mini_mentorship_sessions order by scheduled_at desc, id desc"
    )] and len(sessions) == 2
    assert [s["id"] for s in as_admin.rpc("admin_list_mini_sessions", request_id=first["request_id"])] == [
        first["id"]
    ]
    assert [s["id"] for s in as_admin.rpc("admin_list_mini_sessions", mentor_id=second["mentor_id"])] == [
        second["id"]
    ]
    assert as_admin.rpc("admin_list_mini_sessions", status="completed") == []

    events = all_pages(as_admin, "admin_list_mini_events", 3)
    assert [e["id"] for e in events] == [r["id"] for r in db.query(
        "select id from public.mini_mentorship_events order by id desc"
    )]
    history = as_admin.rpc("admin_list_mini_events", request_id=first["request_id"])
    assert history and {e["request_id"] for e in history} == {first["request_id"]}

    mentor = first["mentor_id"]
    as_user(mentor).execute(
        "insert into public.mini_mentorship_availability (available_from, available_until) "
        "values (now() + interval '2 days', now() + interval '2 days 1 hour'), "
        "(now() + interval '3 days', now() + interval '3 days 1 hour')"
    )
    windows = all_pages(as_admin, "admin_list_mini_availability", 1, mentor_id=mentor)
    assert len(windows) == 2 and windows[0]["available_from"] > windows[1]["available_from"], "latest first"
    assert as_admin.rpc("admin_list_mini_availability", mentor_id=second["mentor_id"]) == []
