"""claim_mini_request under contention: of many mentors claiming one request at once, exactly one wins."""

from __future__ import annotations

import functools
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from mini_mentorship.testing.api import Api, ApiError
from mini_mentorship.testing.database import Database
from tests.sql.requests_support import db_create_request, events, request_row

MakeUser = Callable[..., uuid.UUID]
AsUser = Callable[[uuid.UUID], Api]

MENTORS = 20
ROUNDS = 50


def test_twenty_mentors_claiming_one_request_at_once_yield_exactly_one_winner(
    db: Database, make_user: MakeUser, as_user: AsUser
) -> None:
    student = make_user("student")
    mentors = [make_user("mentor") for _ in range(MENTORS)]
    # This test is about one request's race: let every mentor keep all the claims they win (the per-mentor
    # capacity, private.settings().max_claims_per_mentor, is tested in test_follow_ups_and_capacity.py).
    db.query("update private.settings set max_claims_per_mentor = 100")
    apis = [as_user(m) for m in mentors]  # one connection per mentor, i.e. per thread
    for api in apis:
        api.query("select 1")  # connect before the race so it is decided by the database, not by connecting

    def claim(api: Api, request_id: uuid.UUID, barrier: threading.Barrier) -> tuple[str, object]:
        barrier.wait(timeout=30)
        try:
            row = api.rpc("claim_mini_request", request_id=request_id)
        except ApiError as err:
            return "refused", (err.code, err.hint)
        return "won", row["claimed_by_mentor_id"]

    with ThreadPoolExecutor(max_workers=MENTORS) as pool:
        for round_no in range(ROUNDS):
            request_id = db_create_request(db, student, title=f"Contended request {round_no}")["id"]
            barrier = threading.Barrier(MENTORS)
            outcomes = list(pool.map(functools.partial(claim, request_id=request_id, barrier=barrier), apis))

            winners = [who for kind, who in outcomes if kind == "won"]
            refusals = [why for kind, why in outcomes if kind == "refused"]
            assert len(winners) == 1, (
                f"round {round_no}: {MENTORS} pool mentors claimed one request at once; exactly one must win, "
                f"but {len(winners)} did"
            )
            assert refusals == [("PT409", "request_not_open")] * (MENTORS - 1), (
                f"round {round_no}: every losing mentor must get PT409 request_not_open, got {set(refusals)}"
            )
            row = request_row(db, request_id)
            assert (row["status"], row["claimed_by_mentor_id"]) == ("claimed", winners[0]), (
                f"round {round_no}: the stored claim must belong to the one winner"
            )
            claims = [e for e in events(db, request_id) if e["event"] == "request.claimed"]
            assert [e["actor_id"] for e in claims] == [winners[0]], (
                f"round {round_no}: exactly one request.claimed event, by the winner"
            )
