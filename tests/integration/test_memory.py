"""Memory freed in the middle of the C heap goes back to the system (`adapters/memory.py`),
and the replay hands it back after each step (issue 15: a replay's peak under 600 MB)."""

from __future__ import annotations

import os

import pytest

from helpers import at, customer, order, replay, store
from tidings.adapters import memory

MB = 2**20


def _resident() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(memory._trim() is None, reason="the C library has no malloc_trim")
def test_pages_freed_below_the_top_of_the_heap_go_back_to_the_system():
    blocks = [bytearray(os.urandom(8)) * 500 for _ in range(30_000)]  # 4 KB each, on the heap
    top = bytearray(4000)  # made last: it holds the heap's top in place
    grown = _resident()
    del blocks  # 120 MB free below `top`: the heap cannot shrink from its top
    kept = _resident()
    memory.give_back()
    given = _resident()
    assert kept - given > 80 * MB, (grown // MB, kept // MB, given // MB)
    assert top


def test_a_replay_gives_back_what_each_step_freed(db_url, monkeypatch):
    calls: list[int] = []
    monkeypatch.setattr(memory, "give_back", lambda: calls.append(1))
    day = [store(), customer("c1", sms_consent=True)]
    day += [order(f"o{i}", at(8 + i)) for i in range(4)]
    out = replay(db_url, day, batch=1)
    assert out
    assert len(calls) >= len(day)  # a step a batch, and the tail's
