"""browse_mini_requests: what pool mentors see, filters, search, ordering and keyset pagination."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from mini_mentorship.testing.api import Api
from mini_mentorship.testing.database import Database
from tests.sql.requests_support import Lifecycle, create_request, refused

MakeUser = Callable[..., uuid.UUID]
AsUser = Callable[[uuid.UUID], Api]


@pytest.fixture
def lc(db: Database, make_user: MakeUser) -> Lifecycle:
    return Lifecycle(db, make_user)


def titles(rows: list[dict[str, Any]]) -> list[str]:
    return [r["title"] for r in rows]


def test_a_pool_mentor_sees_open_unexpired_requests_of_others_without_private_links(
    db: Database, lc: Lifecycle, as_user: AsUser
) -> None:
    mentor = lc.mentor()
    visible = create_request(as_user(lc.student()), title="Visible")
    create_request(as_user(mentor), title="My own request")
    for state in ("claimed", "scheduled", "completed", "cancelled", "expired"):
        lc.request(state, title=f"A {state} request")
    overdue = lc.request("open", title="Overdue but not swept")
    db.query("update public.mini_mentorship_requests set expires_at = now() - interval '1 second' "
             "where id = %s", (overdue["id"],))

    rows = as_user(mentor).rpc("browse_mini_requests")

    assert titles(rows) == ["Visible"], (
        "a pool mentor must see only open, unexpired requests of other students"
    )
    row = rows[0]
    assert row["id"] == visible["id"]
    for hidden in ("resume_url", "portfolio_url", "student_id", "claimed_by_mentor_id"):
        assert hidden not in row, f"browse must not reveal {hidden} before the request is claimed"
    assert row["search_rank"] is None, "no rank without a search"
    assert row["page_cursor"], "every row carries a cursor for the next page"


def test_open_requests_are_not_readable_through_from(db: Database, lc: Lifecycle, as_user: AsUser) -> None:
    lc.request("open")
    assert as_user(lc.mentor()).query("select id, resume_url from public.mini_mentorship_requests") == [], (
        "a pool mentor must not read open requests (and their resume links) with from(); browse is the way"
    )


@pytest.mark.parametrize("caller", ["student", "mentor_out_of_pool", "admin"])
def test_only_pool_mentors_may_browse(
    db: Database, lc: Lifecycle, make_user: MakeUser, as_user: AsUser, caller: str
) -> None:
    lc.request("open")
    makers: dict[str, Callable[[], uuid.UUID]] = {
        "student": lc.student,
        "mentor_out_of_pool": lambda: lc.mentor(in_pool=False),
        "admin": lambda: make_user("admin", admin=True),
    }
    uid = makers[caller]()
    err = refused(lambda: as_user(uid).rpc("browse_mini_requests"), code="42501", hint="not_pool_mentor",
                  who=f"a {caller}", what="browsing requests")
    assert err.http_status == 403


def test_anon_and_service_role_cannot_browse(as_anon: Api, as_service_role: Api) -> None:
    err = refused(lambda: as_anon.rpc("browse_mini_requests"), code="42501", hint=None, who="anon",
                  what="browsing requests")
    assert err.http_status == 401
    refused(lambda: as_service_role.rpc("browse_mini_requests"), code="42501", hint=None,
            who="the service role", what="browsing requests")


def test_default_order_is_urgency_then_newest(lc: Lifecycle, as_user: AsUser) -> None:
    for title, urgency in [("low-1", "low"), ("urgent-1", "urgent"), ("normal-1", "normal"),
                           ("high-1", "high"), ("urgent-2", "urgent"), ("low-2", "low")]:
        lc.request("open", title=title, urgency=urgency)
    rows = as_user(lc.mentor()).rpc("browse_mini_requests")
    assert titles(rows) == ["urgent-2", "urgent-1", "high-1", "normal-1", "low-2", "low-1"], (
        "requests must be listed urgent > high > normal > low, newest first within an urgency"
    )


def test_filters_combine(lc: Lifecycle, as_user: AsUser) -> None:
    lc.request("open", title="A", session_type="resume_review", preferred_duration_minutes=30, urgency="low",
               tags=["Python"])
    lc.request("open", title="B", session_type="career_advice", preferred_duration_minutes=60, urgency="high",
               tags=["rust", "career"])
    lc.request("open", title="C", session_type="resume_review", preferred_duration_minutes=60, urgency="normal",
               tags=[])
    api = as_user(lc.mentor())

    def browse(**args: Any) -> list[str]:
        return sorted(titles(api.rpc("browse_mini_requests", **args)))

    assert browse(session_types=["resume_review"]) == ["A", "C"], "filter by session type"
    assert browse(durations=[60]) == ["B", "C"], "filter by duration"
    assert browse(urgencies=["low", "high"]) == ["A", "B"], "filter by any of several urgencies"
    assert browse(tags=["PYTHON", "career"]) == ["A", "B"], "tags match on overlap, case-insensitively"
    assert browse(session_types=["resume_review"], durations=[60]) == ["C"], "filters combine with AND"
    assert browse(session_types=[], durations=[], urgencies=[], tags=[]) == ["A", "B", "C"], (
        "empty filter lists mean no filter"
    )
    assert browse(tags=["golang"]) == [], "no overlap, no result"


def test_search_matches_title_and_description_and_ranks_results(lc: Lifecycle, as_user: AsUser) -> None:
    lc.request("open", title="Kubernetes networking", description="Pods cannot talk to each other.")
    lc.request("open", title="Career change", description="Moving from support to kubernetes operations.")
    lc.request("open", title="Resume review", description="Two pages, want it to one.")
    api = as_user(lc.mentor())

    rows = api.rpc("browse_mini_requests", search="kubernetes")
    assert titles(rows) == ["Kubernetes networking", "Career change"], (
        "a title match (weight A) must rank above a description match (weight B)"
    )
    assert rows[0]["search_rank"] > rows[1]["search_rank"] > 0, "ranks are returned when searching"
    assert titles(api.rpc("browse_mini_requests", search='"kubernetes networking"')) == ["Kubernetes networking"]
    assert titles(api.rpc("browse_mini_requests", search="kubernetes -career")) == ["Kubernetes networking"], (
        "websearch syntax: -word excludes"
    )
    assert titles(api.rpc("browse_mini_requests", search="pod")) == ["Kubernetes networking"], "stemming applies"
    assert len(api.rpc("browse_mini_requests", search="the")) == 3, (
        "a search of stop words only is no text filter at all"
    )
    assert len(api.rpc("browse_mini_requests", search="   ")) == 3, "a blank search is no search"


def page_through(api: Api, page_size: int, **args: Any) -> list[list[str]]:
    pages: list[list[str]] = []
    after = None
    while True:
        rows = api.rpc("browse_mini_requests", page_size=page_size, after=after, **args)
        if not rows:
            return pages
        pages.append(titles(rows))
        after = rows[-1]["page_cursor"]
        assert len(pages) < 20, "pagination must terminate"


def test_keyset_pagination_visits_every_request_once_in_order(lc: Lifecycle, as_user: AsUser) -> None:
    for i in range(7):
        lc.request("open", title=f"R{i} python", urgency=["low", "normal", "high", "urgent"][i % 4])
    api = as_user(lc.mentor())
    everything = titles(api.rpc("browse_mini_requests", page_size=50))
    pages = page_through(api, 3)
    assert [len(p) for p in pages] == [3, 3, 1], "7 requests in pages of 3"
    assert [t for p in pages for t in p] == everything, "pages concatenate to the full listing, no repeats"

    searched = titles(api.rpc("browse_mini_requests", search="python", page_size=50))
    assert [t for p in page_through(api, 2, search="python") for t in p] == searched, (
        "pagination works in search order too"
    )


def test_a_new_request_does_not_shift_later_pages(lc: Lifecycle, as_user: AsUser) -> None:
    for i in range(4):
        lc.request("open", title=f"R{i}", urgency="normal")
    api = as_user(lc.mentor())
    first = api.rpc("browse_mini_requests", page_size=2)
    lc.request("open", title="Newcomer", urgency="normal")
    second = api.rpc("browse_mini_requests", page_size=2, after=first[-1]["page_cursor"])
    assert titles(first) == ["R3", "R2"] and titles(second) == ["R1", "R0"], (
        "a keyset cursor continues after the last row seen, whatever was inserted meanwhile"
    )


BAD_ARGS: list[tuple[dict[str, Any], str]] = [
    ({"page_size": 0}, "page_size"),
    ({"page_size": 51}, "page_size"),
    ({"page_size": None}, "page_size"),
    ({"durations": [90]}, "durations"),
    ({"durations": [30, None]}, "durations"),
    ({"session_types": ["coffee"]}, "session_types"),
    ({"urgencies": ["asap"]}, "urgencies"),
    ({"tags": ["x" * 41]}, "tags"),
    ({"tags": [f"t{i}" for i in range(21)]}, "tags"),
    ({"search": "s" * 201}, "search"),
    ({"after": "not-a-cursor"}, "after"),
    ({"after": "eyJtIjoidXJnZW5jeSJ9"}, "after"),  # base64url of {"m":"urgency"}: no keys
]


@pytest.mark.parametrize(("args", "hint"), BAD_ARGS, ids=[f"{h}-{i}" for i, (_, h) in enumerate(BAD_ARGS)])
def test_bad_arguments_are_22023_naming_the_argument(
    lc: Lifecycle, as_user: AsUser, args: dict[str, Any], hint: str
) -> None:
    lc.request("open")
    err = refused(lambda: as_user(lc.mentor()).rpc("browse_mini_requests", **args), code="22023", hint=hint,
                  who="a pool mentor", what=f"browsing with {args}")
    assert err.http_status == 400


def test_a_cursor_from_one_ordering_is_refused_in_the_other(lc: Lifecycle, as_user: AsUser) -> None:
    lc.request("open", title="python one")
    lc.request("open", title="python two")
    api = as_user(lc.mentor())
    cursor = api.rpc("browse_mini_requests", page_size=1)[0]["page_cursor"]
    refused(lambda: api.rpc("browse_mini_requests", search="python", after=cursor), code="22023", hint="after",
            who="a pool mentor", what="reusing an urgency-order cursor in a search")
