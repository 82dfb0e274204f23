"""Run SQL the way PostgREST runs a Data API request, for the demo and for tests.

PostgREST connects as `authenticator` and, inside the request's transaction, switches to the role named by
the JWT and publishes the claims: `set local role <role>` and `set_config('request.jwt.claims', <json>,
true)`. Everything `auth.uid()`, `auth.jwt()` and the RLS policies see comes from those two statements.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row


def claims_for(conn: psycopg.Connection[Any], user_id: uuid.UUID) -> dict[str, Any]:
    """The claims Supabase Auth puts in an access token for this user (read from auth.users)."""
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(
            "select email, raw_app_meta_data, raw_user_meta_data from auth.users where id = %s", (user_id,)
        ).fetchone()
    if row is None:
        raise LookupError(f"no auth user {user_id}")
    return {
        "sub": str(user_id),
        "role": "authenticated",
        "aud": "authenticated",
        "email": row["email"],
        "app_metadata": row["raw_app_meta_data"] or {},
        "user_metadata": row["raw_user_meta_data"] or {},
        "is_anonymous": False,
    }


def begin_request(conn: psycopg.Connection[Any], role: str, claims: dict[str, Any]) -> None:
    """Inside an open transaction: become `role` with these JWT claims until the transaction ends."""
    conn.execute(sql.SQL("set local role {}").format(sql.Identifier(role)))
    conn.execute("select set_config('request.jwt.claims', %s, true)", (json.dumps(claims),))
