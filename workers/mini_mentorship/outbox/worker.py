"""The worker loop: claim due outbox jobs with a lease, run their handlers, record the outcome.

* Concurrency: each claimed job runs in its own thread; the loop claims only as many jobs as it has free
  slots (at most `batch_size` per query), so a claimed job never waits behind others with its lease ticking.
  While there is a backlog (the last claim came back full) it claims again only once half the slots (or a
  whole batch) are free, so a busy worker claims in batches instead of one job per finished job.
* Recording: a delivered job is handed to a recorder thread, which completes whatever has gathered in one
  call (private.complete_jobs, each job with its provider id) on a connection of its own, so claims never
  wait for it: round trips per job decide the throughput (benchmarks/, issue 15). Failures, skips and
  releases are recorded one by one on the control connection, as they are rare.
* Waking: every `poll_interval` seconds, at once when a job finishes, and, where the connection allows it, at
  once on `NOTIFY mini_mentorship_outbox` (sent by a trigger when a job becomes due). LISTEN is checked at
  start with a probe notification: through a transaction pooler it silently never delivers, so a worker told
  to LISTEN there stops with a clear message instead of waiting for wake-ups that never come.
* Transaction-pooler mode (Supavisor port 6543, PgBouncer `pool_mode = transaction`): no LISTEN, no prepared
  statements (psycopg `prepare_threshold=None`), polling alone. `pool_mode = auto` picks it on port 6543.
* Leases: a heartbeat thread extends the leases of running jobs every third of `lease_seconds`. A job whose
  lease was taken over (the worker stalled) is reported as `lease_lost`; the queue refuses its result.
* Timeouts: the job's thread runs its handler; a watchdog thread records a handler still running after
  `job_timeout` seconds as a failed attempt ("timed out") and frees its slot; the thread is abandoned (Python
  cannot kill a thread) and whatever it returns later is ignored. (A second thread per job, to wait on the
  handler, halved the throughput: benchmarks/, issue 15.)
* Shutdown (SIGTERM/SIGINT, or `stop()`): no more claims; running jobs get `shutdown_grace` seconds to
  finish, the rest are released back to pending without counting the attempt; a second signal releases at
  once. `run()` then returns 0.
* `once=True`: claim until nothing is due and nothing runs, then return (cron, CI).
"""

from __future__ import annotations

import _thread
import importlib
import logging
import os
import queue as stdqueue
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, Literal

import psycopg
from psycopg.conninfo import conninfo_to_dict

from ..settings import WorkerSettings
from . import queue
from .logs import LOGGER_NAME
from .queue import Job
from .registry import Delivered, PermanentError, Registry, Skip

Mode = Literal["direct", "session", "transaction"]
TRANSACTION_POOLER_PORT = "6543"  # Supavisor's transaction mode on Supabase
PROBE_TIMEOUT = 2.0  # seconds a LISTEN probe may take before LISTEN is declared not working


class WorkerError(RuntimeError):
    """The worker cannot start as configured (message says why and what to do)."""


def resolve_mode(url: str, pool_mode: str) -> Mode:
    """The connection mode: as configured, or for `auto` transaction on port 6543 and direct otherwise."""
    if pool_mode in ("direct", "session", "transaction"):
        return pool_mode  # type: ignore[return-value]
    port = str(conninfo_to_dict(url).get("port") or "5432")
    return "transaction" if port == TRANSACTION_POOLER_PORT else "direct"


def load_registry(spec: str, settings: WorkerSettings) -> Registry:
    """Import `module:function` and call it with the settings; it must return a Registry."""
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise WorkerError(f"registry {spec!r} must be written module:function")
    try:
        factory = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise WorkerError(f"cannot load the handler registry {spec!r}: {exc}") from None
    registry = factory(settings)
    if not isinstance(registry, Registry):
        raise WorkerError(f"{spec} returned {type(registry).__name__}, not a Registry")
    return registry


def spawn(target: Callable[..., None], *args: Any) -> None:
    """Run `target(*args)` in a new daemon thread without waiting for it to start.

    threading.Thread.start() blocks until the new thread runs; with a job (and a handler) per thread, the loop
    spent most of its time there once the database round trips were batched (benchmarks/, issue 15).
    """
    _thread.start_new_thread(target, args)


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class Running:
    job: Job
    started: float
    settled: bool = False  # its outcome is decided (by the handler's return or the timeout), under Worker._lock


@dataclass(frozen=True)
class Delivery:
    """A delivered job waiting for the recorder to complete it."""

    job: Job
    provider_message_id: str
    started: float


@dataclass
class Tally:
    succeeded: int = 0
    cancelled: int = 0
    retried: int = 0
    failed: int = 0
    lease_lost: int = 0
    released: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    def add(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1
        if hasattr(self, outcome):
            setattr(self, outcome, getattr(self, outcome) + 1)


class Worker:
    """Drains the outbox of the database at `url` with the handlers of `registry`."""

    def __init__(
        self,
        url: str,
        registry: Registry,
        settings: WorkerSettings,
        *,
        once: bool = False,
        worker_id: str | None = None,
        logger: logging.Logger | None = None,
    ) -> None:
        self.url = url
        self.registry = registry
        self.settings = settings
        self.once = once
        self.worker_id = worker_id or new_worker_id()
        self.mode: Mode = resolve_mode(url, settings.pool_mode)
        self.listening = False
        self.tally = Tally()
        self._log = logger or logging.getLogger(LOGGER_NAME)
        self._lock = threading.Lock()  # guards _running
        self._db_lock = threading.Lock()  # one statement (or transaction) at a time on the control connection
        self._running: dict[uuid.UUID, Running] = {}
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._hurry = threading.Event()
        self._done = threading.Event()
        self._control: psycopg.Connection[Any] | None = None
        self._deliveries: stdqueue.SimpleQueue[Delivery] = stdqueue.SimpleQueue()
        self._flush_lock = threading.Lock()  # one batch of completions at a time, on the recorder's connection
        self._recorder: psycopg.Connection[Any] | None = None

    # --- connections ---------------------------------------------------------------------------------------

    def connect(self) -> psycopg.Connection[Any]:
        """A new autocommit connection suited to the mode (handlers get this as their factory)."""
        options: dict[str, Any] = {"autocommit": True, "application_name": "mini-mentorship worker"}
        if self.mode == "transaction":
            options["prepare_threshold"] = None  # a transaction pooler cannot keep server-side statements
        return psycopg.connect(self.url, **options)

    def _db(self, action: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """`action(conn, *args, **kwargs)` on the shared control connection (reconnected when lost)."""
        with self._db_lock:
            if self._control is None or self._control.closed:
                self._control = self.connect()
            try:
                return action(self._control, *args, **kwargs)
            except psycopg.OperationalError:
                self._control.close()
                raise

    # --- control -------------------------------------------------------------------------------------------

    def stop(self, reason: str = "stop requested") -> None:
        """Stop claiming and shut down gracefully; a second call releases running jobs at once."""
        if self._stopping.is_set():
            self._hurry.set()
            self._log.info("second stop (%s): releasing running jobs now", reason)
        else:
            self._stopping.set()
            self._log.info(
                "stopping (%s): no more claims; %d running job(s) get %.0f s to finish, then are released",
                reason, len(self._running), self.settings.shutdown_grace,
                extra={"fields": {"event": "stopping", "worker": self.worker_id, "reason": reason}},
            )
        self._wake.set()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.stop(signal.Signals(signum).name)

    def run(self) -> int:
        """Run until stopped (or, with once, until nothing is due). Returns the exit status (0)."""
        previous: dict[signal.Signals, Any] = {}
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                previous[sig] = signal.signal(sig, self._on_signal)
        try:
            self._db(psycopg.Connection.execute, "select 1")
            listener = self._start_listening()
            self._announce()
            heartbeat = threading.Thread(target=self._heartbeat, name="heartbeat", daemon=True)
            heartbeat.start()
            recorder = threading.Thread(target=self._record_deliveries, name="recorder", daemon=True)
            recorder.start()
            watchdog = threading.Thread(target=self._watch_timeouts, name="watchdog", daemon=True)
            watchdog.start()
            try:
                self._loop()
            finally:
                self._shutdown()
                heartbeat.join(timeout=5)
                recorder.join(timeout=5)
                watchdog.join(timeout=5)
                if listener is not None:
                    listener.join(timeout=5)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            for conn in (self._control, self._recorder):
                if conn is not None:
                    conn.close()
        return 0

    def _announce(self) -> None:
        if self.mode == "transaction":
            how = (f"transaction pooler mode: polling every {self.settings.poll_interval:g} s, "
                   "no LISTEN, no prepared statements")
        elif self.listening:
            how = (f"{self.mode} connection: LISTEN {queue.NOTIFY_CHANNEL} + polling every "
                   f"{self.settings.poll_interval:g} s")
        else:
            how = f"{self.mode} connection: polling every {self.settings.poll_interval:g} s (LISTEN off)"
        handlers = ", ".join(sorted(self.registry)) or "none"
        self._log.info(
            "worker %s started (%s); concurrency %d, batch %d, lease %d s, job timeout %g s%s; handlers: %s",
            self.worker_id, how, self.settings.concurrency, self.settings.batch_size,
            self.settings.lease_seconds, self.settings.job_timeout, ", once" if self.once else "", handlers,
            extra={"fields": {
                "event": "started", "worker": self.worker_id, "mode": self.mode, "listen": self.listening,
                "concurrency": self.settings.concurrency, "batch_size": self.settings.batch_size,
                "poll_interval": self.settings.poll_interval, "lease_seconds": self.settings.lease_seconds,
                "job_timeout": self.settings.job_timeout, "once": self.once, "handlers": sorted(self.registry),
            }},
        )

    # --- LISTEN --------------------------------------------------------------------------------------------

    def _start_listening(self) -> threading.Thread | None:
        wanted = self.settings.listen
        if self.mode == "transaction":
            if wanted:
                raise WorkerError(
                    "LISTEN cannot work through a transaction pooler (Supavisor port 6543, PgBouncer "
                    "pool_mode=transaction): notifications reach whichever server connection ran LISTEN, not "
                    "this worker. Drop --listen to poll, or give a direct or session-mode URL (port 5432)."
                )
            return None
        if wanted is False:
            return None
        conn = self.connect()
        try:
            conn.execute(queue.LISTEN_SQL)
            probe = f"probe:{self.worker_id}"
            self._db(psycopg.Connection.execute, queue.PROBE_SQL, {"channel": queue.NOTIFY_CHANNEL, "payload": probe})
            arrived = any(n.payload == probe for n in conn.notifies(timeout=PROBE_TIMEOUT))
        except psycopg.Error:
            conn.close()
            raise
        if not arrived:
            conn.close()
            message = (
                "LISTEN does not work on this connection: a probe NOTIFY did not come back within "
                f"{PROBE_TIMEOUT:g} s. The URL probably goes through a transaction pooler (Supavisor port "
                "6543, PgBouncer pool_mode=transaction)."
            )
            if wanted:
                raise WorkerError(message + " Use --pool-mode transaction (polling only) or a direct or "
                                            "session-mode URL.")
            self._log.warning("%s Treating it as one: polling only, no prepared statements (set --pool-mode "
                              "transaction to say so, or give a direct URL to get LISTEN).", message)
            self.mode = "transaction"
            with self._db_lock:  # reconnect with the pooler-safe options
                if self._control is not None:
                    self._control.close()
            return None
        self.listening = True
        thread = threading.Thread(target=self._listen, args=(conn,), name="listen", daemon=True)
        thread.start()
        return thread

    def _listen(self, conn: psycopg.Connection[Any]) -> None:
        try:
            while not self._done.is_set():
                for _ in conn.notifies(timeout=0.5):
                    self._wake.set()
        except psycopg.Error as exc:
            if not self._done.is_set():
                self._log.warning("LISTEN connection lost (%s); polling only from now on", exc)
        finally:
            conn.close()

    # --- the loop ------------------------------------------------------------------------------------------

    def _loop(self) -> None:
        backoff = 0.0
        refill = min(self.settings.batch_size, max(1, self.settings.concurrency // 2))
        backlog = False
        while not self._stopping.is_set():
            with self._lock:
                free = self.settings.concurrency - len(self._running)
                busy = bool(self._running)
            wanted = min(self.settings.batch_size, free)
            if backlog and busy and wanted < refill:
                wanted = 0  # more is due: wait until a batch worth of slots is free
            claimed: list[Job] = []
            if wanted > 0:
                try:
                    claimed = self._db(queue.claim, self.worker_id, wanted, self.settings.lease_seconds)
                    backoff = 0.0
                except psycopg.OperationalError as exc:
                    if self.once:
                        raise
                    backoff = min(max(backoff * 2, 1.0), 60.0)
                    self._log.error("database unreachable (%s); trying again in %.0f s", str(exc).strip(), backoff)
                    self._stopping.wait(backoff)
                    continue
                backlog = len(claimed) == wanted
                for job in claimed:
                    self._start(job)
            # Done (once) only when nothing ran while we claimed: a job that finished after the claim's snapshot
            # may have queued more (a meeting link queues its session_scheduled emails), so look again.
            if self.once and not claimed and not busy:
                return
            if wanted > 0 and len(claimed) == wanted and free > wanted:
                continue  # a full batch and free slots: more may be due
            self._wake.wait(self.settings.poll_interval)
            self._wake.clear()

    def _start(self, job: Job) -> None:
        running = Running(job, time.monotonic())
        with self._lock:
            self._running[job.id] = running
        spawn(self._run_job, running)

    def _settle(self, running: Running) -> bool:
        """Decide the job's outcome once: False when the timeout (or shutdown) already did."""
        with self._lock:
            if running.settled:
                return False
            running.settled = True
            return True

    def _run_job(self, running: Running) -> None:
        job, started = running.job, running.started
        try:
            outcome, detail = self._execute(job)
            if not self._settle(running):
                return  # timed out meanwhile: the watchdog recorded the attempt; this late result is ignored
            if outcome == "delivered":
                self._deliveries.put(Delivery(job, str(detail), started))  # the recorder completes it
                return
            outcome, detail = self._record(job, outcome, detail)
        except Exception as exc:  # recording failed (database gone): the lease will expire and be rescued
            outcome, detail = "unrecorded", f"could not record the outcome: {exc}"
        self._finish(job, outcome, detail, started)

    def _finish(self, job: Job, outcome: str, detail: str, started: float) -> None:
        """The job's slot is free: log its outcome and wake the loop."""
        with self._lock:
            self._running.pop(job.id, None)
        self._wake.set()
        self._log_job(job, outcome, detail, time.monotonic() - started)

    def _record_deliveries(self) -> None:
        """Recorder thread: complete delivered jobs in batches of whatever gathered meanwhile."""
        while not self._done.is_set():
            try:
                first = self._deliveries.get(timeout=0.2)
            except stdqueue.Empty:
                continue
            self._flush([first])

    def _flush(self, batch: list[Delivery]) -> None:
        """Complete `batch` plus every delivery waiting (up to queue.MAX_COMPLETE_BATCH) in one call."""
        with self._flush_lock:
            while len(batch) < queue.MAX_COMPLETE_BATCH:
                try:
                    batch.append(self._deliveries.get_nowait())
                except stdqueue.Empty:
                    break
            if not batch:
                return
            try:
                if self._recorder is None or self._recorder.closed:  # its own: claims need not wait for it
                    self._recorder = self.connect()
                held: set[uuid.UUID] | None = queue.complete_many(
                    self._recorder, self.worker_id, [(d.job.id, d.provider_message_id) for d in batch]
                )
                problem = ""
            except Exception as exc:  # database gone: the leases will expire and the jobs be rescued
                held, problem = None, f"delivered; could not record the outcome: {exc}"
                if self._recorder is not None:
                    self._recorder.close()
        for d in batch:
            if held is None:
                self._finish(d.job, "unrecorded", problem, d.started)
            elif d.job.id in held:
                self._finish(d.job, "succeeded", f"message {d.provider_message_id}", d.started)
            else:
                self._finish(d.job, "lease_lost", "delivered; result not recorded", d.started)

    def _watch_timeouts(self) -> None:
        """Watchdog thread: a handler still running after job_timeout is a failed attempt ("timed out"); its
        thread is abandoned (Python cannot kill a thread) and whatever it returns later is ignored."""
        timeout = self.settings.job_timeout
        while not self._done.is_set():
            now = time.monotonic()
            with self._lock:
                late = [r for r in self._running.values() if not r.settled and r.started + timeout <= now]
                for r in late:
                    r.settled = True
                pending = [r.started + timeout for r in self._running.values() if not r.settled]
            for r in late:
                try:
                    error = TimeoutError(f"handler timed out after {timeout:g} s")
                    outcome, detail = self._record(r.job, "error", error)
                except Exception as exc:  # database gone: the lease will expire and be rescued
                    outcome, detail = "unrecorded", f"could not record the outcome: {exc}"
                self._finish(r.job, outcome, detail, r.started)
            self._done.wait(min([0.25, *(deadline - now for deadline in pending)]) if pending else 0.25)

    def _execute(self, job: Job) -> tuple[str, Any]:
        """Run the handler in this thread: ('delivered', msgid), ('skip', reason) or ('error', exc)."""
        handler = self.registry.get(job.kind)
        if handler is None:
            return "error", RuntimeError(
                f"no handler registered for job kind {job.kind!r} "
                f"(registered: {', '.join(sorted(self.registry)) or 'none'})"
            )
        try:
            result = handler(job, self.connect)
        except BaseException as exc:
            return "error", exc
        if isinstance(result, Delivered):
            return "delivered", result.provider_message_id
        if isinstance(result, Skip):
            return "skip", result.reason
        return "error", TypeError(f"handler returned {result!r}, not Delivered or Skip")

    def _record(self, job: Job, outcome: str, detail: Any) -> tuple[str, str]:
        """Write a skip or an error to the queue (only while holding the lease); the outcome name and detail to
        log. Deliveries go to the recorder (_flush)."""
        wid = self.worker_id
        if outcome == "skip":
            held = self._db(queue.cancel, job.id, wid, str(detail))
            return ("cancelled", str(detail)) if held else ("lease_lost", f"skip ({detail}) not recorded")
        exc: BaseException = detail
        error = f"{type(exc).__name__}: {exc}"
        permanent = isinstance(exc, PermanentError)
        after = self._db(queue.fail, job.id, wid, error, permanent=permanent)
        if after is None:
            return "lease_lost", f"{error} (not recorded)"
        if after.status == "failed":
            return "failed", error
        delay = max(0.0, after.run_at.timestamp() - time.time())
        return "retried", f"{error}; next attempt in {delay:.0f} s"

    def _log_job(self, job: Job, outcome: str, detail: str, seconds: float) -> None:
        self.tally.add(outcome)
        level = logging.INFO if outcome in ("succeeded", "cancelled", "released") else logging.WARNING
        self._log.log(
            level,
            "%s %s job=%s attempt=%d/%d %s in %d ms%s",
            job.kind, job.subject, job.id, job.attempts, job.max_attempts, outcome, round(seconds * 1000),
            f": {detail}" if detail else "",
            extra={"fields": {
                "event": "job", "worker": self.worker_id, "job_id": str(job.id), "kind": job.kind,
                "template": job.template, "subject": job.subject, "attempt": job.attempts,
                "max_attempts": job.max_attempts, "outcome": outcome, "duration_ms": round(seconds * 1000),
                "detail": detail,
            }},
        )

    # --- leases --------------------------------------------------------------------------------------------

    def _heartbeat(self) -> None:
        every = self.settings.lease_seconds / 3
        lost: set[uuid.UUID] = set()
        while not self._done.wait(every):
            with self._lock:
                held = [job_id for job_id in self._running if job_id not in lost]
            if not held:
                continue
            try:
                kept = self._db(queue.extend, held, self.worker_id, self.settings.lease_seconds)
            except psycopg.Error as exc:
                self._log.error("could not extend leases (%s)", str(exc).strip())
                continue
            with self._lock:  # a job that finished meanwhile is not lost, just done
                missing = (set(held) - kept) & self._running.keys()
            for job_id in missing:
                lost.add(job_id)
                self._log.warning("job=%s lease lost: another worker may run it; its result will be refused",
                                  job_id, extra={"fields": {"event": "lease_lost", "job_id": str(job_id)}})

    def _shutdown(self) -> None:
        deadline = time.monotonic() + self.settings.shutdown_grace
        while not self._hurry.is_set() and time.monotonic() < deadline:
            with self._lock:
                if not self._running:
                    break
            self._wake.wait(0.05)
            self._wake.clear()
        self._flush([])  # delivered jobs are recorded, never released
        with self._lock:
            left = [r for r in self._running.values() if not r.settled]
            for r in left:
                r.settled = True  # a handler that returns after this changes nothing
        if left:
            try:
                released = self._db(queue.release, [r.job.id for r in left], self.worker_id)
            except psycopg.Error as exc:
                released = set()
                self._log.error("could not release %d job(s) (%s): their leases will expire", len(left), exc)
            now = time.monotonic()
            for r in left:
                if r.job.id in released:
                    self._log_job(r.job, "released", "shutdown: back to pending, attempt not counted",
                                  now - r.started)
        self._done.set()
        t = self.tally
        self._log.info(
            "worker %s stopped: %d succeeded, %d cancelled, %d retried, %d failed, %d released, %d lease lost",
            self.worker_id, t.succeeded, t.cancelled, t.retried, t.failed, t.released, t.lease_lost,
            extra={"fields": {"event": "stopped", "worker": self.worker_id, **t.outcomes}},
        )
