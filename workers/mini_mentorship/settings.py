"""Settings from the environment (`MM_*` variables, `DATABASE_URL`) and an optional `.env` file."""

from __future__ import annotations

from pathlib import Path

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
