"""The SMPP benchmark: messages a second through one bind, for several windows, against
smpp34's server on loopback that answers each submit_sm 20 ms after it came (a carrier's
round trip), each answer on its own timer so that several can be under way.

    python bench/smpp.py [--messages 400] [--windows 1,10] [--delay 0.02]

For each window:
- **short texts**: `--messages` one-part texts handed to one provider (one bind) by as many
  threads as the window is wide, as a dispatcher that hands several messages over at once
  would; messages a second;
- **long texts**: `--messages` / 4 three-part texts sent one after another by one thread (the
  dispatcher of today): each text's parts are outstanding together; texts and parts a second.
A window of 1 is the old adapter's pace: one submit_sm outstanding, about 1/RTT a second.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import socket
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import smpp34
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parents[1] / "src"))
from tidings.adapters.providers.smpp import SmppProvider
from tidings.domain.delivery import Outgoing

HOST = "127.0.0.1"
LONG = ("Your parcel is on its way and reaches the pickup point tomorrow. " * 6)[:400]


class SlowSmsc:
    """smpp34's server on loopback in a thread; every submit_sm answered `delay` s later."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        with socket.socket() as probe:
            probe.bind((HOST, 0))
            self.port = int(probe.getsockname()[1])
        self._ids = itertools.count(1)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> SlowSmsc:
        self._thread.start()
        self._call(self._start()).result(10)
        return self

    def __exit__(self, *_: object) -> None:
        self._call(self._stop()).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _call(self, work: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(work, self._loop)

    async def _start(self) -> None:
        self._server = smpp34.Server(HOST, self.port, system_id="BENCH")
        await self._server.start()
        self._serving = asyncio.ensure_future(self._serve())

    async def _stop(self) -> None:
        self._serving.cancel()
        await asyncio.gather(self._serving, return_exceptions=True)
        await self._server.stop()

    async def _serve(self) -> None:
        while True:
            event = await self._server.next()
            if isinstance(event, smpp34.SubmitSmEvent):
                message_id = f"b-{next(self._ids)}"
                self._loop.call_later(self.delay, event.accept, message_id)


def provider(smsc: SlowSmsc, window: int) -> SmppProvider:
    return SmppProvider(
        host=HOST, port=smsc.port, system_id="bench", password="bench", window=window
    )


def sms(n: int, body: str) -> Outgoing:
    return Outgoing("bench", f"m{n}", "sms", "+8613800138000", body, sender="Acme")


def short_texts(smsc: SlowSmsc, window: int, count: int) -> float:
    """One-part texts a second, `window` threads sending on one bind."""
    bound = provider(smsc, window)
    bound.send(sms(-1, "warm up"))  # the bind is not measured
    start = time.perf_counter()
    with ThreadPoolExecutor(window) as senders:
        list(senders.map(lambda n: bound.send(sms(n, "Your parcel is on its way.")), range(count)))
    elapsed = time.perf_counter() - start
    bound.close()
    return count / elapsed


def long_texts(smsc: SlowSmsc, window: int, count: int) -> float:
    """Three-part texts a second, one thread sending them one after another."""
    bound = provider(smsc, window)
    bound.send(sms(-1, "warm up"))
    start = time.perf_counter()
    for n in range(count):
        assert len(bound.send(sms(n, LONG)).refs) == 3
    elapsed = time.perf_counter() - start
    bound.close()
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--windows", default="1,10")
    parser.add_argument("--delay", type=float, default=0.02, help="seconds before each answer")
    args = parser.parse_args()
    table = Table(title=f"SMPP, one bind, each submit_sm answered {args.delay * 1000:g} ms later")
    for column in ("window", "short texts/s", "long texts/s (3 parts)", "their parts/s"):
        table.add_column(column, justify="right")
    with SlowSmsc(args.delay) as smsc:
        for window in (int(w) for w in args.windows.split(",")):
            short = short_texts(smsc, window, args.messages)
            long = long_texts(smsc, window, max(1, args.messages // 4))
            table.add_row(str(window), f"{short:,.0f}", f"{long:,.1f}", f"{3 * long:,.0f}")
    Console().print(table)


if __name__ == "__main__":
    main()
