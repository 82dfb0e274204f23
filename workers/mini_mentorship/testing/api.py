"""A faithful stand-in for how PostgREST runs a request, for tests against plain PostgreSQL.

PostgREST connects as `authenticator` and runs every HTTP request as one transaction:

    begin;
    set local role <role from the JWT>;
    select set_config('request.jwt.claims', '<the JWT claims as JSON>', true);
    <the query>;
    commit;   -- or rollback on error, answered with the SQLSTATE mapped to an HTTP status

`Api` does exactly that, and `http_status` is PostgREST's documented SQLSTATE → HTTP table.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from mini_mentorship.caller import begin_request

T = TypeVar("T")

# PostgREST's table (docs.postgrest.org, references/errors): first match wins.
_EXACT = {
    "23503": 409,
    "23505": 409,
    "25006": 405,
    "53400": 500,
    "P0001": 400,
    "42883": 404,
    "42P01": 404,
    "42P17": 500,
}
_PREFIX = {
    "08": 503, "09": 500, "0L": 403, "0P": 403, "25": 500, "28": 403, "2D": 500, "38": 500, "39": 500,
    "3B": 500, "40": 500, "53": 503, "54": 500, "55": 500, "57": 500, "58": 500, "F0": 500, "HV": 500,
    "P0": 500, "XX": 500,
}
_CUSTOM = re.compile(r"^PT(\d{3})$")
_END_SHARED_REQUEST = "reset role; reset statement_timeout; select set_config('request.jwt.claims', '', true)"

# Every test request runs under this statement_timeout, and `authenticator` sessions under
# TEMP_FILE_LIMIT (set on the role by the embedded server of mini_mentorship.testing.servers), so a regression
# that loops or spills without bound fails fast instead of filling the disk.
REQUEST_TIMEOUT_MS = 20_000
TEMP_FILE_LIMIT = "64MB"


def http_status(sqlstate: str, *, authenticated: bool = True) -> int:
    """The HTTP status PostgREST answers for an error with this SQLSTATE."""
    if custom := _CUSTOM.match(sqlstate):
        return int(custom.group(1))
    if sqlstate == "42501":
        return 403 if authenticated else 401
    if sqlstate in _EXACT:
        return _EXACT[sqlstate]
    return _PREFIX.get(sqlstate[:2], 400)


@dataclass
class ApiError(Exception):
    """An error as the app would receive it: PostgREST's JSON body plus the HTTP status."""

    code: str
    message: str
    detail: str | None
    hint: str | None
    http_status: int

    def __str__(self) -> str:
        return f"HTTP {self.http_status} {self.code} {self.message!r} (hint={self.hint!r}, detail={self.detail!r})"


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return Jsonb(value)
    return value


@dataclass
class Api:
    """One caller (role + JWT claims) talking to the database like supabase-js through PostgREST."""

    url: str  # connects as `authenticator`
    role: str
    claims: dict[str, Any]
    uid: uuid.UUID | None = None
    tx_rollback: bool = False  # PostgREST's `Prefer: tx=rollback`: run the request, then roll it back
    _conn: psycopg.Connection[dict[str, Any]] | None = field(default=None, repr=False)
    # Set by Database.caller in a rolled-back test (attached mode): `_conn` is the test's one open transaction,
    # each request is a savepoint in it and ends by switching back to the connection's own role.
    shared: bool = False

    def rolled_back(self) -> Api:
        """The same caller on the same connection, every request rolled back (`Prefer: tx=rollback`)."""
        self._connection()
        return replace(self, tx_rollback=True)

    def _connection(self) -> psycopg.Connection[dict[str, Any]]:
        if self.shared:
            assert self._conn is not None and not self._conn.closed, "the test's transaction is over"
            return self._conn
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self.url, autocommit=True, row_factory=dict_row)
        return self._conn

    def close(self) -> None:
        if self._conn is not None and not self.shared:
            self._conn.close()

    def request(self, work: Callable[[psycopg.Connection[dict[str, Any]]], T]) -> T:
        """Run `work` as one PostgREST request; errors come back as ApiError."""
        conn = self._connection()
        try:
            with conn.transaction(force_rollback=self.tx_rollback):
                begin_request(conn, self.role, self.claims)
                # Like Supabase's per-role statement_timeout, but tight: a request that runs away (an
                # unbounded loop, a generate_series over 'infinity') fails the test instead of hanging it.
                conn.execute(f"set local statement_timeout = '{REQUEST_TIMEOUT_MS}ms'")
                result = work(conn)
                if self.shared:  # `set local` outlives a released savepoint: end the request by hand
                    conn.execute(_END_SHARED_REQUEST)
                return result
        except psycopg.Error as exc:
            diag = exc.diag
            code = diag.sqlstate or "XX000"
            error = ApiError(
                code=code,
                message=diag.message_primary or str(exc),
                detail=diag.message_detail,
                hint=diag.message_hint,
                http_status=http_status(code, authenticated=self.role != "anon"),
            )
            # The app must never see a 500 for something the database decided: every test in the suite
            # that provokes one fails here, whatever it expected.
            assert error.http_status < 500, f"this request would reach the app as HTTP {error.http_status}: {error}"
            raise error from None

    def query(self, query: str, params: Any = None) -> list[dict[str, Any]]:
        """Any SQL as this caller (what a `.from(...).select/insert/update/delete` would run)."""

        def work(conn: psycopg.Connection[dict[str, Any]]) -> list[dict[str, Any]]:
            cur = conn.execute(query, params)
            return cur.fetchall() if cur.description else []

        return self.request(work)

    def execute(self, query: str, params: Any = None) -> int:
        """SQL as this caller; the number of rows it touched (0 is how RLS says no to update/delete)."""
        return self.request(lambda conn: conn.execute(query, params).rowcount)

    def rpc(self, name: str, **args: Any) -> Any:
        """`supabase.rpc(name, args)`: named arguments cast to the function's declared types.

        Table and set-returning functions give a list of dicts, a composite result a dict, others the value.
        """

        def work(conn: psycopg.Connection[dict[str, Any]]) -> Any:
            signature = conn.execute(
                """
                select p.proretset as retset, t.typtype = 'c' as composite,
                       coalesce(p.proargnames, '{}') as names,
                       array(select format_type(oid, null) from unnest(p.proargtypes) as oid) as types
                from pg_catalog.pg_proc as p
                join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
                join pg_catalog.pg_type as t on t.oid = p.prorettype
                where n.nspname = 'public' and p.proname = %s
                """,
                (name,),
            ).fetchall()
            if len(signature) != 1:
                raise psycopg.errors.UndefinedFunction(f"Could not find the function public.{name}")
            info = signature[0]
            types = dict(zip(info["names"], info["types"], strict=False))
            unknown = set(args) - set(types)
            if unknown:
                raise psycopg.errors.UndefinedFunction(
                    f"Could not find the function public.{name}({', '.join(sorted(args))}) in the schema cache"
                )
            call = sql.SQL("public.{}({})").format(
                sql.Identifier(name),
                sql.SQL(", ").join(
                    sql.SQL("{} => {}::{}").format(
                        sql.Identifier(arg), sql.Placeholder(arg), sql.SQL(types[arg])
                    )
                    for arg in args
                ),
            )
            values = {arg: _jsonable(value) for arg, value in args.items()}
            if info["retset"]:
                return conn.execute(sql.SQL("select * from {}").format(call), values).fetchall()
            if info["composite"]:
                row = conn.execute(sql.SQL("select * from {}").format(call), values).fetchone()
                return None if row is None or all(v is None for v in row.values()) else row
            row = conn.execute(sql.SQL("select {} as result").format(call), values).fetchone()
            return None if row is None else row["result"]

        return self.request(work)

    def refused(
        self, *, status: int | None = None, code: str | None = None, hint: str | None = None,
        message: str | None = None,
    ) -> contextlib.AbstractContextManager[Refusal]:
        """`with api.refused(status=403, hint="not_pool_mentor"): api.rpc(...)`: see `refused`."""
        return refused(status=status, code=code, hint=hint, message=message)


@dataclass
class Refusal:
    """What `refused` caught: the error exactly as the app would receive it."""

    error: ApiError | None = None


@contextlib.contextmanager
def refused(
    *, status: int | None = None, code: str | None = None, hint: str | None = None, message: str | None = None
) -> Iterator[Refusal]:
    """Assert that the block is refused the way the app would see it, and hand back the error.

    Each given expectation must hold: the HTTP status PostgREST would answer, the SQLSTATE `code`, the `hint`
    (the stable machine code) and a `message` substring. A block that succeeds fails the test. Row-level
    security refuses reads, updates and deletes silently (no error, fewer rows): assert on rows for those.
    """
    __tracebackhide__ = True  # pytest shows the test's line, not this helper's
    expected = {"status": status, "code": code, "hint": hint, "message": message}
    wanted = ", ".join(f"{key}={value!r}" for key, value in expected.items() if value is not None) or "any error"
    refusal = Refusal()
    try:
        yield refusal
    except ApiError as err:
        refusal.error = err
        mismatches = [
            name
            for name, matches in (
                ("status", status is None or err.http_status == status),
                ("code", code is None or err.code == code),
                ("hint", hint is None or err.hint == hint),
                ("message", message is None or message in err.message),
            )
            if not matches
        ]
        if mismatches:
            raise AssertionError(f"expected a refusal with {wanted}, got {err}") from None
    else:
        raise AssertionError(f"expected a refusal with {wanted}, but the call succeeded")
