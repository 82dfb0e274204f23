"""The host app's side of `make_user`: its users carry a plan (free or pro), set from `make_user(..., plan=...)`."""

from __future__ import annotations

import uuid
from typing import Any

from mini_mentorship.testing.database import Database


def pytest_mm_user_created(db: Database, uid: uuid.UUID, kind: str, fields: dict[str, Any]) -> None:
    db.query("update public.users set plan = %s where id = %s", (fields.get("plan", "free"), uid))
