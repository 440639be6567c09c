"""The file provider: every message it takes is a line of a JSONL outbox; without a file it
only accepts them (replay's provider: the messages are in the database already). The embedded
default's channel for everything.

A line is written in one `write` to a file opened for appending before `send` returns, so a
message it accepted is in the file even when the process is killed right after, and a killed
process never leaves half a line.

`erase` redacts the lines of an erased shopper's messages in place, each to the same length
(padded with spaces): the file is never replaced, so a process appending to it meanwhile (a
worker elsewhere) or a reader that kept its offset loses nothing, and the line count stays.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from typing import Any

from tidings.domain.consent import ERASED
from tidings.domain.delivery import Accepted, Outgoing, Receipt, Reply

PERSONAL = ("to", "subject", "body")


class FileProvider:
    def __init__(self, name: str = "file", path: Path | str | None = None) -> None:
        self.name = name
        self.path = Path(path) if path is not None else None
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._erased: set[str] = set()  # a send still under way when its message was erased

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
        with self._lock:
            data = (json.dumps(line, ensure_ascii=False) + "\n").encode()
            if out.message_id in self._erased:
                data = _redacted(line, len(data) - 1) + b"\n"
            if self._fd is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            os.write(self._fd, data)
        return Accepted((ref,))

    def erase(self, message_ids: Collection[str]) -> int:
        """Redact the lines of these messages in place (see above); how many were."""
        if self.path is None or not message_ids:
            return 0
        with self._lock:
            self._erased.update(message_ids)
            if not self.path.exists():
                return 0
            found = list(_lines_of(self.path, set(message_ids)))
            fd = os.open(self.path, os.O_WRONLY)
            try:
                for offset, line, size in found:
                    os.pwrite(fd, _redacted(line, size), offset)
                os.fsync(fd)
            finally:
                os.close(fd)
        return len(found)

    def poll(self, handle: Callable[[Receipt | Reply], None]) -> None:
        """A file gives no receipts and gets no replies."""

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


def _lines_of(path: Path, message_ids: set[str]) -> Iterator[tuple[int, dict[str, Any], int]]:
    """(offset, line, size without its newline) of each whole line of these messages."""
    marks = [json.dumps(i, ensure_ascii=False).encode() for i in message_ids]
    offset = 0
    with path.open("rb") as file:
        for raw in file:
            size = len(raw)
            if raw.endswith(b"\n") and any(mark in raw for mark in marks):
                line = json.loads(raw)
                if line.get("message_id") in message_ids:
                    yield offset, line, size - 1
            offset += size


def _redacted(line: dict[str, Any], size: int) -> bytes:
    """The line without its recipient, subject and text, padded to `size` bytes: compact
    separators and nulls always take fewer bytes than the line as written."""
    gone = {**line, **dict.fromkeys(PERSONAL), "to": ERASED}
    data = json.dumps(gone, ensure_ascii=False, separators=(",", ":")).encode()
    assert len(data) <= size, "a redacted line is never longer than the line"
    return data.ljust(size)
