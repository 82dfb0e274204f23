"""The console sender: prints each message's headers and plain text (development, demos)."""

from __future__ import annotations

import sys
import threading
from typing import IO

from ..message import Message


class ConsoleSender:
    name = "console"

    def __init__(self, stream: IO[str] | None = None) -> None:
        self._stream = stream
        self._lock = threading.Lock()  # one message's lines stay together

    def send(self, message: Message, idempotency_key: str) -> str:
        stream = self._stream or sys.stdout
        attachments = ", ".join(a.filename for a in message.attachments) or "none"
        with self._lock:
            stream.write(f"--- email {idempotency_key}\nTo: {message.to}\nSubject: {message.subject}\n"
                         f"Attachments: {attachments}\n\n{message.text.rstrip()}\n---\n")
            stream.flush()
        return f"console-{idempotency_key}"
