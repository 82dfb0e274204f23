"""The admin analytics report as data: `rpc('mini_mentorship_analytics', {since, until})` called as an admin,
through the PostgREST path (`caller.begin_request`: role `authenticated` and the admin's JWT claims), so the
database checks the caller exactly as it does for the app. `report_rows` flattens it for CSV.

The rendering (tables and terminal charts) lives in analytics_view.py; the command in cli/analytics.py.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

import psycopg
from psycopg.rows import dict_row

from .caller import begin_request, claims_for

REPORT_SQL = "select * from public.mini_mentorship_analytics(since => %(since)s, until => %(until)s)"

FIND_USER_SQL = """
select u.id
from auth.users as u
where u.id::text = %(who)s or lower(u.email) = lower(%(who)s)
"""

FIRST_ADMIN_SQL = """
select u.id
from auth.users as u
where u.raw_app_meta_data ->> 'role' = 'admin'
order by u.created_at, u.id
limit 1
"""

Report = dict[str, Any]


class AnalyticsError(Exception):
    """Something a user can act on (unknown user, no admin, refused, bad period): one line."""


def resolve_user(conn: psycopg.Connection[Any], who: str | None) -> uuid.UUID:
    """The user to act as: an email or id, or (None) the oldest user whose app_metadata role is admin."""
    with conn.cursor(row_factory=dict_row) as cur:
        if who is None:
            row = cur.execute(FIRST_ADMIN_SQL).fetchone()
            if row is None:
                raise AnalyticsError(
                    "no admin user found: pass --as-user EMAIL, or make a user an admin (app_metadata role "
                    "'admin', docs/security.md)"
                )
        else:
            row = cur.execute(FIND_USER_SQL, {"who": who}).fetchone()
            if row is None:
                raise AnalyticsError(f"no user {who!r} in auth.users (give an email or a user id)")
    user_id: uuid.UUID = row["id"]
    return user_id


def fetch_report(
    conn: psycopg.Connection[Any], user_id: uuid.UUID, since: datetime | None = None, until: datetime | None = None
) -> Report:
    """The report as `user_id` sees it (one request, one transaction, as PostgREST runs it)."""
    claims = claims_for(conn, user_id)
    try:
        with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
            begin_request(conn, "authenticated", claims)
            row = cur.execute(REPORT_SQL, {"since": since, "until": until}).fetchone()
    except psycopg.Error as exc:
        diag = exc.diag
        if diag.sqlstate == "42501":
            raise AnalyticsError(
                f"{diag.message_primary} {claims['email']} is not an admin (app_metadata role 'admin', "
                "docs/security.md); pass --as-user with an admin's email"
            ) from None
        if diag.sqlstate == "22023":
            raise AnalyticsError(f"--{diag.message_hint}: {diag.message_primary}") from None
        raise
    assert row is not None
    return dict(row)


def jsonable(value: Any) -> Any:
    """Numbers, strings and nulls as PostgREST would send them (Decimal as a JSON number, times ISO 8601)."""
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        return int(value) if isinstance(exponent, int) and exponent >= 0 else float(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value


def to_json(report: Report) -> str:
    return json.dumps(jsonable(report), indent=2)


def report_rows(report: Report) -> Iterator[tuple[str, Any]]:
    """(figure, value) pairs with nested figures flattened to dotted names, e.g. `requests_by_status.open`,
    `requests_per_week.2026-11-30.completed`, `by_session_type.career_advice.completion_rate`."""

    def walk(prefix: str, value: Any) -> Iterator[tuple[str, Any]]:
        if isinstance(value, dict):
            for key, inner in value.items():
                yield from walk(f"{prefix}.{key}", inner)
        elif isinstance(value, list):
            for item in value:
                label = item.get("week") or item.get("month") or item.get("bucket")
                rest = {k: v for k, v in item.items() if k not in ("week", "month", "bucket")}
                yield from walk(f"{prefix}.{label}", rest)
        else:
            yield prefix, jsonable(value)

    for name, value in report.items():
        yield from walk(name, value)
