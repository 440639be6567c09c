"""An events file as if it had just happened: every time in it moved by one amount, so that
its last event is now. A live tidings keeps and counts history, but starts no journey step that
was due more than a day before it heard of the event; the README's walk-through posts the
example day moved to today so that its messages go out.

    python3 examples/now.py examples/acme-day.jsonl > today.jsonl

Times are the envelope's `occurred_at` and, inside `data`, every field named `…_at` or
`…_until` (an order's `auto_close_at`, a pickup's `storage_until`); each keeps its offset.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from typing import Any


def _is_time(key: str) -> bool:
    return key.endswith(("_at", "_until"))


def _moved(value: Any, by: timedelta) -> Any:
    """`value` with every time field of its objects moved `by`."""
    if isinstance(value, dict):
        return {
            k: (_shift(v, by) if _is_time(k) and isinstance(v, str) else _moved(v, by))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_moved(v, by) for v in value]
    return value


def _shift(text: str, by: timedelta) -> str:
    return (datetime.fromisoformat(text) + by).isoformat()


def main(path: str) -> None:
    with open(path, encoding="utf-8") as source:
        events = [json.loads(line) for line in source if line.strip()]
    last = max(datetime.fromisoformat(e["occurred_at"]) for e in events)
    by = datetime.now(UTC).replace(microsecond=0) - last
    for event in events:
        print(json.dumps(_moved(event, by), ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1])
