"""Where a replay's time goes, part by part: `tidings replay` in this process, timed.

    python bench/parts.py EVENTS.jsonl [--journeys FILE] [--db URL] [--src DIR] [--wall]

Wraps the functions that do each part in a timer of the process's CPU time and prints, per
part, the seconds spent in it (a part's own time: what it calls of another part counts there),
the process's CPU seconds and the peak resident memory. CPU time, not the wall clock: on a
shared machine the load of other runs changes the wall clock more than most steps gain.
`--src` times another tree's code (an old build beside the new one), so two builds can be
measured at the same time on the same machine load.

Parts: reading (the quick look at every line's time), decoding (parse and validate a line),
storing (events into the event log), loading (state and messages a batch needs), folding
(state changed by events, journeys started), deciding (the rules at send time), rendering
(texts), writing (state, messages, links, deliveries, commits), output (decided messages
read back and written as JSON lines).
"""

from __future__ import annotations

import argparse
import importlib
import resource
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

PARTS = {  # part: (module, attribute path) of the functions that do it
    "reading": [("tidings.adapters.jsonl", "_times")],
    "decoding": [("tidings.adapters.jsonl", "_checked")],
    "storing": [("tidings.adapters.db.repositories", "SqlEventLog.add")],
    "loading": [
        ("tidings.services.engine", "load"),
        ("tidings.adapters.db.outbox", "SqlOutbox.due"),
    ],
    "folding": [
        ("tidings.services.engine", "apply"),
        ("tidings.services.engine", "start_journeys"),
    ],
    "deciding": [("tidings.services.decide", "Decider.decide")],
    "rendering": [("tidings.services.texts", "Texts.render_step")],
    "writing": [
        ("tidings.adapters.db.repositories", "SqlStateRepo.save"),
        ("tidings.services.engine", "_flush"),
    ],
    "committing": [("tidings.adapters.db.uow", "SqlUnitOfWork.commit")],
    "delivering": [
        ("tidings.services.delivery", "Dispatcher.plan"),
        ("tidings.services.delivery", "Dispatcher.deliver"),
    ],
    "output": [("tidings.entrypoints.cli", "message_line")],
}
GENERATORS = {"output": [("tidings.bootstrap", "App.decided")]}


class Timers:
    """Time per part (`clock`: CPU by default), each part's own: time spent in a nested part
    counts there."""

    def __init__(self, clock: Callable[[], float] = time.process_time) -> None:
        self.clock = clock
        self.own: dict[str, float] = defaultdict(float)
        self.stack: list[list[Any]] = []  # [part, started, time of nested parts]

    def enter(self, part: str) -> None:
        self.stack.append([part, self.clock(), 0.0])

    def leave(self) -> None:
        part, started, nested = self.stack.pop()
        spent = self.clock() - started
        self.own[part] += spent - nested
        if self.stack:
            self.stack[-1][2] += spent


def _wrap(timers: Timers, part: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        timers.enter(part)
        try:
            return fn(*args, **kwargs)
        finally:
            timers.leave()

    return timed


def _wrap_generator(timers: Timers, part: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Iterator[Any]:
        items = fn(*args, **kwargs)
        while True:
            timers.enter(part)
            try:
                item = next(items)
            except StopIteration:
                return
            finally:
                timers.leave()
            yield item

    return timed


def _patch(timers: Timers) -> None:
    for table, wrap in ((PARTS, _wrap), (GENERATORS, _wrap_generator)):
        for part, places in table.items():
            for module_name, path in places:
                owner: Any = importlib.import_module(module_name)
                *outer, name = path.split(".")
                for attr in outer:
                    owner = getattr(owner, attr)
                setattr(owner, name, wrap(timers, part, getattr(owner, name)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("events")
    parser.add_argument("--journeys")
    parser.add_argument("--db")
    parser.add_argument("--src", help="the src/ folder of the build to time")
    parser.add_argument("--wall", action="store_true", help="time the wall clock, not CPU")
    args = parser.parse_args()
    clock = time.perf_counter if args.wall else time.process_time
    sys.path.insert(0, str(Path(args.src or Path(__file__).parents[1] / "src").resolve()))
    timers = Timers(clock)
    _patch(timers)
    from tidings.entrypoints.cli import main as cli

    with tempfile.TemporaryDirectory() as folder:
        command = ["replay", args.events, "--out", str(Path(folder) / "out.jsonl")]
        command += ["--journeys", args.journeys] if args.journeys else []
        command += ["--db", args.db] if args.db else []
        start = clock()
        cli(command)
        total = clock() - start
    for part in PARTS:
        print(f"{part:10} {timers.own[part]:8.2f}")
    print(f"{'other':10} {total - sum(timers.own.values()):8.2f}")
    print(f"{'total':10} {total:8.2f}")
    used = resource.getrusage(resource.RUSAGE_SELF)
    print(f"{'cpu':10} {used.ru_utime + used.ru_stime:8.2f}")  # this process's: load-proof
    print(f"peak MB    {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:8.0f}")


if __name__ == "__main__":
    main()
