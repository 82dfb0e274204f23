"""Item 5: provider pacing. The worker sends `emails` jobs through the real ResendSender (the `resend` SDK) to
the fake Resend at `rate` requests per second, which answers 429 with a retry-after now and then.

Checked from the fake's arrival log: no two calls closer than 1/rate (minus a small scheduling jitter) and
never more than `rate` calls in any one-second window; after every 429 no call arrives before its
retry-after ran out; every job succeeded and the fake delivered exactly one email per job (none lost, none
twice). Ratio: the peak observed rate over the configured rate.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

import psycopg
from tests.workers.fake_resend import FakeResend

from mini_mentorship.email.backends.resend import ResendSender
from mini_mentorship.email.message import Message
from mini_mentorship.email.pacing import Pacer
from mini_mentorship.outbox.queue import Job
from mini_mentorship.outbox.registry import ConnectionFactory, Delivered, Outcome, Registry
from mini_mentorship.outbox.worker import Worker
from mini_mentorship.settings import WorkerSettings

from .harness import Measure
from .outbox import FILL_SQL, quiet_logger

JITTER = 0.05  # seconds: an arrival may be this much early against its slot (thread and HTTP scheduling)


@dataclass
class RateLimitedResend(FakeResend):
    """The fake Resend, answering 429 with `retry_after` to every `every`-th request."""

    every: int = 25
    retry_after: float = 1.0
    refusals: list[tuple[float, float]] = field(default_factory=list)  # (answered at, retry-after)

    def handle(self, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, Any], dict[str, str]]:
        with self._lock:
            if (len(self.requests) + 1) % self.every == 0:
                self._script.append((429, self.retry_after))
        status, body, extra = super().handle(headers, raw)
        if status == 429:
            with self._lock:
                self.refusals.append((time.monotonic(), float(extra.get("retry-after", "0"))))
        return status, body, extra


def message(job: Job) -> Message:
    return Message(sender="Bench <bench@example.test>", to=f"user-{job.payload.get('n')}@example.test",
                   subject="Benchmark", text="Hello.\n", html="<p>Hello.</p>")


def measure(url: str, *, emails: int, rate: float) -> Measure:
    fake = RateLimitedResend(every=max(3, min(25, emails // 4)))
    fake.start()
    try:
        sender = ResendSender(fake.api_key, base_url=fake.url, pacer=Pacer(rate), max_retry_wait=5)

        def send(job: Job, connect: ConnectionFactory) -> Outcome:
            return Delivered(sender.send(message(job), str(job.id)))

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("truncate private.outbox")
            conn.execute(FILL_SQL, {"prefix": "pacing:", "n": emails})
        settings = WorkerSettings(concurrency=8, batch_size=10, poll_interval=0.2, job_timeout=60.0)
        started = time.monotonic()
        Worker(url, Registry({"email": send}), settings, once=True, logger=quiet_logger()).run()
        seconds = time.monotonic() - started
        with psycopg.connect(url, autocommit=True) as conn:
            rows = conn.execute("select id::text, status, provider_message_id from private.outbox").fetchall()
    finally:
        fake.stop()
    arrivals = sorted(r.at for r in fake.requests)
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    peak = max((sum(1 for t in arrivals if start <= t < start + 1 - JITTER) for start in arrivals), default=0)
    honoured = all(not any(at <= t < at + wait - JITTER for t in arrivals) for at, wait in fake.refusals)
    keys = [r.headers.get("idempotency-key") for r in fake.requests if r.body]
    lost = [job_id for job_id, status, _ in rows if status != "succeeded"]
    delivered_ids = {pid for _, _, pid in rows}
    none_lost = not lost and len(fake.sent) == emails and delivered_ids == set(fake.sent)
    min_gap = min(gaps) if gaps else 0.0
    ok = peak <= rate and min_gap >= 1 / rate - JITTER and honoured and none_lost
    return Measure(
        "pacing", 5, f"{emails} emails to a fake Resend at {rate:g} req/s with 429 + retry-after",
        round(peak / rate, 3), 1.0,
        "peak calls in any 1 s window / rate <= 1; every retry-after honoured; none lost", ok,
        sides={"emails": emails, "rate": rate, "calls": len(arrivals), "refusals_429": len(fake.refusals),
               "retry_after_s": fake.retry_after, "peak_per_1s_window": peak, "min_gap_s": round(min_gap, 4),
               "retry_after_honoured": honoured, "succeeded": len(rows) - len(lost), "lost": len(lost),
               "distinct_idempotency_keys": len(set(keys)), "seconds": round(seconds, 1)},
    )
