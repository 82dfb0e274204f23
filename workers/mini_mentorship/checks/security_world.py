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
    spare_user       (no actor) a user with no mentorship profile, for the service role's profile insert
    spare_auth       (no actor) an auth user with no public.users row, for the service role's users insert

Availability: W_claim belongs to claiming_mentor, W_other to other_mentor.

The world is built by the connecting role (the migrations' owner, `postgres`) through the same triggers the
app goes through, on ONE connection and inside the transaction the caller has opened: `build_world` never
commits, so the caller rolls the whole world back at the end. Every actor's request then runs on that same
connection in a savepoint that is rolled back (what PostgREST's `Prefer: tx=rollback` does), so all cells see
the same world and nothing of it outlives the run.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from mini_mentorship.testing.api import Api
from mini_mentorship.testing.database import Database, create_user, user_claims

from .security_matrix import AUTHENTICATED_ACTORS

ACTORS = ["anon", *AUTHENTICATED_ACTORS, "service_role"]

# A request as the superuser inserts it (the insert trigger sets status, expiry and the rest).
_INSERT_REQUEST = """
insert into public.mini_mentorship_requests
    (student_id, title, description, session_type, preferred_duration_minutes, urgency, timezone, tags,
     preferred_time_slots, resume_url, portfolio_url)
values (%(student)s, 'Interview prep for a backend role',
        'I have a system design interview next week and want to practise one problem.',
        'interview_prep', 45, 'high', 'Europe/Paris', array['system-design', 'interviews'],
        %(slots)s::jsonb, 'https://example.test/resume.pdf', 'https://example.test/portfolio')
returning id
"""
_CLAIM = (
    "update public.mini_mentorship_requests set status = 'claimed', claimed_by_mentor_id = %s where id = %s"
)
# Session X: tomorrow at this hour, inside W_claim, for one hour.
_SCHEDULE = """
insert into public.mini_mentorship_sessions
    (request_id, student_id, mentor_id, scheduled_at, duration_minutes, timezone)
select r.id, r.student_id, r.claimed_by_mentor_id, date_trunc('hour', now()) + interval '1 day', 60, 'UTC'
from public.mini_mentorship_requests as r where r.id = %s
returning id
"""
_SCHEDULED = "update public.mini_mentorship_requests set status = 'scheduled' where id = %s"
_WINDOW = """
insert into public.mini_mentorship_availability (mentor_id, available_from, available_until, timezone)
values (%s, now() + interval '1 day', now() + interval '1 day 4 hours', 'UTC')
returning id
"""
_WEEKDAY_MORNINGS = '[{"start": "09:00", "end": "12:00", "days": ["mon", "wed"]}]'


@dataclass
class World:
    db: Database
    users: dict[str, uuid.UUID] = field(default_factory=dict)
    rows: dict[str, uuid.UUID] = field(default_factory=dict)  # label -> row id
    _apis: dict[str, Api] = field(default_factory=dict)

    def api(self, actor: str) -> Api:
        """The actor as a PostgREST caller on the world's connection, every request rolled back."""
        if actor not in self._apis:
            if actor in ("anon", "service_role"):
                role, claims, uid = actor, {"role": actor}, None
            else:
                uid = self.users[actor]
                role, claims = "authenticated", user_claims(self.db, uid)
            # The world's own connection: each request is a savepoint inside the world's transaction.
            self._apis[actor] = Api(self.db.url, role, claims, uid=uid, tx_rollback=True, _conn=self.db.conn)
        return self._apis[actor]

    def label_of(self, row_id: uuid.UUID) -> str:
        """The world's label of a row, or its id for a row the world did not make (the database's own data)."""
        return next((label for label, rid in self.rows.items() if rid == row_id), str(row_id))


def _email() -> str:
    """An address no real account holds, so a host's own users never collide with the world's."""
    return f"mm-check-{uuid.uuid4().hex[:12]}@example.invalid"


def _request(db: Database, student: uuid.UUID, *, slots: str = "[]") -> uuid.UUID:
    rid: uuid.UUID = db.scalar(_INSERT_REQUEST, {"student": student, "slots": slots})
    return rid


def build_world(db: Database) -> World:
    """Create the actors and rows on `db`'s connection, inside the transaction the caller holds open."""
    if not db.conn.info.transaction_status:  # IDLE: not in a transaction, so each insert would commit
        raise RuntimeError("build_world must run inside a transaction that the caller rolls back")
    world = World(db)
    users = world.users
    for name, kind, in_pool, admin in (
        ("owner", "student", True, False),
        ("other_student", "student", True, False),
        ("pool_mentor", "mentor", True, False),
        ("non_pool_mentor", "mentor", False, False),
        ("claiming_mentor", "mentor", True, False),
        ("other_mentor", "mentor", True, False),
        ("admin", "admin", True, True),
        ("spare_user", "admin", True, False),  # no mentorship profile
    ):
        users[name] = create_user(db, kind, in_pool=in_pool, admin=admin, email=_email())
    spare_auth = uuid.uuid4()
    db.query("insert into auth.users (id, email) values (%s, %s)", (spare_auth, _email()))
    db.query("delete from public.users where id = %s", (spare_auth,))  # made by the sign-up trigger, if any
    users["spare_auth"] = spare_auth

    rows = world.rows
    rows["R_open"] = _request(db, users["owner"], slots=_WEEKDAY_MORNINGS)
    # Any time of day suits these two, so the claiming mentor can (re)schedule them inside W_claim.
    for label in ("R_claimed", "R_sched"):
        rows[label] = _request(db, users["owner"])
        db.query(_CLAIM, (users["claiming_mentor"], rows[label]))
    rows["X"] = db.scalar(_SCHEDULE, (rows["R_sched"],))
    db.query(_SCHEDULED, (rows["R_sched"],))
    rows["R_other"] = _request(db, users["other_student"], slots=_WEEKDAY_MORNINGS)
    db.query(_CLAIM, (users["other_mentor"], rows["R_other"]))
    for label, mentor in (("W_claim", "claiming_mentor"), ("W_other", "other_mentor")):
        rows[label] = db.scalar(_WINDOW, (users[mentor],))
    return world
