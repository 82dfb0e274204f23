"""Chaos: 4 worker processes drain 2,000 jobs through a recording sender while the test SIGKILLs a random worker
every few hundred milliseconds (one that got as far as claiming, at most KILLS times so the test stays bounded on
a loaded machine) and starts a new one. At the end every job succeeded, each was delivered exactly
once (the sender honours an idempotency key the way Resend does: a second request with a key it already
accepted gets the first answer and delivers nothing), and none is stuck in running.

Leases are short (2 s) so a killed worker's jobs are taken over quickly; max_attempts is 10 because a kill
counts as an attempt of every job the killed worker held. Only 127.0.0.1."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any

import pytest

from mini_mentorship.testing.database import Database
from tests.conftest import SUMMARY_LINES
from tests.workers.outbox_support import statuses, worker_command, worker_env

JOBS = 2000
WORKERS = 4
KILLS = 20
DEADLINE = 50.0  # seconds; 10 to 25 on a shared 2-core machine (each restart costs a Python start-up)


class RecordingSender(ThreadingHTTPServer):
    """A provider stand-in: POST with an Idempotency-Key; the first request with a key is delivered and answered
    with a new message id, any later one gets the same answer and is not delivered again."""

    daemon_threads = True
    request_queue_size = 256  # 32 handlers connect at once; the default backlog (5) stalls them in SYN retries

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a worker killed while waiting for its answer: expected here

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), SenderHandler)
        self.lock = threading.Lock()
        self.answers: dict[str, str] = {}  # idempotency key -> message id of the first answer
        self.delivered: list[str] = []  # keys, once per actual delivery
        self.absorbed = 0  # repeated requests answered from the key

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/emails"


class SenderHandler(BaseHTTPRequestHandler):
    server: RecordingSender

    def do_POST(self) -> None:
        key = self.headers["Idempotency-Key"]
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with self.server.lock:
            if key in self.server.answers:
                self.server.absorbed += 1
            else:
                self.server.answers[key] = f"msg-{uuid.uuid4().hex[:12]}"
                self.server.delivered.append(key)
            body = json.dumps({"id": self.server.answers[key]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def sender() -> Iterator[RecordingSender]:
    server = RecordingSender()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_killed_workers_lose_nothing_and_deliver_nothing_twice(
    db: Database, sender: RecordingSender, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    db.query(
        "select private.enqueue('email', 'request_created', jsonb_build_object('n', i), 'chaos:' || i) "
        "from generate_series(1, %s) as i", (JOBS,)
    )
    db.query("update private.outbox set max_attempts = 10")
    env = worker_env(MM_TEST_SENDER_URL=sender.url, MM_TEST_SENDER_DELAY="0.002")
    command = worker_command(
        "--db-url", db.url, "--concurrency", "8", "--batch-size", "8", "--lease-seconds", "2",
        "--poll-interval", "0.3", "--job-timeout", "5", "--shutdown-grace", "5",
        "--registry", "tests.workers.outbox_support:http_registry",
    )
    logs: list[IO[bytes]] = []

    def start() -> tuple[subprocess.Popen[bytes], Path]:
        path = tmp_path / f"worker-{len(logs)}.log"
        log = path.open("wb")
        logs.append(log)
        return subprocess.Popen(command, env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT), path

    def working(path: Path) -> bool:
        """The worker has started claiming (on a loaded machine a new process needs a moment to get there)."""
        return b" started (" in path.read_bytes()

    rng = random.Random(9)  # noqa: S311 - picks victims and pauses, not secrets
    workers = [start() for _ in range(WORKERS)]
    kills = 0
    started = time.monotonic()
    try:
        while statuses(db).get("succeeded", 0) < JOBS:
            assert time.monotonic() - started < DEADLINE, f"not drained in {DEADLINE:.0f} s: {statuses(db)}"
            time.sleep(rng.uniform(0.25, 0.5))
            if kills >= KILLS:
                continue
            candidates = [i for i, (_, path) in enumerate(workers) if working(path)]
            if not candidates:
                continue
            victim = rng.choice(candidates)
            workers[victim][0].send_signal(signal.SIGKILL)
            workers[victim][0].wait()
            kills += 1
            workers[victim] = start()
        elapsed = time.monotonic() - started
    finally:
        for proc, _ in workers:
            proc.send_signal(signal.SIGTERM)
        for proc, _ in workers:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        for log in logs:
            log.close()

    final = statuses(db)
    jobs = db.query("select id::text, provider_message_id, attempts from private.outbox")
    ids = {row["id"] for row in jobs}
    lost = len(ids - set(sender.delivered))
    doubled = len(sender.delivered) - len(set(sender.delivered))
    retried = sum(1 for row in jobs if row["attempts"] > 1)
    figures = (
        f"chaos ({db.server.kind.label}): {JOBS} jobs, {WORKERS} workers, {kills} SIGKILLs in {elapsed:.1f} s; "
        f"{len(sender.delivered)} deliveries, {sender.absorbed} redeliveries absorbed by the idempotency key, "
        f"{retried} jobs needed more than one attempt, {lost} lost, {doubled} delivered twice"
    )
    request.config.stash.setdefault(SUMMARY_LINES, []).append(figures)  # shown in the run's summary
    assert final == {"succeeded": JOBS}, f"every job succeeded, none stuck in running: {final}"
    assert lost == 0 and doubled == 0, "each job was delivered to the recipient exactly once"
    assert ids == set(sender.delivered)
    assert all(row["provider_message_id"] == sender.answers[row["id"]] for row in jobs), (
        "each job records the message id the provider gave for its key")
    assert kills >= 3, "the chaos actually killed workers while they drained"
