"""Events from a JSONL stream: every line parsed and checked, bad ones reported, good ones kept.

A large stream is parsed by a worker process while the caller stores what came before
(two cores, two jobs); a small one is parsed here, where a worker's start-up would cost more.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from itertools import chain, islice
from pathlib import Path
from typing import Any

from tidings.adapters import journeys_loader
from tidings.adapters.contract import check_event, parse_line
from tidings.domain.catalogue import Catalogue
from tidings.domain.errors import InvalidEvent
from tidings.domain.events import EventRecord

CHUNK = 5_000
WORKERS = 1
IN_FLIGHT = 3
Numbered = list[tuple[int, str]]
Parsed = tuple[int, str, str, str, datetime] | tuple[int, str]

_catalogue: Catalogue | None = None


def read(
    stream: Iterable[str],
    catalogue: Catalogue,
    report: Callable[[str], None],
    journeys: Path | None = None,
    parallel: bool = True,
    chunk: int = CHUNK,
) -> Iterator[EventRecord]:
    """The good events of `stream`, in its order; `report` gets each bad line's error."""
    numbered = enumerate(stream, start=1)
    chunks = iter(lambda: list(islice(numbered, chunk)), [])
    first = next(chunks, [])
    if not parallel or len(first) < chunk:
        for part in chain([first], chunks):
            yield from _records(part, _parse(part, catalogue), report)
        return
    context = multiprocessing.get_context("spawn")
    pending: deque[tuple[Numbered, Future[list[Parsed]]]] = deque()
    rest = chain([first], chunks)
    try:
        with ProcessPoolExecutor(
            WORKERS, context, initializer=_start, initargs=(journeys,)
        ) as pool:
            for part in rest:
                pending.append((part, pool.submit(_parse_in_worker, part)))
                while len(pending) >= IN_FLIGHT or (pending and pending[0][1].done()):
                    done, future = pending[0]
                    parsed = future.result()
                    pending.popleft()
                    yield from _records(done, parsed, report)
            while pending:
                done, future = pending[0]
                parsed = future.result()
                pending.popleft()
                yield from _records(done, parsed, report)
    except BrokenProcessPool:  # the worker could not start or died: go on here
        for part in chain((c for c, _ in pending), rest):
            yield from _records(part, _parse(part, catalogue), report)


def _records(
    chunk: Numbered, parsed: list[Parsed], report: Callable[[str], None]
) -> Iterator[EventRecord]:
    lines = dict(chunk)
    for item in parsed:
        if len(item) == 2:
            report(item[1])
        else:
            number, ident, type_, store, at = item
            yield EventRecord(ident, type_, store, at, lines[number])


def _parse(chunk: Numbered, catalogue: Catalogue) -> list[Parsed]:
    out: list[Parsed] = []
    for number, line in chunk:
        if not line.strip():
            continue
        where = f"line {number}"
        try:
            ev = check_event(catalogue, parse_line(line, where), where)
        except InvalidEvent as exc:
            out.append((number, str(exc)))
            continue
        out.append((number, ev.id, ev.type, ev.store, ev.occurred_at))
    return out


def _start(journeys: Path | None) -> None:
    global _catalogue
    _catalogue = journeys_loader.catalogue(journeys)


def _parse_in_worker(chunk: Numbered) -> list[Parsed]:
    assert _catalogue is not None
    return _parse(chunk, _catalogue)


__all__: list[Any] = ["read"]
