"""The file provider: every message it takes is a line of a JSONL outbox; without a file it
only accepts them (replay's provider: the messages are in the database already). The embedded
default's channel for everything.

A line is written in one `write` to a file opened for appending before `send` returns, so a
message it accepted is in the file even when the process is killed right after, and a killed
process never leaves half a line.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable
from pathlib import Path

from tidings.domain.delivery import Accepted, Outgoing, Receipt, Reply


class FileProvider:
    def __init__(self, name: str = "file", path: Path | str | None = None) -> None:
        self.name = name
        self.path = Path(path) if path is not None else None
        self._lock = threading.Lock()
        self._fd: int | None = None

    def send(self, out: Outgoing) -> Accepted:
        if self.path is None:  # nothing will ever answer for it: no reference to keep
            return Accepted(())
        ref = hashlib.blake2b(f"{out.message_id}\x1f{out.to}".encode(), digest_size=8).hexdigest()
        line = {
            "message_id": out.message_id,
            "store": out.store_id,
            "channel": out.channel,
            "to": out.to,
            "from": out.sender or None,
            "subject": out.subject or None,
            "body": out.body,
        }
        data = (json.dumps(line, ensure_ascii=False) + "\n").encode()
        with self._lock:
            if self._fd is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            os.write(self._fd, data)
        return Accepted((ref,))

    def poll(self, handle: Callable[[Receipt | Reply], None]) -> None:
        """A file gives no receipts and gets no replies."""

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
