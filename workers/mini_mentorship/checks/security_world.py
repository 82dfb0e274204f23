"""The scenario every security-matrix cell runs against: one of each actor and the rows they may touch.

    owner            student owning R_open, R_claimed (claimed by claiming_mentor) and R_sched (session X)
    other_student    student owning R_other (claimed by other_mentor)
    pool_mentor      mentor in the matching pool, holding no claim
    non_pool_mentor  mentor outside the pool
    claiming_mentor  pool mentor holding the claims on R_claimed and R_sched, mentor of session X
    other_mentor     pool mentor holding the claim on R_other
    admin            JWT app_metadata.role = admin
    service_role     Supabase's service key (BYPASSRLS, no user)
    anon             not signed in

Availability: W_claim belongs to claiming_mentor, W_other to other_mentor. Rows are built as superuser
through the same triggers the app goes through.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from mini_mentorship.testing.api import Api
from mini_mentorship.testing.database import Database, user_claims
from tests.sql.requests_support import Lifecycle

ACTORS = [
    "anon",
    "owner",
    "other_student",
    "pool_mentor",
    "non_pool_mentor",
    "claiming_mentor",
    "other_mentor",
    "admin",
    "service_role",
]


@dataclass
class World:
    db: Database
    users: dict[str, uuid.UUID] = field(default_factory=dict)
    rows: dict[str, uuid.UUID] = field(default_factory=dict)  # label -> row id
    _apis: dict[str, Api] = field(default_factory=dict)

    def api(self, actor: str) -> Api:
        if actor not in self._apis:
            url = self.db.authenticator_url
            if actor == "anon":
                self._apis[actor] = Api(url, "anon", {"role": "anon"})
            elif actor == "service_role":
                self._apis[actor] = Api(url, "service_role", {"role": "service_role"})
            else:
                uid = self.users[actor]
                self._apis[actor] = Api(url, "authenticated", user_claims(self.db, uid), uid=uid)
        return self._apis[actor]

    def close(self) -> None:
        for api in self._apis.values():
            api.close()

    def label_of(self, row_id: uuid.UUID) -> str:
        return next(label for label, rid in self.rows.items() if rid == row_id)


def build_world(db: Database, make_user: Callable[..., uuid.UUID]) -> World:
    life = Lifecycle(db, make_user)
    world = World(db)
    users = world.users
    users["owner"] = life.student()
    users["other_student"] = life.student()
    users["pool_mentor"] = life.mentor()
    users["non_pool_mentor"] = life.mentor(in_pool=False)
    users["claiming_mentor"] = life.mentor()
    users["other_mentor"] = life.mentor()
    users["admin"] = make_user("admin", admin=True)

    world.rows["R_open"] = life.request("open", student=users["owner"])["id"]
    # Any time of day suits these two, so the claiming mentor can (re)schedule them inside W_claim.
    world.rows["R_claimed"] = life.request(
        "claimed", student=users["owner"], mentor=users["claiming_mentor"], preferred_time_slots=[]
    )["id"]
    sched = life.request(
        "scheduled", student=users["owner"], mentor=users["claiming_mentor"], preferred_time_slots=[]
    )
    world.rows["R_sched"] = sched["id"]
    world.rows["X"] = db.scalar("select id from public.mini_mentorship_sessions where request_id = %s", (sched["id"],))
    world.rows["R_other"] = life.request("claimed", student=users["other_student"], mentor=users["other_mentor"])["id"]
    for label, mentor in (("W_claim", "claiming_mentor"), ("W_other", "other_mentor")):
        world.rows[label] = db.scalar(
            "insert into public.mini_mentorship_availability (mentor_id, available_from, available_until, timezone) "
            "values (%s, now() + interval '1 day', now() + interval '1 day 4 hours', 'UTC') returning id",
            (users[mentor],),
        )
    return world
