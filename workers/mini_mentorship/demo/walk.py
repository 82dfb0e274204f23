"""Each demo step as the app makes it: one request, one transaction, as the named user, on a connection as
`authenticator` (`caller.begin_request`: role authenticated + the user's JWT claims, as PostgREST does).

`Walk.run` narrates the step (who, what, what the app got back: the result or the refusal's SQLSTATE, hint
and message) and keeps a record for the test; `Walk.race` runs several users' calls at the same instant on
their own connections (threads released by a barrier) to show which one the database lets win.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from rich.console import Console
from rich.table import Table

from .. import db as dbmod
from ..caller import begin_request, claims_for
from .community import Person

Conn = psycopg.Connection[dict[str, Any]]
Work = Callable[[Conn], Any]


def say(console: Console, mark: str, text: str) -> None:
    """One narrated line; what does not fit wraps under the text, not under the mark."""
    line = Table.grid(padding=(0, 1))
    line.add_column(width=3, justify="right", no_wrap=True)
    line.add_column()
    line.add_row(mark, text)
    console.print(line, highlight=False)


@dataclass
class Step:
    who: Person
    action: str
    outcome: str
    ok: bool
    hint: str | None = None
    result: Any = None


def rpc(name: str, **args: Any) -> Work:
    """`supabase.rpc(name, args)`: the rows as JSON objects (one per row)."""
    call = sql.SQL("select to_jsonb(r) as result from public.{}({}) as r").format(
        sql.Identifier(name),
        sql.SQL(", ").join(sql.SQL("{} => {}").format(sql.Identifier(k), sql.Placeholder(k)) for k in args),
    )
    return lambda conn: [row["result"] for row in conn.execute(call, args).fetchall()]


def refusal(exc: psycopg.Error) -> tuple[str | None, str]:
    diag = exc.diag
    return diag.message_hint, f"{diag.sqlstate} {diag.message_hint}: {diag.message_primary}"


class Walk:
    """The demo's API client and narrator."""

    def __init__(self, url: str, console: Console) -> None:
        self.url = url
        self.console = console
        self.admin: Conn = psycopg.connect(url, autocommit=True, row_factory=dict_row)
        self.api: Conn = self._api_connection()
        self.steps: list[Step] = []

    def _api_connection(self) -> Conn:
        return psycopg.connect(dbmod.with_user(self.url, "authenticator"), autocommit=True, row_factory=dict_row)

    def close(self) -> None:
        self.api.close()
        self.admin.close()

    def _as(self, conn: Conn, who: Person, work: Work) -> Any:
        with conn.transaction():
            begin_request(conn, "authenticated", claims_for(self.admin, who.id))
            return work(conn)

    def record(self, step: Step, *, quiet: bool = False) -> Step:
        self.steps.append(step)
        if not quiet:
            mark = "[green]✓[/]" if step.ok else "[yellow]✗[/]"
            outcome = step.outcome if step.ok else f"[yellow]refused[/] {step.outcome}"
            say(self.console, mark, f"[bold]{step.who.name}[/] {step.action} → {outcome}")
        return step

    def run(self, who: Person, action: str, work: Work, describe: Callable[[Any], str] = str, *,
            quiet: bool = False) -> Any:
        """`work` as `who`; a refusal is narrated with its SQLSTATE, hint and message (what the app gets)."""
        try:
            result = self._as(self.api, who, work)
        except psycopg.Error as exc:
            hint, text = refusal(exc)
            self.record(Step(who, action, text, ok=False, hint=hint), quiet=quiet)
            return None
        self.record(Step(who, action, describe(result), ok=True, result=result), quiet=quiet)
        return result

    def race(self, people: list[Person], action: str, work: Work, describe: Callable[[Any], str] = str) -> list[Step]:
        """The same call by each person at the same instant, each on its own connection and thread."""
        start = threading.Barrier(len(people))
        claims = {who: claims_for(self.admin, who.id) for who in people}

        def attempt(who: Person) -> Step:
            with self._api_connection() as conn:
                try:
                    with conn.transaction():
                        begin_request(conn, "authenticated", claims[who])
                        start.wait(timeout=30)
                        result = work(conn)
                except psycopg.Error as exc:
                    hint, text = refusal(exc)
                    return Step(who, action, text, ok=False, hint=hint)
                return Step(who, action, describe(result), ok=True, result=result)

        with ThreadPoolExecutor(max_workers=len(people)) as pool:
            steps = list(pool.map(attempt, people))
        return [self.record(step) for step in steps]

    def scalar(self, query: str, params: Any = None) -> Any:
        """A read by the database owner, for the narration only (never a step of the story)."""
        row = self.admin.execute(query, params).fetchone()
        return None if row is None else next(iter(row.values()))


def person_id(value: Any) -> uuid.UUID:
    return uuid.UUID(str(value))
