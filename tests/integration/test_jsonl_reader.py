"""Reading a JSONL stream in a worker process gives what reading it here gives."""

from __future__ import annotations

import json

from helpers import at, customer, lines, order, store
from tidings.adapters import jsonl
from tidings.adapters.journeys_loader import builtin


def _stream() -> list[str]:
    events = [store(), customer()] + [order(f"o{i}", at(10, i)) for i in range(150)]
    text = lines(events)
    text.insert(7, "not json")
    text.insert(90, json.dumps({**json.loads(text[20]), "type": "order.lost", "id": "bad-1"}))
    text.insert(140, "")
    return [line + "\n" for line in text]


def _read(stream: list[str], parallel: bool) -> tuple[list[jsonl.EventRecord], list[str]]:
    errors: list[str] = []
    records = list(jsonl.read(stream, builtin(), errors.append, parallel=parallel, chunk=40))
    return records, errors


def test_a_worker_process_reads_the_same_records_and_errors_in_order():
    stream = _stream()
    here, here_errors = _read(stream, parallel=False)
    there, there_errors = _read(stream, parallel=True)
    assert len(here) == 152
    assert there == here
    assert there_errors == here_errors
    assert [e.split(":")[0] for e in here_errors] == ["line 8", "line 91, event 'bad-1'"]


def test_the_parallel_path_parses_in_the_worker(monkeypatch):
    stream = _stream()
    expected, _ = _read(stream, parallel=False)

    def not_here(*args):  # type: ignore[no-untyped-def]
        raise AssertionError("parsed in the main process")

    monkeypatch.setattr(jsonl, "_parse", not_here)
    there, errors = _read(stream, parallel=True)
    assert there == expected and len(errors) == 2
