"""The security matrix, declared once: what each actor may do to each exposed table and column.

This file is the specification (DESIGN.md §7); mini_mentorship/checks/cells.py turns every entry into
cells, which tests/sql/test_security_matrix.py asserts and `mini-mentorship db test` runs on any database.
Every column of every exposed table must appear here, so a new column without a decision fails the suite
(see test_every_exposed_table_and_column_has_a_row).
"""

from __future__ import annotations

from dataclasses import dataclass, field

ALL = "ALL"  # every row of the world
DENIED = "DENIED"  # the statement itself is refused (privileges / policy violation / trigger)
SELF = "SELF"  # the actor's own row (host tables)

AUTHENTICATED_ACTORS = [
    "owner",
    "other_student",
    "pool_mentor",
    "non_pool_mentor",
    "claiming_mentor",
    "other_mentor",
    "admin",
]


@dataclass(frozen=True)
class TableRules:
    """Who may do what to one table. Row labels come from checks/security_world.py."""

    # column -> SQL probe value for insert/update cells ("{self}" / "{pool_mentor}" … are actor ids)
    columns: dict[str, str]
    # actor -> the row labels a SELECT returns (ALL, DENIED, or a set; events are keyed by request label)
    select: dict[str, object]
    # columns `authenticated` may insert / update (column grants); the rest is refused
    auth_insert: frozenset[str] = frozenset()
    auth_update: frozenset[str] = frozenset()
    auth_delete: bool = False
    # actor -> rows it may update/delete when the privilege allows (policy USING)
    writable: dict[str, object] = field(default_factory=dict)
    # the row update/delete cells aim at
    target: str = ""
    # service_role may insert/update/delete (the triggers still apply)
    service_writes: bool = True
    # columns the database computes: nobody may write them
    generated: frozenset[str] = frozenset()
    # table-specific: who may insert a row at all (owner = the row names the caller)
    auth_insert_needs_self: str | None = None
    # events: rows can never be changed or deleted, by anyone
    append_only: bool = False
    # what the insert trigger does to a column whoever writes it: "ignored" (the database sets it, the
    # caller's value is dropped) or "denied" (the insert is refused); unlisted columns are taken as sent
    insert_protected: dict[str, str] = field(default_factory=dict)


_TS = "now() - interval '1 day'"


def _protect(denied: set[str], ignored: set[str]) -> dict[str, str]:
    return {c: "denied" for c in denied} | {c: "ignored" for c in ignored}


REQUESTS = TableRules(
    columns={
        "id": "'00000000-0000-4000-8000-0000000000aa'::uuid",
        "student_id": "{self}",
        "title": "'Probe title'",
        "description": "'Probe description'",
        "session_type": "'career_advice'",
        "preferred_duration_minutes": "30",
        "urgency": "'low'",
        "preferred_date_start": "current_date + 1",
        "preferred_date_end": "current_date + 5",
        "preferred_time_slots": "'[]'::jsonb",
        "timezone": "'Asia/Tokyo'",
        "tags": "array['probe']",
        "relevant_experience": "'probe experience'",
        "specific_questions": "'probe questions'",
        "resume_url": "'https://example.test/r.pdf'",
        "portfolio_url": "'https://example.test/p'",
        "status": "'claimed'",
        "claimed_by_mentor_id": "{pool_mentor}",
        "claimed_at": _TS,
        "release_count": "3",
        "last_released_at": _TS,
        "last_released_by": "{pool_mentor}",
        "last_release_reason": "'probe'",
        "cancelled_at": _TS,
        "cancelled_by": "{pool_mentor}",
        "cancellation_reason": "'probe'",
        "expired_at": _TS,
        "completed_at": _TS,
        "created_at": _TS,
        "expires_at": "now() + interval '30 days'",
        "updated_at": _TS,
        "search_document": "to_tsvector('simple', 'probe')",
        # session X is the owner's but still scheduled: the insert trigger refuses it for everyone (the happy
        # path, a completed session of one's own, is tested in test_follow_ups_and_capacity.py)
        "follow_up_of": "{X}",
        "follow_up_exclusive": "true",  # without follow_up_of: refused
        "reserved_for_mentor_id": "{pool_mentor}",
        "reserved_until": "now() + interval '1 day'",
    },
    select={
        "anon": DENIED,
        "owner": {"R_open", "R_claimed", "R_sched"},
        "other_student": {"R_other"},
        "pool_mentor": set(),  # open requests reach pool mentors only through browse_mini_requests
        "non_pool_mentor": set(),
        "claiming_mentor": {"R_claimed", "R_sched"},
        "other_mentor": {"R_other"},
        "admin": set(),  # admins list every request through admin_list_mini_requests
        "service_role": ALL,
    },
    auth_insert=frozenset(
        {
            "student_id", "title", "description", "session_type", "preferred_duration_minutes", "urgency",
            "preferred_date_start", "preferred_date_end", "preferred_time_slots", "timezone", "tags",
            "relevant_experience", "specific_questions", "resume_url", "portfolio_url", "follow_up_of",
            "follow_up_exclusive",
        }
    ),
    auth_insert_needs_self="student_id",
    # a new request is always open and unclaimed; lifecycle columns belong to the database
    insert_protected=_protect(
        {"status", "claimed_by_mentor_id", "follow_up_of", "follow_up_exclusive"},
        {
            "claimed_at", "release_count", "last_released_at", "last_released_by", "last_release_reason",
            "cancelled_at", "cancelled_by", "cancellation_reason", "expired_at", "completed_at", "created_at",
            "expires_at", "updated_at", "reserved_for_mentor_id", "reserved_until",
        },
    ),
    target="R_open",
    writable={"service_role": ALL},
    generated=frozenset({"search_document"}),
)

SESSIONS = TableRules(
    columns={
        "id": "'00000000-0000-4000-8000-0000000000bb'::uuid",
        "request_id": "{R_claimed}",
        "student_id": "{owner}",
        "mentor_id": "{claiming_mentor}",
        "scheduled_at": "date_trunc('hour', now()) + interval '30 days'",
        "duration_minutes": "30",
        "ends_at": "date_trunc('hour', now()) + interval '31 days'",
        "timezone": "'Asia/Tokyo'",
        "meeting_type": "'phone'",
        "meeting_platform": "'phone'",
        "meeting_link": "'https://meet.example.test/x'",
        "meeting_id": "'123'",
        "meeting_passcode": "'secret'",
        "location": "'Room 1'",
        "status": "'completed'",
        "started_at": _TS,
        "ended_at": _TS,
        "actual_duration_minutes": "25",
        "sequence": "7",
        "rescheduled_at": _TS,
        "reschedule_reason": "'probe'",
        "cancelled_at": _TS,
        "cancelled_by": "{owner}",
        "cancellation_reason": "'probe'",
        "no_show_absent": "'student'",
        "no_show_marked_by": "{owner}",
        "no_show_marked_at": _TS,
        "student_joined_at": _TS,
        "mentor_joined_at": _TS,
        "reminder_24hr_sent_at": _TS,
        "reminder_1hr_sent_at": _TS,
        "student_notes": "'probe'",
        "mentor_notes": "'probe'",
        "topics_covered": "array['probe']",
        "action_items": "array['probe']",
        "follow_up_needed": "true",
        "student_rating": "5",
        "student_feedback": "'probe'",
        "mentor_rating": "5",
        "mentor_feedback": "'probe'",
        "created_at": _TS,
        "updated_at": _TS,
    },
    select={
        "anon": DENIED,
        "owner": {"X"},
        "other_student": set(),
        "pool_mentor": set(),
        "non_pool_mentor": set(),
        "claiming_mentor": {"X"},
        "other_mentor": set(),
        "admin": set(),  # through admin_list_mini_sessions
        "service_role": ALL,
    },
    target="X",
    writable={"service_role": ALL},
    # a new session is always scheduled; lifecycle columns belong to the database
    insert_protected=_protect(
        {"status"},
        {
            "ends_at", "started_at", "ended_at", "sequence", "rescheduled_at", "cancelled_at", "cancelled_by",
            "cancellation_reason", "no_show_absent", "no_show_marked_by", "no_show_marked_at",
            "student_joined_at", "mentor_joined_at", "reminder_24hr_sent_at", "reminder_1hr_sent_at",
            "created_at", "updated_at",
        },
    ),
)

AVAILABILITY = TableRules(
    columns={
        "id": "'00000000-0000-4000-8000-0000000000cc'::uuid",
        "mentor_id": "{self}",
        "available_from": "now() + interval '3 days'",
        "available_until": "now() + interval '3 days 2 hours'",
        "timezone": "'Asia/Tokyo'",
        "is_available": "false",
        "blocked_reason": "'probe'",
        "created_at": _TS,
        "updated_at": _TS,
    },
    select={
        "anon": DENIED,
        "owner": set(),
        "other_student": set(),
        "pool_mentor": set(),
        "non_pool_mentor": set(),
        "claiming_mentor": {"W_claim"},
        "other_mentor": {"W_other"},
        "admin": set(),  # through admin_list_mini_availability
        "service_role": ALL,
    },
    auth_insert=frozenset({"mentor_id", "available_from", "available_until", "timezone", "is_available",
                           "blocked_reason"}),
    auth_update=frozenset({"available_from", "available_until", "timezone", "is_available", "blocked_reason"}),
    auth_delete=True,
    auth_insert_needs_self="mentor_id",
    target="W_claim",
    writable={"claiming_mentor": {"W_claim"}, "service_role": ALL},
)

EVENTS = TableRules(
    columns={
        "id": "424242",
        "entity": "'request'",
        "event": "'request.created'",
        "request_id": "{R_open}",
        "session_id": "null",
        "actor_id": "{self}",
        "actor_role": "'authenticated'",
        "from_status": "null",
        "to_status": "'open'",
        "reason": "'probe'",
        "detail": "'{}'::jsonb",
        "at": _TS,
    },
    # keyed by the request whose history the events are; a claiming mentor sees a request's events only from
    # their current claim on (test_select counts them), never what earlier mentors did
    select={
        "anon": DENIED,
        "owner": {"R_open", "R_claimed", "R_sched"},
        "other_student": {"R_other"},
        "pool_mentor": set(),
        "non_pool_mentor": set(),
        "claiming_mentor": {"R_claimed", "R_sched"},
        "other_mentor": {"R_other"},
        "admin": set(),  # through admin_list_mini_events
        "service_role": ALL,
    },
    target="R_open",
    service_writes=False,
    append_only=True,
)

def _self_only() -> dict[str, object]:
    """Host tables: each signed-in actor reads its own row; the service role reads all; anon nothing."""
    rules: dict[str, object] = {actor: SELF for actor in AUTHENTICATED_ACTORS}
    return rules | {"anon": DENIED, "service_role": ALL}


USERS = TableRules(
    columns={
        "id": "{self}",
        "email": "'probe@example.test'",
        "full_name": "'Probe'",
        "timezone": "'Asia/Tokyo'",
        "created_at": _TS,
    },
    select=_self_only(),
    target="owner",
    writable={"service_role": ALL},
)

PROFILES = TableRules(
    columns={
        "id": "'00000000-0000-4000-8000-0000000000dd'::uuid",
        "user_id": "{self}",
        "profile_type": "'student'",
        "in_matching_pool": "true",
        "created_at": _TS,
    },
    select=_self_only(),
    target="owner",
    writable={"service_role": ALL},
)

# A view (issue 12): who can read whose name, zone and avatar. "@actor" = that actor's user id. Each signed-in
# actor reads themself and the people they share a request (student, claiming mentor) or a session with.
PEOPLE = TableRules(
    columns={
        "id": "{self}",
        "display_name": "'Probe'",
        "timezone": "'Asia/Tokyo'",
        "avatar_url": "'https://example.test/a.png'",
    },
    select={
        "anon": DENIED,
        "owner": {"@owner", "@claiming_mentor"},
        "other_student": {"@other_student", "@other_mentor"},
        "pool_mentor": {"@pool_mentor"},
        "non_pool_mentor": {"@non_pool_mentor"},
        "claiming_mentor": {"@claiming_mentor", "@owner"},
        "other_mentor": {"@other_mentor", "@other_student"},
        "admin": ALL,
        "service_role": DENIED,
    },
    target="owner",
    service_writes=False,
)

TABLES: dict[str, TableRules] = {
    "mini_mentorship_requests": REQUESTS,
    "mini_mentorship_sessions": SESSIONS,
    "mini_mentorship_availability": AVAILABILITY,
    "mini_mentorship_events": EVENTS,
    "users": USERS,
    "mentorship_profiles": PROFILES,
    "mini_mentorship_people": PEOPLE,
}


OK = "ok"


@dataclass(frozen=True)
class RpcRules:
    """One RPC: its arguments (world labels in braces, or `{slot+N}` = N hours after tomorrow's first full
    hour, inside W_claim and clear of session X) and the outcome per actor: OK or (SQLSTATE, hint)."""

    args: dict[str, object]
    outcome: dict[str, object]


NOT_GRANTED = ("42501", None)  # no EXECUTE for the role: PostgREST answers 401 (anon) / 403
_HIDDEN_REQUEST = ("PT404", "request_not_found")
_HIDDEN_SESSION = ("PT404", "session_not_found")
_OUTSIDERS = ("other_student", "pool_mentor", "non_pool_mentor", "other_mentor")


def _rpc(args: dict[str, object], **outcome: object) -> RpcRules:
    everyone = {"anon": NOT_GRANTED, "service_role": NOT_GRANTED}
    return RpcRules(args, everyone | outcome)


def _session_rpc(args: dict[str, object], *, outsiders: object = _HIDDEN_SESSION, **outcome: object) -> RpcRules:
    return _rpc(args, **{actor: outsiders for actor in _OUTSIDERS}, **outcome)


_NOT_POOL = ("42501", "not_pool_mentor")


def _admin_rpc(args: dict[str, object]) -> RpcRules:
    return _rpc(args, **{a: ("42501", "not_admin") for a in (*_OUTSIDERS, "owner", "claiming_mentor")}, admin=OK)

RPCS: dict[str, RpcRules] = {
    "browse_mini_requests": _rpc(
        {}, owner=_NOT_POOL, other_student=_NOT_POOL, pool_mentor=OK, non_pool_mentor=_NOT_POOL,
        claiming_mentor=OK, other_mentor=OK, admin=_NOT_POOL,
    ),
    "claim_mini_request": _rpc(
        {"request_id": "{R_open}"}, owner=_NOT_POOL, other_student=_NOT_POOL, pool_mentor=OK,
        non_pool_mentor=_NOT_POOL, claiming_mentor=OK, other_mentor=OK, admin=_NOT_POOL,
    ),
    "release_mini_request": _rpc(
        {"request_id": "{R_claimed}", "reason": "probe"},
        owner=("42501", "not_claiming_mentor"), **{a: _HIDDEN_REQUEST for a in _OUTSIDERS},
        claiming_mentor=OK, admin=("42501", "not_claiming_mentor"),
    ),
    # R_open is visible to pool mentors (they may browse it), not to other students or mentors outside the pool
    "cancel_mini_request": _rpc(
        {"request_id": "{R_open}", "reason": "probe"},
        owner=OK, other_student=_HIDDEN_REQUEST, pool_mentor=("42501", "not_request_owner"),
        non_pool_mentor=_HIDDEN_REQUEST, other_mentor=("42501", "not_request_owner"),
        claiming_mentor=("42501", "not_request_owner"), admin=OK,
    ),
    # only pool mentors schedule (issue 8): the others are refused before the request is looked up
    "schedule_mini_session": _rpc(
        {"request_id": "{R_claimed}", "scheduled_at": "{slot+2}", "duration_minutes": 30},
        owner=_NOT_POOL, other_student=_NOT_POOL, pool_mentor=_HIDDEN_REQUEST, non_pool_mentor=_NOT_POOL,
        claiming_mentor=OK, other_mentor=_HIDDEN_REQUEST, admin=_NOT_POOL,
    ),
    "reschedule_mini_session": _session_rpc(
        {"session_id": "{X}", "scheduled_at": "{slot+2}", "reason": "probe"},
        owner=("42501", "not_session_mentor"), claiming_mentor=OK, admin=("42501", "not_session_mentor"),
    ),
    "cancel_mini_session": _session_rpc(
        {"session_id": "{X}", "reason": "probe"}, owner=OK, claiming_mentor=OK, admin=OK,
    ),
    # X starts tomorrow: participants are told it is too early, everyone else cannot see it
    "join_mini_session": _session_rpc(
        {"session_id": "{X}"}, owner=("PT409", "too_early"), claiming_mentor=("PT409", "too_early"),
        admin=("42501", "not_session_participant"),
    ),
    "complete_mini_session": _session_rpc(
        {"session_id": "{X}", "mentor_notes": "notes", "topics_covered": ["a"], "action_items": ["b"],
         "follow_up_needed": False, "actual_duration_minutes": 30},
        owner=("42501", "not_session_mentor"), claiming_mentor=("PT409", "session_not_started"),
        admin=("42501", "not_session_mentor"),
    ),
    "mark_mini_no_show": _session_rpc(
        {"session_id": "{X}", "absent": "mentor"}, owner=("PT409", "no_show_too_early"),
        claiming_mentor=("42501", "cannot_mark_own_absence"), admin=("PT409", "no_show_too_early"),
    ),
    "rate_mini_session": _session_rpc(
        {"session_id": "{X}", "rating": 5, "feedback": "probe"}, owner=("PT409", "session_not_completed"),
        claiming_mentor=("PT409", "session_not_completed"), admin=("42501", "not_session_participant"),
    ),
    "request_mini_meeting_link": _session_rpc(
        {"session_id": "{X}"}, owner=OK, claiming_mentor=OK, admin=("42501", "not_session_participant"),
    ),
    "update_mini_session_meeting": _session_rpc(
        {"session_id": "{X}", "location": "probe"}, owner=("42501", "not_session_mentor"), claiming_mentor=OK,
        admin=("42501", "not_session_mentor"),
    ),
    "update_mini_session_notes": _session_rpc(
        {"session_id": "{X}", "student_notes": "probe"}, owner=OK,
        claiming_mentor=("42501", "not_session_student"), admin=("42501", "not_session_student"),
    ),
    "mini_mentorship_analytics": _admin_rpc({}),
    # admins read every row through these (the row policies have no admin arm: issue 15)
    "admin_list_mini_requests": _admin_rpc({}),
    "admin_list_mini_sessions": _admin_rpc({"request_id": "{R_sched}"}),
    "admin_list_mini_availability": _admin_rpc({}),
    "admin_list_mini_events": _admin_rpc({"request_id": "{R_open}"}),
}
