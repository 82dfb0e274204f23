"""Email senders (issue 10, item 1): Resend through the real SDK against a local fake API, SMTP against a real
local aiosmtpd server (STARTTLS with login, implicit TLS), the file and console senders, the shared pacing,
the settings checked at worker start, and a job retried after a crash reaching Resend once.
"""

from __future__ import annotations

import email
import email.policy
import io
import itertools
import socket
import ssl
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import resend
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from mini_mentorship.email.backends import build_sender
from mini_mentorship.email.backends.console import ConsoleSender
from mini_mentorship.email.backends.file import FileSender
from mini_mentorship.email.backends.resend import ResendRetryError, ResendSender
from mini_mentorship.email.backends.smtp import SmtpSender
from mini_mentorship.email.message import Attachment, Message
from mini_mentorship.email.pacing import Pacer
from mini_mentorship.email.settings import EmailSettings, EmailSettingsError
from mini_mentorship.outbox.handlers import default_registry
from mini_mentorship.outbox.registry import PermanentError
from mini_mentorship.outbox.worker import WorkerError
from mini_mentorship.settings import WorkerSettings
from mini_mentorship.testing.api import Api
from mini_mentorship.testing.database import Database
from tests.sql.requests_support import create_request
from tests.workers.fake_resend import FakeResend
from tests.workers.outbox_support import run_once

FAST = 1000.0  # requests per second in tests that are not about pacing


def message(to: str = "ada@example.test", subject: str = "Your Mini Mentorship Session is Scheduled") -> Message:
    return Message(
        sender="Mini Mentorship <mentorship@example.test>", to=to, subject=subject,
        text="Hi Ada,\n\nYour session is scheduled.\n", html="<p>Hi Ada,</p><p>Your session is scheduled.</p>",
        reply_to="help@example.test",
        attachments=(
            Attachment("invite.ics", "text/calendar; method=REQUEST", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"),
        ),
    )


@pytest.fixture
def fake() -> Iterator[FakeResend]:
    server = FakeResend().start()
    yield server
    server.stop()


def resend_sender(fake: FakeResend, *, key: str | None = None, rate: float = FAST, **kwargs: Any) -> ResendSender:
    return ResendSender(key or fake.api_key, base_url=fake.url, pacer=Pacer(rate), **kwargs)


# --- Resend ------------------------------------------------------------------------------------------------


def test_resend_sends_through_the_sdk_with_the_job_id_as_idempotency_key(fake: FakeResend) -> None:
    before = (resend.api_key, resend.api_url, resend.default_http_client)
    sender = resend_sender(fake)
    provider_id = sender.send(message(), "job-1")
    assert provider_id in fake.sent
    [request] = fake.requests
    assert request.headers["idempotency-key"] == "job-1"
    assert request.headers["authorization"] == f"Bearer {fake.api_key}"
    body = fake.sent[provider_id]
    assert body["to"] == ["ada@example.test"] and body["subject"] == "Your Mini Mentorship Session is Scheduled"
    assert body["from"] == "Mini Mentorship <mentorship@example.test>" and body["reply_to"] == "help@example.test"
    assert body["text"].startswith("Hi Ada") and body["html"].startswith("<p>Hi Ada")
    assert body["attachments"][0]["filename"] == "invite.ics"
    assert (resend.api_key, resend.api_url, resend.default_http_client) == before, (
        "the SDK's module globals are as they were: no global state for anyone to patch")
    assert fake.api_key not in repr(sender), "the API key is never shown"


def test_a_retried_job_reaches_resend_once_and_another_body_under_the_same_key_is_refused(fake: FakeResend) -> None:
    sender = resend_sender(fake)
    first = sender.send(message(), "job-2")
    again = sender.send(message(), "job-2")
    assert again == first and len(fake.sent) == 1, "same key, same body: the first id, nothing sent twice"
    with pytest.raises(PermanentError, match="Resend 409: Same idempotency key used with a different request"):
        sender.send(message(subject="Something else"), "job-2")
    assert len(fake.sent) == 1


def test_resend_429_waits_for_retry_after_and_tries_again(fake: FakeResend) -> None:
    sender = resend_sender(fake, max_retry_wait=5)
    fake.fail_next(429, retry_after=0.3)
    started = time.monotonic()
    provider_id = sender.send(message(), "job-3")
    assert provider_id in fake.sent
    first, second = fake.requests
    assert second.at - first.at >= 0.29, "the retry came after retry-after"
    assert time.monotonic() - started < 3


def test_resend_429_with_a_long_retry_after_fails_the_attempt_for_the_queue_to_retry(fake: FakeResend) -> None:
    sender = resend_sender(fake, max_retry_wait=1)
    fake.fail_next(429, retry_after=30)
    with pytest.raises(ResendRetryError, match=r"Resend 429.*retry after 30 s"):
        sender.send(message(), "job-4")
    assert not isinstance(ResendRetryError("x"), PermanentError), "an ordinary failed attempt: retried"


def test_resend_5xx_and_an_unreachable_api_are_retried_4xx_fail_at_once_with_resends_message(
    fake: FakeResend,
) -> None:
    sender = resend_sender(fake)
    fake.fail_next(500)
    with pytest.raises(ResendRetryError, match="Resend 500"):
        sender.send(message(), "job-5")
    assert sender.send(message(), "job-5") in fake.sent, "the retry succeeds"
    fake.fail_next(409)  # the same key still in flight (Resend's concurrent_idempotent_requests)
    with pytest.raises(ResendRetryError, match="Resend 409"):
        sender.send(message(), "job-5b")
    with pytest.raises(PermanentError, match="Resend 422: Invalid `to` field"):
        sender.send(message(to="not-an-address"), "job-6")
    with pytest.raises(PermanentError, match="Resend 403: API key is invalid"):
        resend_sender(fake, key="re_wrong").send(message(), "job-7")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    nowhere = ResendSender("re_x", base_url=f"http://127.0.0.1:{closed}", pacer=Pacer(FAST), timeout=2)
    with pytest.raises(ResendRetryError, match="Resend 500"):
        nowhere.send(message(), "job-8")


class RecordingPacer(Pacer):
    """The real pacer, keeping the slot each call was given (on the monotonic clock)."""

    def __init__(self, rate: float) -> None:
        super().__init__(rate)
        self.slots: list[float] = []

    def wait(self) -> float:
        slot = super().wait()
        self.slots.append(slot)
        return slot


def test_resend_calls_never_exceed_the_rate_across_threads(fake: FakeResend) -> None:
    rate = 10.0
    pacer = RecordingPacer(rate)
    sender = ResendSender(fake.api_key, base_url=fake.url, pacer=pacer)
    threads = [threading.Thread(target=sender.send, args=(message(), f"job-p{i}")) for i in range(13)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(fake.sent) == 13
    slots = sorted(pacer.slots)
    assert min(b - a for a, b in itertools.pairwise(slots)) >= 1 / rate - 1e-9, "calls start 1/rate apart"
    arrivals = sorted(r.at for r in fake.requests)
    for start in arrivals:
        in_window = sum(1 for t in arrivals if start <= t < start + 1)
        assert in_window <= rate + 1, "the API never sees more than the rate in any second (+1 for jitter)"
    assert arrivals[-1] - arrivals[0] >= 1.1, "13 calls at 10/s take at least 1.2 s"


def test_the_pacer_spaces_calls_evenly_and_pauses_for_retry_after() -> None:
    clock = [0.0]
    sleeps: list[float] = []
    pacer = Pacer(2.0, clock=lambda: clock[0], sleep=sleeps.append)
    slots = [pacer.wait() for _ in range(4)]
    assert slots == [0.0, 0.5, 1.0, 1.5], "2 per second, evenly spaced"
    pacer.pause(10)
    assert pacer.wait() == 10.0, "a 429's retry-after holds every caller back"


def test_a_pause_also_holds_back_callers_already_waiting_for_their_slot() -> None:
    clock = [0.0]
    during_sleep: list[Callable[[], None]] = []

    def sleep(seconds: float) -> None:
        clock[0] += seconds
        while during_sleep:
            during_sleep.pop()()

    pacer = Pacer(2.0, clock=lambda: clock[0], sleep=sleep)
    assert pacer.wait() == 0.0
    during_sleep.append(lambda: pacer.pause(3))  # the first call's 429 arrives while the second one waits
    assert pacer.wait() == 3.5, "the waiting caller takes a slot after the retry-after, not its old one"
    assert pacer.wait() == 4.0, "and the spacing goes on from there"


# --- SMTP --------------------------------------------------------------------------------------------------


class Inbox:
    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,  # noqa: N802
                          rcpt_options: list[str]) -> str:
        if address.startswith("nobody@"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        self.envelopes.append(envelope)
        return "250 Message accepted"


def authenticate(server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"mailer", b"s3cret")
    return AuthResult(success=ok)


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """(server context, client context trusting it) for a self-signed 127.0.0.1 certificate."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    return server, ssl.create_default_context(cafile=str(cert))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def smtp_server(inbox: Inbox, **kwargs: Any) -> Controller:
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), **kwargs)
    controller.start()
    return controller


def test_smtp_delivers_over_starttls_with_login(tls: tuple[ssl.SSLContext, ssl.SSLContext]) -> None:
    inbox = Inbox()
    server = smtp_server(inbox, tls_context=tls[0], require_starttls=True, authenticator=authenticate,
                         auth_require_tls=True)
    try:
        sender = SmtpSender("127.0.0.1", server.port, security="starttls", user="mailer", password="s3cret",
                            tls_context=tls[1], pacer=Pacer(FAST))
        provider_id = sender.send(message(), "job-s1")
    finally:
        server.stop()
    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == ["ada@example.test"]
    received = email.message_from_bytes(envelope.original_content or b"", policy=email.policy.default)
    assert received["Subject"] == "Your Mini Mentorship Session is Scheduled"
    assert received["Message-ID"] == provider_id == "<job-s1@mini-mentorship.local>", "the id follows the job"
    assert received["Reply-To"] == "help@example.test"
    kinds = [part.get_content_type() for part in received.walk()]
    assert {"text/plain", "text/html", "text/calendar"} <= set(kinds)


def test_smtp_over_implicit_tls_and_a_refused_recipient_fails_at_once(
    tls: tuple[ssl.SSLContext, ssl.SSLContext],
) -> None:
    inbox = Inbox()
    server = smtp_server(inbox, ssl_context=tls[0])
    try:
        sender = SmtpSender("127.0.0.1", server.port, security="ssl", tls_context=tls[1])
        sender.send(message(), "job-s3")
        with pytest.raises(PermanentError, match="refused the recipient"):
            sender.send(message(to="nobody@example.test"), "job-s4")
    finally:
        server.stop()
    assert len(inbox.envelopes) == 1


def test_smtp_that_cannot_connect_is_an_ordinary_failed_attempt() -> None:
    sender = SmtpSender("127.0.0.1", free_port(), security="none", timeout=2)
    with pytest.raises(OSError):
        sender.send(message(), "job-s5")


# --- file and console --------------------------------------------------------------------------------------


def test_the_file_sender_writes_one_eml_per_job_named_so_the_latest_sorts_last(tmp_path: Path) -> None:
    sender = FileSender(tmp_path / "mail")
    first = sender.send(message(subject="First"), "11111111-aaaa")
    time.sleep(0.002)
    second = sender.send(message(subject="Second"), "22222222-bbbb")
    assert sender.send(message(subject="First"), "11111111-aaaa") == first, "a retried job makes no second file"
    names = sorted(p.name for p in (tmp_path / "mail").glob("*.eml"))
    assert names == [first, second] and names[-1].endswith("_second_22222222-bbbb.eml")
    parsed = email.message_from_bytes((tmp_path / "mail" / second).read_bytes(), policy=email.policy.default)
    assert (parsed["To"], parsed["Subject"]) == ("ada@example.test", "Second")


def test_the_console_sender_prints_the_text() -> None:
    out = io.StringIO()
    assert ConsoleSender(out).send(message(), "job-c") == "console-job-c"
    assert "To: ada@example.test\nSubject: Your Mini Mentorship Session is Scheduled" in out.getvalue()
    assert "Attachments: invite.ics" in out.getvalue() and "Your session is scheduled." in out.getvalue()


# --- settings ----------------------------------------------------------------------------------------------


def test_a_missing_setting_for_the_chosen_backend_stops_the_worker_at_start(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("MM_EMAIL_BACKEND", "MM_RESEND_API_KEY", "MM_SMTP_HOST", "MM_EMAIL_FILE_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MM_EMAIL_BACKEND", "resend")
    with pytest.raises(WorkerError, match="bad email setting: MM_EMAIL_BACKEND=resend needs MM_RESEND_API_KEY"):
        default_registry(WorkerSettings())
    monkeypatch.setenv("MM_EMAIL_BACKEND", "smtp")
    with pytest.raises(WorkerError, match="needs MM_SMTP_HOST"):
        default_registry(WorkerSettings())
    monkeypatch.setenv("MM_EMAIL_BACKEND", "pigeon")
    with pytest.raises(WorkerError, match="bad email setting: MM_EMAIL_BACKEND: Input should be"):
        default_registry(WorkerSettings())
    with pytest.raises(EmailSettingsError, match="MM_APP_BASE_URL must be an http"):
        build_sender(EmailSettings(backend="file", app_base_url="app.example.test"))
    monkeypatch.setenv("MM_EMAIL_BACKEND", "resend")
    monkeypatch.setenv("MM_RESEND_API_KEY", "re_from_env")
    monkeypatch.setenv("MM_RESEND_BASE_URL", "http://127.0.0.1:9")
    sender = build_sender(EmailSettings())
    assert isinstance(sender, ResendSender) and sender.base_url == "http://127.0.0.1:9"
    assert "re_from_env" not in repr(EmailSettings()), "the key is a secret in the settings' repr"
    monkeypatch.delenv("MM_EMAIL_BACKEND")
    default = build_sender(EmailSettings())
    assert isinstance(default, FileSender)
    assert default.directory == tmp_path.resolve() / ".mini-mentorship" / "outbox-mail", "the local default"


# --- through the worker --------------------------------------------------------------------------------------


def test_a_job_retried_after_a_crash_reaches_resend_once(
    db: Database, make_user: Callable[..., uuid.UUID], as_user: Callable[[uuid.UUID], Api], fake: FakeResend
) -> None:
    student = make_user("student", timezone="Asia/Kolkata")
    create_request(as_user(student))
    settings = EmailSettings(backend="resend", resend_api_key=fake.api_key, resend_base_url=fake.url,
                             rate_per_second=FAST, app_base_url="https://app.example.test")
    registry = default_registry(WorkerSettings(), email=settings)
    worker, log = run_once(db, registry)
    assert worker.tally.succeeded == 1, log
    [first] = db.query("select id, provider_message_id from private.outbox where template = 'request_created'")
    assert first["provider_message_id"] in fake.sent
    # The worker died after Resend accepted and before it recorded that: the job runs again.
    db.query("update private.outbox set status = 'pending', provider_message_id = null, run_at = now() "
             "where id = %s", (first["id"],))
    worker, log = run_once(db, registry)
    assert worker.tally.succeeded == 1, log
    [again] = db.query("select provider_message_id from private.outbox where id = %s", (first["id"],))
    assert again["provider_message_id"] == first["provider_message_id"], "Resend answered with the first id"
    assert len(fake.sent) == 1, "the student got it once"
    assert [r.headers["idempotency-key"] for r in fake.requests] == [str(first["id"])] * 2
