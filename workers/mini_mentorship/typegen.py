"""TypeScript types of the API, made by Supabase's own generator (npm `@supabase/postgres-meta`).

`supabase gen types typescript` runs postgres-meta in Docker; the same program, pinned in package.json and
installed by `npm ci`, runs here with plain node: with `PG_META_GENERATE_TYPES=typescript` its server prints
the types of the database at `PG_META_DB_URL` (the schemas in `PG_META_GENERATE_TYPES_INCLUDED_SCHEMAS`) and
exits. By default it reads a database freshly migrated on the embedded server, so the result depends on
supabase/migrations alone, never on what a developer's database happens to hold.
"""

from __future__ import annotations

import difflib
import logging
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from . import db as dbmod
from .pgserver import LocalServer, embedded_bindir
from .settings import Settings

log = logging.getLogger(__name__)

GENERATOR = Path("node_modules/@supabase/postgres-meta/dist/server/server.js")
TYPES_FILE = Path("types/database.types.ts")
SCHEMAS = "public"  # what the Data API serves; private stays out of the client's types
TIMEOUT_SECONDS = 120


class TypegenError(RuntimeError):
    """The generator is missing or failed."""


def generator_script(project_dir: Path) -> Path:
    """postgres-meta's server entry under the project's node_modules (installed by `npm ci`)."""
    script = project_dir / GENERATOR
    if not script.is_file():
        raise TypegenError(
            f"{GENERATOR} not found under {project_dir}: install the pinned npm tools with `npm ci`"
        )
    return script


def generate(db_url: str, project_dir: Path) -> str:
    """The TypeScript types of the `public` schema of the database at `db_url`, as postgres-meta prints them."""
    node = shutil.which("node")
    if node is None:
        raise TypegenError("node not found: the type generator (postgres-meta) runs on Node.js 20 or later")
    script = generator_script(project_dir)
    # Only our settings reach the generator: a stray PG_META_* in the caller's environment would change the output.
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG_META_")}
    env |= {
        "PG_META_GENERATE_TYPES": "typescript",
        "PG_META_DB_URL": db_url,
        "PG_META_GENERATE_TYPES_INCLUDED_SCHEMAS": SCHEMAS,
    }
    log.info("generating TypeScript types with %s", script)
    try:
        result = subprocess.run(
            [node, str(script)], env=env, cwd=project_dir, capture_output=True, text=True,
            timeout=TIMEOUT_SECONDS, check=False,
        )
    except subprocess.TimeoutExpired:
        raise TypegenError(f"the type generator did not finish within {TIMEOUT_SECONDS} s") from None
    if result.returncode != 0 or not result.stdout.strip():
        tail = " ".join(result.stderr.strip().splitlines()[-5:])
        raise TypegenError(f"the type generator failed (exit {result.returncode}): {tail}")
    return result.stdout


@contextmanager
def fresh_database(settings: Settings) -> Iterator[str]:
    """A throw-away database on the embedded server, migrated from supabase/migrations. A server this
    started (it was not running) is stopped again afterwards."""
    server = LocalServer(settings.server_dir, embedded_bindir(), "embedded pg18")
    was_running = server.port() is not None
    server_url = server.start()
    try:
        url = dbmod.create_database(server_url, f"mini_mentorship_types_{uuid.uuid4().hex[:12]}")
        try:
            dbmod.migrate_database(url, settings)
            yield url
        finally:
            dbmod.drop_database(server_url, dbmod.dbname_of(url))
    finally:
        if not was_running:
            server.stop()


def stale_diff(committed: Path, generated: str) -> str:
    """A unified diff from the committed file to the fresh generation; empty when they are equal."""
    current = committed.read_text(encoding="utf-8") if committed.is_file() else ""
    return "".join(
        difflib.unified_diff(
            current.splitlines(keepends=True), generated.splitlines(keepends=True),
            fromfile=f"{committed} (committed)", tofile=f"{committed} (generated)",
        )
    )
