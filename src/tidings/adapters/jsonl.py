"""Events from a JSONL stream: every line parsed and checked, bad ones reported, good ones kept.

A file whose lines are nearly in time order is read once, in sorted-arrival order (see
`read_sorted`). Any other stream is read as it comes; a large one is parsed by a worker
process while the caller stores what came before (two cores, two jobs).
"""

from __future__ import annotations

import heapq
import multiprocessing
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from itertools import chain, islice
from pathlib import Path
from typing import Any

from tidings.adapters import journeys_loader
from tidings.adapters.contract import check_event, loads, parse_line
from tidings.domain.catalogue import Catalogue
from tidings.domain.errors import InvalidEvent
from tidings.domain.events import Event, EventRecord

CHUNK = 5_000
REORDER = 10_000  # events a sorted read holds back at most
INF = float("inf")
UNKNOWN = float("nan")
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


def _checked(number: int, line: str, catalogue: Catalogue) -> Event | str | None:
    """The event on line `number`, or the error that refuses it; None for a blank line."""
    if not line.strip():
        return None
    where = f"line {number}"
    try:
        return check_event(catalogue, parse_line(line, where), where)
    except InvalidEvent as exc:
        return str(exc)


def _parse(chunk: Numbered, catalogue: Catalogue) -> list[Parsed]:
    out: list[Parsed] = []
    for number, line in chunk:
        ev = _checked(number, line, catalogue)
        if ev is None:
            continue
        if isinstance(ev, str):
            out.append((number, ev))
            continue
        out.append((number, ev.id, ev.type, ev.store, ev.occurred_at))
    return out


def _start(journeys: Path | None) -> None:
    global _catalogue
    _catalogue = journeys_loader.catalogue(journeys)


def _parse_in_worker(chunk: Numbered) -> list[Parsed]:
    assert _catalogue is not None
    return _parse(chunk, _catalogue)


def read_sorted(
    path: Path, catalogue: Catalogue, report: Callable[[str], None], window: int = REORDER
) -> Iterator[Event] | None:
    """The good events of the file at `path` in sorted-arrival order, read in one pass.

    A first, quick look at every line's `occurred_at` proves that holding back `window`
    events is enough to sort them: every line must be earlier than each line more than
    `window` lines after it. When it is not (a file far out of order), None: the caller
    reads the file as it comes and sorts in the database. Of two lines with the same store
    and id, the first in the file is kept, as when they arrive one after the other.
    """
    times = _times(path)
    if not _within(times, window):
        return None
    return _sorted(path, catalogue, report, window)


def _sorted(
    path: Path, catalogue: Catalogue, report: Callable[[str], None], window: int
) -> Iterator[Event]:
    heap: list[tuple[datetime, str, str, int, Event]] = []
    held: set[tuple[str, str]] = set()
    last: tuple[datetime, str, str] | None = None
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            ev = _checked(number, line, catalogue)
            if ev is None or isinstance(ev, str):
                if ev:
                    report(ev)
                continue
            if (ev.store, ev.id) in held:
                continue  # a duplicate of an event still held back: the first line wins
            if last is not None and (ev.occurred_at, ev.store, ev.id) < last:
                raise RuntimeError(f"line {number}: out of the order the first look at {path} saw")
            held.add((ev.store, ev.id))
            heapq.heappush(heap, (ev.occurred_at, ev.store, ev.id, number, ev))
            if len(heap) > window:
                at, store, ident, _, first = heapq.heappop(heap)
                held.discard((store, ident))
                last = (at, store, ident)
                yield first
    while heap:
        yield heapq.heappop(heap)[-1]


def _times(path: Path) -> array[float]:
    """Each line's `occurred_at` as a POSIX time: +inf for a line that cannot be an event
    (it constrains nothing), NaN where only the full parse can tell (the file then takes the
    two-pass path: such a line's real time is unknown here)."""
    times = array("d")
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            times.append(_when(line))
    return times


def _when(line: str) -> float:
    i = line.find("occurred_at")
    if (
        i > 1
        and line[i - 1] == '"'
        and line.startswith('":"', i + 11)
        and line.find("occurred_at", i + 11) < 0
        and line.find("{", line.find("{") + 1, i) < 0  # a key of the event itself
        and "\\" not in line  # no escapes: what is read here is what the parser reads
    ):
        text: Any = line[i + 14 : line.find('"', i + 14)]
    elif not line.strip():
        return INF
    else:
        try:
            obj = loads(line)
        except ValueError:
            return INF  # refused
        text = obj.get("occurred_at") if isinstance(obj, dict) else None
    if not isinstance(text, str):
        return UNKNOWN  # most likely refused; only the parser can say
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        return UNKNOWN
    return at.timestamp() if at.tzinfo is not None else INF  # naive: refused


def _within(times: array[float], window: int) -> bool:
    """Is every line earlier than all lines more than `window` lines after it?"""
    if any(t != t for t in times):  # NaN: a time only the full parse can read
        return False
    least = array("d", times)  # least[i]: the earliest time of lines i and after
    for i in range(len(least) - 2, -1, -1):
        if least[i + 1] < least[i]:
            least[i] = least[i + 1]
    later = islice(least, window + 1, None)
    return all(t == INF or t < after for t, after in zip(times, later, strict=False))


__all__: list[Any] = ["read", "read_sorted"]
