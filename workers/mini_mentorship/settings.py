"""Settings from the environment (`MM_*` variables, `DATABASE_URL`) and an optional `.env` file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def find_project_dir(start: Path | None = None) -> Path:
    """The nearest directory at or above `start` (default: cwd) holding `supabase/config.toml`."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "supabase" / "config.toml").is_file():
            return candidate
    return here


class Settings(BaseSettings):
    """Where the database is and where the project lives. Keyword arguments override the environment."""

    model_config = SettingsConfigDict(env_prefix="MM_", env_file=".env", extra="ignore")

    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("MM_DATABASE_URL", "DATABASE_URL"),
        description="PostgreSQL URL; unset means the embedded server under the project's data dir.",
    )
    project_dir: Path = Field(default_factory=find_project_dir)
    data_dir: Path | None = Field(
        default=None, description="Where `db up` keeps the embedded server (default <project>/.mini-mentorship)."
    )

    @property
    def migrations_dir(self) -> Path:
        return self.project_dir / "supabase" / "migrations"

    @property
    def seed_file(self) -> Path:
        return self.project_dir / "supabase" / "seed.sql"

    @property
    def server_dir(self) -> Path:
        return (self.data_dir or self.project_dir / ".mini-mentorship") / "pg"


PoolMode = Literal["auto", "direct", "session", "transaction"]


class WorkerSettings(BaseSettings):
    """How `mini-mentorship worker run` drains the outbox (`MM_WORKER_*`). Keyword arguments (the CLI's
    options) override the environment; bad values fail at start with the setting's name."""

    model_config = SettingsConfigDict(env_prefix="MM_WORKER_", env_file=".env", extra="ignore")

    concurrency: int = Field(default=4, ge=1, le=256, description="Jobs run at the same time (threads).")
    batch_size: int = Field(default=10, ge=1, le=1000, description="Most jobs claimed by one query.")
    poll_interval: float = Field(
        default=5.0, gt=0, le=3600, description="Seconds between polls when nothing wakes the worker."
    )
    lease_seconds: int = Field(
        default=60, ge=2, le=86400,
        description="Lease of a claimed job; renewed every third of it while the job runs.",
    )
    job_timeout: float = Field(default=30.0, gt=0, le=86400, description="Seconds a handler may take.")
    shutdown_grace: float = Field(
        default=10.0, ge=0, le=3600,
        description="On SIGTERM/SIGINT: seconds running jobs may finish before they are released.",
    )
    pool_mode: PoolMode = Field(
        default="auto",
        description="direct/session: LISTEN + polling; transaction (Supavisor 6543, PgBouncer "
        "pool_mode=transaction): polling only, no prepared statements; auto: transaction on port 6543.",
    )
    listen: bool | None = Field(
        default=None, description="Force LISTEN on (fail if it cannot work) or off; unset: whenever possible."
    )
    registry: str = Field(
        default="mini_mentorship.outbox.handlers:default_registry",
        description="module:function returning the handler Registry (given these settings).",
    )
