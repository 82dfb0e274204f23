"""What `from('mini_mentorship_requests').select('*')` gives the app (issue 12 item 9, docs/api.md)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from mini_mentorship.testing.api import Api
from mini_mentorship.testing.database import Database
from tests.sql.requests_support import create_request

MakeUser = Callable[..., uuid.UUID]
AsUser = Callable[[uuid.UUID], Api]


def test_select_star_works_for_the_student_and_includes_the_search_document(
    db: Database, make_user: MakeUser, as_user: AsUser
) -> None:
    """No column grants: PostgREST's `select *` must keep working, so search_document comes along (documented)."""
    student = as_user(make_user("student"))
    created = create_request(student, title="System design practice")
    rows = student.query("select * from public.mini_mentorship_requests where id = %s", (created["id"],))
    assert len(rows) == 1 and "search_document" in rows[0]
    assert "design" in str(rows[0]["search_document"])
    explicit = student.query("select id, title, status from public.mini_mentorship_requests where id = %s",
                             (created["id"],))
    assert explicit == [{"id": created["id"], "title": "System design practice", "status": "open"}]
