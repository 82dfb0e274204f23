"""Connections, the local Supabase stand-in, and database create/drop on a server."""

from __future__ import annotations

import logging
from importlib import resources
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from . import migrate as migrations
from .settings import Settings

log = logging.getLogger(__name__)

EMBEDDED_DBNAME = "mini_mentorship"


def connect(url: str, *, autocommit: bool = True) -> psycopg.Connection:
    return psycopg.connect(url, autocommit=autocommit)


def with_dbname(url: str, dbname: str) -> str:
    """The same server URL pointing at another database."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + dbname))


def with_user(url: str, user: str) -> str:
    """The same server and database, logging in as another role (no password: local trust servers)."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{user}@{host}"))


def dbname_of(url: str) -> str:
    name = urlsplit(url).path.lstrip("/")
    if not name:
        raise ValueError(f"the URL names no database: {url}")
    return name


def has_auth_schema(conn: psycopg.Connection) -> bool:
    row = conn.execute("select exists (select from pg_catalog.pg_namespace where nspname = 'auth')").fetchone()
    return bool(row and row[0])


def standin_sql(*, auto_expose: bool) -> str:
    files = resources.files("mini_mentorship") / "sql"
    text = (files / "standin.sql").read_text(encoding="utf-8")
    if auto_expose:
        text += "\n" + (files / "standin_auto_expose.sql").read_text(encoding="utf-8")
    return text


def ensure_standin(conn: psycopg.Connection, *, auto_expose: bool = False) -> bool:
    """Apply the local Supabase stand-in unless the database already has an `auth` schema.

    Returns True when it was applied. A real Supabase database always has `auth`, so this never touches one.
    """
    if has_auth_schema(conn):
        return False
    with conn.transaction():
        conn.execute(standin_sql(auto_expose=auto_expose))
    log.info("applied the local Supabase stand-in (auto_expose=%s)", auto_expose)
    return True


def create_database(server_url: str, dbname: str, *, template: str | None = None) -> str:
    """Create `dbname` on the server of `server_url` (optionally as a copy of `template`); return its URL."""
    with connect(with_dbname(server_url, "postgres")) as conn:
        query = sql.SQL("create database {}").format(sql.Identifier(dbname))
        if template:
            query = sql.SQL("create database {} template {} strategy file_copy").format(
                sql.Identifier(dbname), sql.Identifier(template)
            )
        conn.execute(query)
    return with_dbname(server_url, dbname)


def database_exists(server_url: str, dbname: str) -> bool:
    with connect(with_dbname(server_url, "postgres")) as conn:
        row = conn.execute("select exists (select from pg_database where datname = %s)", (dbname,)).fetchone()
    return bool(row and row[0])


def drop_database(server_url: str, dbname: str) -> None:
    with connect(with_dbname(server_url, "postgres")) as conn:
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(dbname)))


def migrate_database(url: str, settings: Settings, *, auto_expose: bool = False) -> list[migrations.Migration]:
    """The stand-in where the database has no auth schema, then every pending migration."""
    with connect(url) as conn:
        ensure_standin(conn, auto_expose=auto_expose)
        return migrations.migrate(conn, settings.migrations_dir)


def load_seed(url: str, settings: Settings) -> bool:
    """Run supabase/seed.sql in one transaction; False when the project has none."""
    if not settings.seed_file.is_file():
        return False
    with connect(url) as conn, conn.transaction():
        conn.execute(settings.seed_file.read_text(encoding="utf-8"))
    log.info("loaded %s", settings.seed_file)
    return True


def reset_database(
    url: str, settings: Settings, *, auto_expose: bool = False
) -> tuple[list[migrations.Migration], bool]:
    """Drop and recreate the database of `url`, migrate it and load the seed (like `supabase db reset`)."""
    name = dbname_of(url)
    drop_database(url, name)
    create_database(url, name)
    applied = migrate_database(url, settings, auto_expose=auto_expose)
    return applied, load_seed(url, settings)
