"""Split a migration file into statements the way the Supabase CLI does.

The CLI stores each migration in `supabase_migrations.schema_migrations.statements` as the file cut at every
top-level `;` (not inside quotes, dollar quotes or comments), each piece trimmed of surrounding whitespace and
its `;`, comments kept. We cut the same way so both tools record the same history and can continue each
other's work.
"""

from __future__ import annotations

import re

_DOLLAR_TAG = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")


def split_statements(sql: str) -> list[str]:
    statements: list[str] = []
    start = 0
    i = 0
    n = len(sql)
    while i < n:
        ch = sql[i]
        if ch == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end + 1
        elif ch == "/" and sql.startswith("/*", i):
            i = _skip_block_comment(sql, i)
        elif ch == "'":
            escaped = i > 0 and sql[i - 1] in "eE" and (i < 2 or not (sql[i - 2].isalnum() or sql[i - 2] == "_"))
            i = _skip_quoted(sql, i, "'", backslash=escaped)
        elif ch == '"':
            i = _skip_quoted(sql, i, '"', backslash=False)
        elif ch == "$" and (match := _DOLLAR_TAG.match(sql, i)) and not _is_identifier_char(sql, i - 1):
            close = sql.find(match.group(0), match.end())
            i = n if close < 0 else close + len(match.group(0))
        elif ch == ";":
            _append(statements, sql[start:i])
            i += 1
            start = i
        else:
            i += 1
    _append(statements, sql[start:])
    return statements


def fingerprint(statements: list[str]) -> str:
    """Whitespace-insensitive form of a statement list, for drift checks across both tools' splitting."""
    return re.sub(r"\s+", "", "".join(statements))


def _append(statements: list[str], piece: str) -> None:
    piece = piece.strip()
    if piece:
        statements.append(piece)


def _is_identifier_char(sql: str, i: int) -> bool:
    return i >= 0 and (sql[i].isalnum() or sql[i] == "_")


def _skip_quoted(sql: str, i: int, quote: str, *, backslash: bool) -> int:
    i += 1
    n = len(sql)
    while i < n:
        ch = sql[i]
        if backslash and ch == "\\":
            i += 2
            continue
        if ch == quote:
            if i + 1 < n and sql[i + 1] == quote:
                i += 2
                continue
            return i + 1
        i += 1
    return n


def _skip_block_comment(sql: str, i: int) -> int:
    depth = 0
    n = len(sql)
    while i < n:
        if sql.startswith("/*", i):
            depth += 1
            i += 2
        elif sql.startswith("*/", i):
            depth -= 1
            i += 2
            if depth == 0:
                return i
        else:
            i += 1
    return n
