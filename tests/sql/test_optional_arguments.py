"""Optional arguments are optional (issue 12 item 1).

PostgREST resolves an RPC by the JSON keys the client sends: a function whose arguments without a default are
not all among the keys is "not found" (PGRST202, HTTP 404). `Api.rpc` calls with named arguments only, so a
missing key fails in PostgreSQL exactly the same way (42883, HTTP 404). Every RPC must therefore answer when
called with only the keys docs/api.md calls required.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from mini_mentorship.testing.api import Api, ApiError
from mini_mentorship.testing.database import Database
from tests.sql.builders import Sessions, session_row

MakeUser = Callable[..., uuid.UUID]
AsUser = Callable[[uuid.UUID], Api]

# The keys docs/api.md calls required, per RPC. Every other argument is optional and must have a SQL default.
# A new public function without a row here fails `test_every_public_function_is_listed`.
REQUIRED_KEYS: dict[str, tuple[str, ...]] = {
    "browse_mini_requests": (),
    "claim_mini_request": ("request_id",),
    "release_mini_request": ("request_id", "reason"),
    "cancel_mini_request": ("request_id", "reason"),
    "schedule_mini_session": ("request_id", "scheduled_at", "duration_minutes"),
    "reschedule_mini_session": ("session_id", "scheduled_at", "reason"),
    "cancel_mini_session": ("session_id",),
    "join_mini_session": ("session_id",),
    # follow_up_needed and actual_duration_minutes are required but have `default null` (defaults must be
    # trailing): leaving them out answers 22023 with their name, as sending null does.
    "complete_mini_session": ("session_id", "follow_up_needed", "actual_duration_minutes"),
    "mark_mini_no_show": ("session_id", "absent"),
    "rate_mini_session": ("session_id", "rating"),
    "request_mini_meeting_link": ("session_id",),
    "update_mini_session_meeting": ("session_id",),
    "update_mini_session_notes": ("session_id",),
    "mini_mentorship_analytics": (),
    "admin_list_mini_requests": (),
    "admin_list_mini_sessions": (),
    "admin_list_mini_availability": (),
    "admin_list_mini_events": (),
}


def public_functions(db: Database) -> dict[str, dict[str, Any]]:
    """Every function in schema public: its argument names, those without a default, and their types."""
    rows = db.query(
        """
        select p.proname as name, coalesce(p.proargnames, '{}') as names, p.pronargs as nargs,
               p.pronargdefaults as ndefaults,
               array(select format_type(t, null) from unnest(p.proargtypes) as t) as types
        from pg_catalog.pg_proc as p
        join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
        where n.nspname = 'public' and p.prokind = 'f'
        """
    )
    functions: dict[str, dict[str, Any]] = {}
    for row in rows:
        names = list(row["names"])[: row["nargs"]]
        functions[row["name"]] = {
            "names": names,
            "without_default": names[: row["nargs"] - row["ndefaults"]],
            "types": dict(zip(names, row["types"], strict=True)),
        }
    return functions


def test_every_public_function_is_listed(db: Database) -> None:
    missing = set(public_functions(db)) - set(REQUIRED_KEYS)
    assert not missing, f"add the required keys of {sorted(missing)} to REQUIRED_KEYS (as docs/api.md says them)"
    gone = set(REQUIRED_KEYS) - set(public_functions(db))
    assert not gone, f"REQUIRED_KEYS lists functions that do not exist: {sorted(gone)}"


def test_every_optional_argument_has_a_default(db: Database) -> None:
    for name, info in public_functions(db).items():
        required = set(REQUIRED_KEYS.get(name, ()))
        assert required <= set(info["names"]), f"{name}: required keys {sorted(required)} are not all arguments"
        no_default = set(info["without_default"]) - required
        assert not no_default, f"{name}: optional arguments {sorted(no_default)} have no SQL default"


def _value(sql_type: str) -> Any:
    return {
        "uuid": uuid.uuid4(),
        "timestamp with time zone": dt.datetime.now(dt.UTC) + dt.timedelta(days=1),
        "integer": 30,
        "text": "Something came up",
        "boolean": False,
    }.get(sql_type)


def test_every_rpc_answers_when_called_with_only_its_required_keys(
    db: Database, make_user: MakeUser, as_user: AsUser
) -> None:
    """Each function is found (whatever it then says about made-up ids), never 42883 / PGRST202."""
    callers = {kind: as_user(make_user(kind, admin=kind == "admin")) for kind in ("student", "mentor", "admin")}
    for name, info in public_functions(db).items():
        keys = REQUIRED_KEYS.get(name, tuple(info["without_default"]))
        args = {key: _value(info["types"][key]) for key in keys}
        for kind, api in callers.items():
            try:
                api.rpc(name, **args)
            except ApiError as error:
                assert error.code != "42883", f"{name}({', '.join(keys)}) as {kind} was not found: {error}"


def test_leaving_out_a_key_without_default_is_not_found(make_user: MakeUser, as_user: AsUser) -> None:
    """What PostgREST answers (404) when a required key without default is missing: the reason of a release."""
    api = as_user(make_user("mentor"))
    with pytest.raises(ApiError) as missing:
        api.rpc("release_mini_request", request_id=uuid.uuid4())
    assert (missing.value.code, missing.value.http_status) == ("42883", 404)


@pytest.fixture
def sessions(db: Database, make_user: MakeUser, as_user: AsUser) -> Sessions:
    return Sessions(db, make_user, as_user)


def test_the_student_cancels_a_session_without_sending_a_reason(db: Database, sessions: Sessions) -> None:
    booking = sessions.scheduled()
    cancelled = booking.as_student.rpc("cancel_mini_session", session_id=booking.session_id)
    assert cancelled["status"] == "cancelled" and cancelled["cancellation_reason"] is None


def test_the_mentor_leaving_out_the_reason_still_gets_reason_required(db: Database, sessions: Sessions) -> None:
    booking = sessions.scheduled()
    with pytest.raises(ApiError) as refused:
        booking.as_mentor.rpc("cancel_mini_session", session_id=booking.session_id)
    assert (refused.value.code, refused.value.hint) == ("22023", "reason_required")
    assert session_row(db, booking.session_id)["status"] == "scheduled"


def test_a_participant_rates_without_feedback(db: Database, sessions: Sessions) -> None:
    booking = sessions.completed()
    rated = booking.as_student.rpc("rate_mini_session", session_id=booking.session_id, rating=4)
    assert (rated["student_rating"], rated["student_feedback"]) == (4, None)


def test_the_mentor_completes_with_only_the_required_keys(db: Database, sessions: Sessions) -> None:
    booking = sessions.in_progress()
    completed = booking.as_mentor.rpc(
        "complete_mini_session", session_id=booking.session_id, follow_up_needed=False, actual_duration_minutes=40
    )
    assert completed["status"] == "completed"
    assert (completed["mentor_notes"], completed["topics_covered"], completed["action_items"]) == (None, [], [])


@pytest.mark.parametrize("left_out", ["follow_up_needed", "actual_duration_minutes"])
def test_completing_without_a_required_key_names_it(db: Database, sessions: Sessions, left_out: str) -> None:
    booking = sessions.in_progress()
    args: dict[str, Any] = {"session_id": booking.session_id, "follow_up_needed": True,
                            "actual_duration_minutes": 40}
    del args[left_out]
    with pytest.raises(ApiError) as refused:
        booking.as_mentor.rpc("complete_mini_session", **args)
    assert (refused.value.code, refused.value.hint) == ("22023", left_out)
    assert session_row(db, booking.session_id)["status"] == "in-progress"
