"""Hooks a host project implements in its conftest.py to adapt the plugin (see docs/testing.md)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from mini_mentorship.testing.database import Database
    from mini_mentorship.testing.servers import ServerKind

@pytest.hookspec(firstresult=True)
def pytest_mm_server_kinds(config: pytest.Config) -> list[ServerKind] | None:
    """The embedded servers every database test runs on, once each (default: `[ServerKind("pg18")]`).

    Return e.g. `[ServerKind("pg18"), ServerKind("pg15", auto_expose=True)]` to run each test on both.
    """


@pytest.hookspec
def pytest_mm_user_created(db: Database, uid: uuid.UUID, kind: str, fields: dict[str, Any]) -> None:
    """After `make_user` created the auth user and the toolkit's rows: fill the host app's own tables.

    `fields` holds the keyword arguments `make_user` did not know (e.g. `make_user("mentor", plan="pro")`).
    Runs as the database superuser, inside the test's database (or its rolled-back transaction).
    """
