"""The file sender (the local default): one .eml per message under a directory.

Names are `<UTC time to the microsecond>_<template-free subject slug>_<key>.eml`, so `ls` sorts them by time
and the last one is the latest. Sending the same idempotency key again rewrites the same file's name only if
none exists (a retried job never makes a second file).
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

from ..message import Message


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "message"


class FileSender:
    name = "file"

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def send(self, message: Message, idempotency_key: str) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        key = re.sub(r"[^A-Za-z0-9-]", "", idempotency_key)[:64] or "message"
        existing = sorted(self.directory.glob(f"*_{key}.eml"))
        if existing:
            return existing[0].name
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        path = self.directory / f"{stamp}_{_slug(message.subject)}_{key}.eml"
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(message.to_mime(message_id=f"<{key}@mini-mentorship.local>").as_bytes())
        os.replace(tmp, path)
        return path.name
