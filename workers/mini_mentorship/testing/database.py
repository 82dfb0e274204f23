"""A database under test: superuser helpers, and users made the way Supabase Auth and the host app make them."""

from __future__ import annotations

import contextlib
import itertools
import json
import uuid
from typing import Any

import psycopg
from psycopg.rows import dict_row

from mini_mentorship.caller import claims_for
from mini_mentorship.testing.api import Api


class Database:
    """The database of one test, with superuser helpers.

    Either a fresh migrated copy the test may commit to (the embedded server), or, with `rolled_back=True`,
    an existing database seen through one transaction that `close()` rolls back: every helper query and
    every caller's request is then a savepoint in it, and nothing the test does is ever committed.
    """

    def __init__(self, url: str, server: Any = None, *, rolled_back: bool = False) -> None:
        self.url = url
        self.server = server
        self.rolled_back = rolled_back
        self.authenticator_url = url.replace("postgresql://postgres@", "postgresql://authenticator@", 1)
        self.conn: psycopg.Connection[dict[str, Any]] = psycopg.connect(
            url, autocommit=True, row_factory=dict_row
        )
        self._transaction: contextlib.ExitStack | None = None
        if rolled_back:
            self._transaction = contextlib.ExitStack()
            self._transaction.enter_context(self.conn.transaction(force_rollback=True))

    def _step(self) -> contextlib.AbstractContextManager[Any]:
        # In the rolled-back mode a failing statement must not abort the test's whole transaction.
        return self.conn.transaction() if self.rolled_back else contextlib.nullcontext()

    def query(self, query: str, params: Any = None) -> list[dict[str, Any]]:
        with self._step():
            cur = self.conn.execute(query, params)
            return cur.fetchall() if cur.description else []

    def scalar(self, query: str, params: Any = None) -> Any:
        with self._step():
            row = self.conn.execute(query, params).fetchone()
        return None if row is None else next(iter(row.values()))

    def caller(self, role: str, claims: dict[str, Any], uid: uuid.UUID | None = None) -> Api:
        """A PostgREST caller on this database: its own `authenticator` connection, or the test's transaction."""
        if self.rolled_back:
            return Api(self.url, role, claims, uid=uid, _conn=self.conn, shared=True)
        return Api(self.authenticator_url, role, claims, uid=uid)

    def close(self) -> None:
        try:
            if self._transaction is not None and not self.conn.closed:
                self._transaction.close()  # rolls back everything the test did
        finally:
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
    app_metadata: dict[str, Any] | None = None,
    user_metadata: dict[str, Any] | None = None,
) -> uuid.UUID:
    """An auth user plus the host app's rows (public.users, and a mentorship profile for students/mentors).

    `app_metadata` / `user_metadata` are merged into what Supabase Auth stores (and puts in the user's JWT).
    """
    uid = uuid.uuid4()
    n = next(_counter)
    email = email or f"{kind}{n}@example.test"
    app_meta: dict[str, Any] = {"provider": "email", "providers": ["email"]}
    if admin:
        app_meta["role"] = "admin"
    app_meta.update(app_metadata or {})
    db.query(
        "insert into auth.users (id, email, aud, role, raw_app_meta_data, raw_user_meta_data) "
        "values (%s, %s, 'authenticated', 'authenticated', %s, %s)",
        (uid, email, json.dumps(app_meta), json.dumps(user_metadata or {})),
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


def user_claims(
    db: Database,
    uid: uuid.UUID,
    *,
    app_metadata: dict[str, Any] | None = None,
    user_metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The JWT claims Supabase Auth would issue for this user (sub, role, email, app/user metadata).

    `app_metadata` / `user_metadata` are merged over what auth.users holds: a token as if they were set.
    """
    with db._step():
        claims = claims_for(db.conn, uid)
    claims["app_metadata"] = {**claims["app_metadata"], **(app_metadata or {})}
    claims["user_metadata"] = {**claims["user_metadata"], **(user_metadata or {})}
    return claims
