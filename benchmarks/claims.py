"""Item 2: claim_mini_request against a bare conditional UPDATE, and 50 mentors racing for one request.

Side by side: each call claims another open request and is rolled back (PostgREST's `Prefer: tx=rollback`),
so the data stays as generated and no mentor reaches the claim limit. The bare side is the UPDATE an app
without the RPC would send (`... where id = $1 and status = 'open'`) on the same table, as the superuser
with the mentor's claims (its triggers run, as they do for the RPC's own UPDATE).

Contention: `racers` fresh pool mentors, each on its own connection, wait on a barrier and call
claim_mini_request for the same open request; exactly one must win every round. The winner's claim is then
undone (the request cancelled, triggers off) so the next round starts from the same state.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg

from mini_mentorship.caller import claims_for
from mini_mentorship.testing.api import Api, ApiError

from .datagen import uid
from .harness import Measure, Stats, authenticator_url, ratio_measure, side_by_side

CLAIM_SQL = "select public.claim_mini_request(request_id => %(id)s)"
BARE_SQL = (
    "update public.mini_mentorship_requests set status = 'claimed', claimed_by_mentor_id = %(mentor)s, "
    "claimed_at = now() where id = %(id)s and status = 'open'"
)
OPEN_IDS_SQL = (
    "select id from public.mini_mentorship_requests where status = 'open' and expires_at > now() "
    "and reserved_for_mentor_id is null order by id limit %(n)s"
)
NEW_OPEN_SQL = """
insert into public.mini_mentorship_requests (id, student_id, title, description, session_type, timezone)
values (gen_random_uuid(), %(student)s, 'Race ' || %(round)s, 'Fifty mentors want this one.', 'other', 'UTC')
returning id
"""


def uncontended(url: str, *, n: int, warmup: int) -> Measure:
    mentor = uid("fresh", 1)
    with psycopg.connect(url, autocommit=True) as conn:
        claims = claims_for(conn, mentor)
        ids = [r[0] for r in conn.execute(OPEN_IDS_SQL, {"n": n + warmup}).fetchall()]
    user = Api(authenticator_url(url), "authenticated", claims, uid=mentor).rolled_back()
    bare = Api(url, "postgres", claims).rolled_back()
    refused: list[str] = []

    def rpc(i: int) -> None:
        try:
            user.request(lambda conn: conn.execute(CLAIM_SQL, {"id": ids[i % len(ids)]}).fetchall())
        except ApiError as exc:
            refused.append(exc.hint or exc.code)

    def update(i: int) -> None:
        count = bare.request(lambda conn: conn.execute(BARE_SQL, {"id": ids[i % len(ids)], "mentor": mentor}).rowcount)
        assert count == 1, "the bare update claimed nothing"

    try:
        ours, base = side_by_side(rpc, update, n=n, warmup=warmup)
    finally:
        user.close()
        bare.close()
    m = ratio_measure("claim", 2, "claim_mini_request vs a bare UPDATE ... where id = $1 and status = 'open'",
                      ours, base, 2.0, ours_name="claim_mini_request (mentor)", base_name="bare update")
    if refused:
        m.passed = False
        m.notes.append(f"{len(refused)} claims refused: {sorted(set(refused))}")
    return m


def contention(url: str, *, racers: int, rounds: int) -> Measure:
    mentors = [uid("fresh", i + 1) for i in range(racers)]
    student = uid("student", 3)
    with psycopg.connect(url, autocommit=True) as admin:
        claims = {m: claims_for(admin, m) for m in mentors}
        apis = [Api(authenticator_url(url), "authenticated", claims[m], uid=m) for m in mentors]
        for api in apis:
            api.request(lambda conn: conn.execute("select 1"))  # connect before the race
        winners_per_round: list[int] = []
        loser_times: list[float] = []
        winner_times: list[float] = []
        loser_codes: dict[str, int] = {}
        try:
            for rnd in range(rounds):
                with admin.transaction():
                    admin.execute("set local session_replication_role = replica")
                    row = admin.execute(NEW_OPEN_SQL, {"student": student, "round": rnd}).fetchone()
                assert row is not None
                request_id = row[0]
                barrier = threading.Barrier(racers)
                results: list[tuple[bool, float, str]] = []
                lock = threading.Lock()

                def race(api: Api, request_id: Any = request_id, barrier: threading.Barrier = barrier,
                         results: list[tuple[bool, float, str]] = results, lock: threading.Lock = lock) -> None:
                    barrier.wait()
                    start = time.perf_counter()
                    try:
                        api.request(lambda conn: conn.execute(CLAIM_SQL, {"id": request_id}).fetchall())
                        outcome = (True, time.perf_counter() - start, "won")
                    except ApiError as exc:
                        outcome = (False, time.perf_counter() - start, f"{exc.code} {exc.hint}")
                    with lock:
                        results.append(outcome)

                threads = [threading.Thread(target=race, args=(api,)) for api in apis]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                winners_per_round.append(sum(1 for won, _, _ in results if won))
                for won, seconds, code in results:
                    (winner_times if won else loser_times).append(seconds)
                    if not won:
                        loser_codes[code] = loser_codes.get(code, 0) + 1
                with admin.transaction():  # undo the claim: the winner's slot is free for the next rounds
                    admin.execute("set local session_replication_role = replica")
                    admin.execute("update public.mini_mentorship_requests set status = 'cancelled', "
                                  "claimed_by_mentor_id = null where id = %s", (request_id,))
        finally:
            for api in apis:
                api.close()
    exact = all(w == 1 for w in winners_per_round)
    losers = Stats.of(loser_times)
    winners = Stats.of(winner_times) if winner_times else losers
    return Measure(
        "claim_contention", 2, f"{racers} connections race for one request, {rounds} rounds",
        round(losers.p50 / winners.p50, 3) if winners.p50 else None, None,
        "exactly one winner every round (ratio: losers' p50 / winner's p50, reported)", exact,
        sides={"losers": losers.__dict__, "winners": winners.__dict__, "rounds": rounds,
               "rounds_with_one_winner": sum(1 for w in winners_per_round if w == 1),
               "winners_per_round_max": max(winners_per_round), "loser_answers": loser_codes},
    )
