"""A database under test: superuser helpers, and users made the way Supabase Auth and the host app make them."""

from __future__ import annotations

import itertools
import json
import uuid
from typing import Any

import psycopg
from psycopg.rows import dict_row

from mini_mentorship.caller import claims_for


class Database:
    """A fresh migrated database for one test, with superuser helpers."""

    def __init__(self, url: str, server: Any = None) -> None:
        self.url = url
        self.server = server
        self.authenticator_url = url.replace("postgresql://postgres@", "postgresql://authenticator@", 1)
        self.conn: psycopg.Connection[dict[str, Any]] = psycopg.connect(
            url, autocommit=True, row_factory=dict_row
        )

    def query(self, query: str, params: Any = None) -> list[dict[str, Any]]:
        cur = self.conn.execute(query, params)
        return cur.fetchall() if cur.description else []

    def scalar(self, query: str, params: Any = None) -> Any:
        row = self.conn.execute(query, params).fetchone()
        return None if row is None else next(iter(row.values()))

    def close(self) -> None:
        self.conn.close()


_counter = itertools.count(1)


def create_user(
    db: Database,
    kind: str = "student",
    *,
    in_pool: bool = True,
    admin: bool = False,
    email: str | None = None,
    full_name: str | None = None,
    timezone: str = "UTC",
) -> uuid.UUID:
    """An auth user plus the host app's rows (public.users, and a mentorship profile for students/mentors)."""
    uid = uuid.uuid4()
    n = next(_counter)
    email = email or f"{kind}{n}@example.test"
    app_meta: dict[str, Any] = {"provider": "email", "providers": ["email"]}
    if admin:
        app_meta["role"] = "admin"
    db.query(
        "insert into auth.users (id, email, aud, role, raw_app_meta_data, raw_user_meta_data) "
        "values (%s, %s, 'authenticated', 'authenticated', %s, '{}')",
        (uid, email, json.dumps(app_meta)),
    )
    db.query(
        # The toolkit's sign-up trigger (where it created public.users) made the row already: set the test's values.
        "insert into public.users (id, email, full_name, timezone) values (%s, %s, %s, %s) "
        "on conflict (id) do update set email = excluded.email, full_name = excluded.full_name, "
        "timezone = excluded.timezone",
        (uid, email, full_name or f"{kind.title()} {n}", timezone),
    )
    if kind in ("student", "mentor"):
        db.query(
            "insert into public.mentorship_profiles (user_id, profile_type, in_matching_pool) "
            "values (%s, %s, %s)",
            (uid, kind, in_pool and kind == "mentor"),
        )
    return uid


def user_claims(db: Database, uid: uuid.UUID) -> dict[str, Any]:
    """The JWT claims Supabase Auth would issue for this user (sub, role, email, app/user metadata)."""
    return claims_for(db.conn, uid)
