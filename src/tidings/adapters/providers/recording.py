"""The recording provider: keeps what was handed over, in memory and optionally as JSONL.

It is the provider of `tidings replay` and the embedded default's file outbox.
"""

from __future__ import annotations

import json
from pathlib import Path

from tidings.domain.messages import Message


class RecordingSender:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.sent: list[str] = []

    def send(self, message: Message) -> None:
        self.sent.append(message.message_id)
        if self.path is not None:
            line = {
                "message_id": message.message_id,
                "store": message.store_id,
                "channel": message.channel,
                "to": message.recipient,
                "body": message.body,
            }
            with self.path.open("a", encoding="utf-8") as out:
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
